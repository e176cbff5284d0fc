/**
 * The endpoint word of a compact probe line, `TARGET:PORT[/PROTOCOL[4|6]]`
 * (expectation.ts): the target (a host, `localhost`, an IPv4 address or an
 * [IPv6] address in brackets), the port or port range (port-range.ts), the
 * protocol and the family a suffix, a literal address or the source address
 * pins. Pure syntax with spans; never throws.
 */
import { isIPv4, isIPv6 } from "node:net";
import { PROTOCOLS } from "../model/types.ts";
import type { Family, Protocol } from "../model/types.ts";
import type { CollectedParse, CompactSource, CompactTarget, ExpectationSyntaxError, Span } from "./expectation-types.ts";
import { attempt, collect, Fail, type Token } from "./expectation-tokens.ts";
import { nonAsciiNote } from "./lookalike.ts";
import { isRangeText, parseRange } from "./port-range.ts";
import { didYouMean, listWords } from "./suggest.ts";

/** `TARGET:PORT[/PROTOCOL[4|6]]` as parsed. */
export interface Endpoint {
  readonly target: CompactTarget;
  /** The port; for a range, its first port. */
  readonly port: number;
  /** Set when the port is a range (`1-1024`). */
  readonly range: { readonly first: number; readonly last: number } | undefined;
  /** As written; undefined without `/PROTOCOL`. */
  readonly protocol: Protocol | undefined;
  /** Pinned by a suffix, a literal address or the source address; undefined otherwise. */
  readonly family: Family | undefined;
  readonly spans: {
    readonly to: Span;
    readonly port: Span;
    readonly protocol: Span | undefined;
  };
}

/** Host-like words; the loader checks them against the declared hosts. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const LABEL: Record<Family, string> = { ipv4: "IPv4", ipv6: "IPv6" };

function familyOfSuffix(digit: string): Family {
  return digit === "4" ? "ipv4" : "ipv6";
}

function parseTarget(word: string, start: number): CompactTarget {
  if (word === "localhost") return { kind: "localhost" };
  if (isIPv4(word)) return { kind: "address", address: word, family: "ipv4" };
  if (/^[0-9.]+$/.test(word)) {
    throw new Fail(`\`${word}\` is not a valid IPv4 address`, start, "write four numbers 0..255 separated by dots, e.g. `198.18.0.9:80`");
  }
  if (isIPv6(word)) {
    throw new Fail(`IPv6 address \`${word}\` needs brackets`, start, `write \`[${word}]:PORT\`, e.g. \`remote -> [2001:db8::9]:80 dropped\``);
  }
  if (!NAME.test(word)) {
    const foreign = nonAsciiNote(word);
    if (foreign) throw new Fail(`\`${word}\` is not a host name: ${foreign.note}`, start + foreign.index, "host names are ASCII: retype the character");
    throw new Fail(`\`${word}\` is not a host name or address`, start, "TARGET is a host name, `localhost`, an IPv4 address or an [IPv6] address in brackets");
  }
  return { kind: "host", host: word };
}

/** The address between `[` and `]`, at `start`. */
function bracketed(address: string, start: number): CompactTarget {
  const hint = "write an IPv6 address in brackets, e.g. `[2001:db8::9]:80`";
  if (address === "") throw new Fail("missing the IPv6 address in `[]`", start, hint);
  if (!isIPv6(address)) throw new Fail(`\`${address}\` is not a valid IPv6 address`, start, hint);
  return { kind: "address", address, family: "ipv6" };
}

