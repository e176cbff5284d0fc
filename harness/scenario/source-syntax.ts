/**
 * FROM of an expectation (pure): a host name, optionally `@ADDRESS` — the
 * address the probe leaves from (`scanner@198.18.7.99`,
 * `scanner@[2001:db8:7::99]`), which fixes the probe's family. Used by the
 * compact line (expectation.ts) and the object form's `from`. Errors carry the
 * offset of the wrong part; whether the address is one of the host's is
 * checked by the loader (sources.ts).
 */
import { isIPv4, isIPv6 } from "node:net";
import type { Family } from "../model/types.ts";
import { nonAsciiNote } from "./lookalike.ts";
import { placeholderAsName } from "./placeholders.ts";
import { shortenQuoted } from "./values.ts";

/** An address a probe leaves from (`@198.18.7.99`, `@[2001:db8:7::99]`); it fixes the probe's family. */
export interface CompactSource {
  readonly address: string;
  readonly family: Family;
}

/** Offsets into the text, end exclusive. */
interface Span {
  readonly start: number;
  readonly end: number;
}

export interface FromSyntaxError {
  readonly message: string;
  readonly offset: number;
  /** Undefined: the caller's grammar help. */
  readonly hint: string | undefined;
}

class Fail {
  readonly error: FromSyntaxError;
  constructor(message: string, offset: number, hint?: string) {
    // A very long word is cut with `…` (expectation-tokens.ts does the same).
    this.error = { message: shortenQuoted(message), offset, hint: hint === undefined ? undefined : shortenQuoted(hint, 100) };
  }
}

/** Host-like words; the loader checks them against the declared hosts. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** FROM as written: a host name, optionally `@ADDRESS`. */
export interface FromWord {
  readonly host: string;
  readonly source: CompactSource | undefined;
  readonly hostSpan: Span;
  readonly sourceSpan: Span | undefined;
}

/** `scanner`, `scanner@198.18.7.99` or `scanner@[2001:db8:7::99]`, starting at offset `start` of the line. */
function fromWord(word: string, start: number): FromWord {
  const at = word.indexOf("@");
  const host = at < 0 ? word : word.slice(0, at);
  if (host === "") throw new Fail("missing the source host before `@`", start, "write HOST@ADDRESS, e.g. `scanner@198.18.7.99 -> server:22 dropped`");
  if (isIPv4(host) || isIPv6(host) || host.startsWith("[")) {
    throw new Fail(`the source \`${host}\` must be a lab host, not an address`, start, "a probe starts from one of the scenario's hosts; to leave from one of its addresses write HOST@ADDRESS, e.g. `scanner@198.18.7.99`");
  }
  if (host === "localhost") {
    throw new Fail("the source must be a lab host, not `localhost`", start, "name the host the probe starts from; `localhost` is only a target (the source's own loopback)");
  }
  if (!NAME.test(host)) {
    const placeholder = placeholderAsName(host);
    if (placeholder) throw new Fail(placeholder.message, start + placeholder.offset, placeholder.hint);
    const foreign = nonAsciiNote(host);
    if (foreign) throw new Fail(`\`${host}\` is not a host name: ${foreign.note}`, start + foreign.index, "host names are ASCII: retype the character");
    throw new Fail(`\`${host}\` is not a host name`, start);
  }
  const hostSpan = { start, end: start + host.length };
  if (at < 0) return { host, source: undefined, hostSpan, sourceSpan: undefined };
  const text = word.slice(at + 1);
  const offset = start + at + 1;
  const sourceSpan = { start: offset, end: offset + text.length };
  return { host, source: parseSourceAddress(host, text, offset), hostSpan, sourceSpan };
}

const SOURCE_HINT = "write HOST@IPV4 or HOST@[IPV6], e.g. `scanner@198.18.7.99` or `scanner@[2001:db8:7::99]`, an address the host holds";

function parseSourceAddress(host: string, text: string, offset: number): CompactSource {
  if (text === "") throw new Fail(`missing the source address after \`${host}@\``, offset, SOURCE_HINT);
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) throw new Fail("missing `]` after the IPv6 source address", offset + text.length, `write IPv6 addresses in brackets: \`${host}@[2001:db8:7::99]\``);
    const address = text.slice(1, close);
    if (!isIPv6(address)) throw new Fail(`\`${address}\` is not a valid IPv6 address`, offset + 1, SOURCE_HINT);
    if (close !== text.length - 1) throw new Fail(`unexpected \`${text.slice(close + 1)}\` after the source address`, offset + close + 1, "the source address ends at `]`; the port goes after the target");
    return { address, family: "ipv6" };
  }
  if (isIPv4(text)) return { address: text, family: "ipv4" };
  if (isIPv6(text)) throw new Fail(`IPv6 source address \`${text}\` needs brackets`, offset, `write \`${host}@[${text}]\``);
  if (/^[0-9.]+$/.test(text)) throw new Fail(`\`${text}\` is not a valid IPv4 address`, offset, SOURCE_HINT);
  if (/^[0-9.]+(\/|:)/.test(text)) throw new Fail(`the source address \`${text}\` has a prefix length or port`, offset + text.search(/[/:]/), `write the address alone: \`${host}@${text.replace(/[/:].*$/, "")}\``);
  throw new Fail(`\`${text}\` after \`@\` is not an address`, offset, SOURCE_HINT);
}

/** FROM of a compact line at offset `start`. Never throws. */
export function parseFromWord(word: string, start: number): { readonly ok: true; readonly value: FromWord } | { readonly ok: false; readonly error: FromSyntaxError } {
  try {
    return { ok: true, value: fromWord(word, start) };
  } catch (error) {
    if (error instanceof Fail) return { ok: false, error: error.error };
    throw error;
  }
}

/** The object form's `from`: a host, optionally `@ADDRESS`. Never throws. */
export function parseFrom(word: string): { readonly ok: true; readonly host: string; readonly source: CompactSource | undefined } | { readonly ok: false; readonly error: FromSyntaxError } {
  const r = parseFromWord(word, 0);
  return r.ok ? { ok: true, host: r.value.host, source: r.value.source } : r;
}