/** TARGET up to the `:` before the port; `end` is that colon's offset in the word. A bad target word is added to `errors` (undefined target): the port is read still. */
function targetOf(endpoint: Token, errors: ExpectationSyntaxError[]): { readonly target: CompactTarget | undefined; readonly end: number } {
  const e = endpoint.text;
  if (e.startsWith("[")) {
    const close = e.indexOf("]");
    if (close < 0) throw new Fail("missing `]` after the IPv6 address", endpoint.start + e.length, "write IPv6 addresses in brackets: `[2001:db8::9]:80`");
    const address = e.slice(1, close);
    if (e[close + 1] !== ":") throw new Fail(`missing \`:PORT\` after \`[${address}]\``, endpoint.start + close + 1, "write TARGET:PORT, e.g. `[2001:db8::9]:80`");
    // A bad address is one problem of the line: the port and the protocol after `]:` are read still.
    const target = collect(errors, () => bracketed(address, endpoint.start + 1));
    return { target, end: close + 1 };
  }
  const slash = e.indexOf("/");
  const hostAndPort = slash < 0 ? e : e.slice(0, slash);
  const colon = hostAndPort.lastIndexOf(":");
  if (colon < 0) {
    throw new Fail(`missing \`:PORT\` after \`${hostAndPort}\``, endpoint.start + hostAndPort.length, `write TARGET:PORT, e.g. \`${hostAndPort || "server"}:8080\``);
  }
  const word = hostAndPort.slice(0, colon);
  if (word.includes(":")) {
    if (isIPv6(word)) {
      throw new Fail(`IPv6 address \`${word}\` needs brackets`, endpoint.start, `write \`[${word}]:${hostAndPort.slice(colon + 1) || "PORT"}\``);
    }
    if (isIPv6(hostAndPort)) {
      throw new Fail(`IPv6 address \`${hostAndPort}\` needs brackets and a port`, endpoint.start, `write \`[${hostAndPort}]:PORT\`, e.g. \`[2001:db8::9]:80\``);
    }
    throw new Fail(`\`${hostAndPort}\` has more than one \`:\``, endpoint.start + word.indexOf(":"), "write TARGET:PORT with one port, e.g. `server:8080`; IPv6 addresses go in brackets: `[2001:db8::9]:80`");
  }
  if (word === "") throw new Fail("missing the target before `:`", endpoint.start);
  return { target: collect(errors, () => parseTarget(word, endpoint.start)), end: colon };
}

/** `/PROTOCOL[4|6]` at `protoStart`: the protocol and the family its suffix pins, checked against the source and a literal target. */
function protocolOf(protoText: string, protoStart: number, target: CompactTarget, source: CompactSource | undefined): { readonly protocol: Protocol; readonly pinned: Family | undefined } {
  if (protoText === "") throw new Fail("missing the protocol after `/`", protoStart, `write ${listWords(PROTOCOLS)}, optionally with 4 or 6, e.g. \`server:8080/tcp6\``);
  const m = /^([A-Za-z]*)(.*)$/.exec(protoText) as RegExpExecArray;
  const base = m[1] as string;
  const suffix = m[2] as string;
  if (!(PROTOCOLS as readonly string[]).includes(base)) {
    const suggestion = didYouMean(base, PROTOCOLS);
    throw new Fail(`unknown protocol \`${protoText}\``, protoStart, `${suggestion ? `${suggestion} ` : ""}protocols are ${listWords(PROTOCOLS)}, optionally with 4 or 6 (e.g. \`tcp6\`)`);
  }
  if (suffix !== "" && suffix !== "4" && suffix !== "6") {
    throw new Fail(`unknown family suffix \`${suffix}\` in \`${protoText}\``, protoStart + base.length, `the suffix is 4 (IPv4) or 6 (IPv6), e.g. \`${base}6\`, or none for the scenario's default family`);
  }
  const protocol = base as Protocol;
  if (suffix === "") return { protocol, pinned: undefined };
  const pinned = familyOfSuffix(suffix);
  if (source && pinned !== source.family) {
    throw new Fail(
      `\`/${protoText}\` asks for ${LABEL[pinned]} but the source \`${source.address}\` is an ${LABEL[source.family]} address`,
      protoStart + base.length,
      `drop the suffix (the source address already fixes the family): \`/${base}\``,
    );
  }
  if (target.kind === "address" && pinned !== target.family) {
    throw new Fail(
      `\`/${protoText}\` asks for ${pinned === "ipv4" ? "IPv4" : "IPv6"} but \`${target.address}\` is an ${target.family === "ipv4" ? "IPv4" : "IPv6"} address`,
      protoStart + base.length,
      `drop the suffix (a literal address already fixes the family): \`/${base}\``,
    );
  }
  return { protocol, pinned };
}

/** PORT or FIRST-LAST at `portStart`. */
function portOf(portText: string, portStart: number): { readonly port: number; readonly range: { readonly first: number; readonly last: number } | undefined } {
  if (portText === "") throw new Fail("missing the port after `:`", portStart, "write TARGET:PORT with a port from 1 to 65535, e.g. `server:8080`");
  let range: { readonly first: number; readonly last: number } | undefined;
  if (isRangeText(portText)) {
    const r = parseRange(portText);
    if ("message" in r) throw new Fail(r.message, portStart + r.offset, r.hint);
    range = r;
  }
  const port = range ? range.first : /^[0-9]{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new Fail(`port \`${portText}\` is not a number from 1 to 65535`, portStart, "write TARGET:PORT with a port from 1 to 65535, e.g. `server:8080`");
  }
  return { port, range };
}

/** The endpoint, or undefined with every problem of its target, port and protocol in `errors` (a problem of its shape alone is thrown); `target` as far as it was read. */
function endpointOf(endpoint: Token, source: CompactSource | undefined, errors: ExpectationSyntaxError[]): { readonly target: CompactTarget | undefined; readonly value: Endpoint | undefined } {
  const { target, end: targetEnd } = targetOf(endpoint, errors);
  const afterColon = endpoint.text.slice(targetEnd + 1);
  const slash = afterColon.indexOf("/");
  const portText = slash < 0 ? afterColon : afterColon.slice(0, slash);
  const portStart = endpoint.start + targetEnd + 1;
  const port = collect(errors, () => portOf(portText, portStart));
  if (errors.length === 0 && source && target?.kind === "address" && target.family !== source.family) {
    throw new Fail(
      `the source \`${source.address}\` is an ${LABEL[source.family]} address but the target \`${target.address}\` is ${LABEL[target.family]}`,
      endpoint.start,
      "a probe has one family: leave from an address of the target's family, or probe a target of the source's",
    );
  }
  let family: Family | undefined = target?.kind === "address" ? target.family : source?.family;
  let protocol: Protocol | undefined;
  let protocolSpan: Span | undefined;
  if (slash >= 0) {
    const protoText = afterColon.slice(slash + 1);
    const protoStart = portStart + slash + 1;
    protocolSpan = { start: protoStart, end: protoStart + protoText.length };
    // Without a target read, the protocol is checked on its own (no literal address to agree with).
    const parsed = collect(errors, () => protocolOf(protoText, protoStart, target ?? { kind: "localhost" }, source));
    protocol = parsed?.protocol;
    if (parsed?.pinned !== undefined) family = parsed.pinned;
  }
  if (target === undefined || port === undefined || errors.length > 0) return { target, value: undefined };
  return {
    target,
    value: {
      target,
      port: port.port,
      range: port.range,
      protocol,
      family,
      spans: {
        to: { start: endpoint.start, end: endpoint.start + targetEnd },
        port: { start: portStart, end: portStart + portText.length },
        protocol: protocolSpan,
      },
    },
  };
}

/**
 * The endpoint word of a probe line, probed from `source` (if the line names
 * one): every problem of its target, port and protocol, and the target host
 * when it was read. Never throws.
 */
export function parseEndpoint(endpoint: Token, source: CompactSource | undefined): CollectedParse<Endpoint> {
  const errors: ExpectationSyntaxError[] = [];
  const r = attempt(() => endpointOf(endpoint, source, errors));
  if (r.ok && r.value.value !== undefined && errors.length === 0) return { ok: true, value: r.value.value };
  const all = r.ok ? errors : [...errors, r.error];
  const target = r.ok ? r.value.target : undefined;
  const names = target?.kind === "host" ? [{ name: target.host, offset: endpoint.start, role: "to" as const }] : [];
  return { ok: false, error: all[0]!, errors: all, names };
}
