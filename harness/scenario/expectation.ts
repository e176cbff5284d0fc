/**
 * The compact one-line expectation grammar:
 *
 *     FROM -> TARGET:PORT[/PROTOCOL[4|6]] VERDICT
 *
 *     remote -> server:8080 dropped
 *     remote -> server:8080/tcp6 dropped       (suffix 4 or 6 pins the family)
 *     server -> localhost:3000/http open
 *     remote -> 198.18.0.9:80 blocked          (literal IPv4: family ipv4)
 *     remote -> [2001:db8::9]:80 blocked       (literal IPv6, in brackets: family ipv6)
 *     remote -> server:8080 refused:rst        (refused by a TCP reset; refused:icmp: by an ICMP port unreachable)
 *     client -> router:80 open answered-by backend:8080 seen-from router
 *                                              (who answered, which source it saw: answer-clauses.ts)
 *     scanner@198.18.7.99 -> server:22 dropped (the probe leaves from that address: family ipv4)
 *     scanner@[2001:db8:7::99] -> server:22 dropped
 *
 * and, for a connection held open by an earlier `hold` step:
 *
 *     held NAME VERDICT
 *
 *     held session open                        (the held connection still passes data)
 *     held session dropped
 *
 * Pure syntax: whether FROM and TARGET name declared hosts, whether the port
 * is a declared listener, and whether NAME is an earlier hold, is checked by the loader. Errors carry the offset of
 * the offending part so the loader can point at the exact column.
 */
import { isIPv4, isIPv6 } from "node:net";
import { HOST_NAME, NAME_BODY } from "../model/names.ts";
import { EXPECTED_VERDICTS, PROTOCOLS } from "../model/types.ts";
import { sourceLabel } from "../model/types.ts";
import type { ExpectedVerdict, Family, ProbeTarget, Protocol } from "../model/types.ts";
import { ANSWER_GRAMMAR, ANSWER_GRAMMAR_HELP, isClauseError, parseAnswerClauses, renderAnswerClauses } from "./answer-clauses.ts";
import { nonAsciiNote } from "./lookalike.ts";
import { isRangeText, parseExcept, parseRange } from "./port-range.ts";
import { type RefusalKind, REFUSAL_KINDS, splitRefusal } from "./refusal.ts";
import { type CompactSource, parseFromWord } from "./source-syntax.ts";
import { closest, didYouMean, listWords } from "./suggest.ts";

export const EXPECTATION_GRAMMAR = `FROM -> TARGET:PORT[/PROTOCOL[4|6]] VERDICT ${ANSWER_GRAMMAR}`;

/** A sweep: every port of a range, the `except` ports admitted. */
export const SWEEP_GRAMMAR = "FROM -> TARGET:FIRST-LAST[/PROTOCOL[4|6]] VERDICT [except PORT,PORT,...]";

/** The grammar with its words, for hints. */
export const EXPECTATION_GRAMMAR_HELP =
  `write \`${EXPECTATION_GRAMMAR}\`, e.g. \`remote -> server:8080/tcp6 dropped\`; ` +
  "TARGET is a host, `localhost`, an IPv4 address or an [IPv6] address in brackets; " +
  "FROM is a host, or HOST@ADDRESS (`scanner@198.18.7.99`, `scanner@[2001:db8:7::99]`) to leave from one of its declared addresses; " +
  `PROTOCOL is ${listWords(PROTOCOLS)} (default tcp), a suffix 4 or 6 pins the family; ` +
  `VERDICT is ${listWords(EXPECTED_VERDICTS)}; a sweep is \`${SWEEP_GRAMMAR}\`, e.g. \`outside -> server:1-1024 blocked except 22,80,443\`; ${ANSWER_GRAMMAR_HELP}`;

export const HELD_GRAMMAR = "held NAME VERDICT";

/** The held form with its words, for hints. */
export const HELD_GRAMMAR_HELP =
  `write \`${HELD_GRAMMAR}\`, e.g. \`held session dropped\`: NAME is the \`name\` of an earlier \`hold\` step; ` +
  `VERDICT is ${listWords(EXPECTED_VERDICTS)} (\`open\`: the held connection still passes data)`;

/** A regular expression of the grammar's shape, for the JSON Schema (editors); the parser gives the real errors. */
export const EXPECTATION_PATTERN =
  `^\\s*(held\\s+${NAME_BODY}|[A-Za-z0-9][A-Za-z0-9_.-]*(@([0-9.]+|\\[[0-9A-Fa-f:.]+\\]))?\\s*->\\s*([A-Za-z0-9][A-Za-z0-9_.-]*|\\[[0-9A-Fa-f:.]+\\]):[0-9]{1,5}(-[0-9]{1,5})?(/(tcp|udp|http)[46]?)?)\\s+(open|refused|unreachable|dropped|blocked|refused:rst|refused:icmp)(\\s+except\\s+[0-9]{1,5}(,[0-9]{1,5})*)?(\\s+(answered-by\\s+[A-Za-z0-9][A-Za-z0-9_.-]*(:[0-9]{1,5})?|seen-from\\s+[A-Za-z0-9][A-Za-z0-9_.-]*)){0,2}\\s*$`;

/** Where a part was written: offsets into the line, end exclusive. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export type { CompactSource } from "./source-syntax.ts";

export type CompactTarget =
  | { readonly kind: "host"; readonly host: string }
  | { readonly kind: "localhost" }
  | { readonly kind: "address"; readonly address: string; readonly family: Family };

/** The range of a sweep line and its exceptions (sorted). */
export interface CompactSweep {
  readonly first: number;
  readonly last: number;
  readonly except: readonly number[];
  /** Where `except` was written, when it was. */
  readonly exceptSpan: Span | undefined;
}

/** A probe line: `FROM[@ADDRESS] -> TARGET:PORT[/PROTOCOL[4|6]] VERDICT` (`@ADDRESS`: source-syntax.ts), or a sweep line (`PORT` a range, `except` …). */
export interface CompactExpectation {
  readonly kind: "probe";
  readonly from: string;
  /** `@ADDRESS` after the host, if written (the loader checks it is one of the host's addresses). */
  readonly source: CompactSource | undefined;
  readonly to: CompactTarget;
  /** The port; for a sweep, the range's first port. */
  readonly port: number;
  /** Set for a sweep line (`1-1024 blocked except 22,80`). */
  readonly sweep?: CompactSweep;
  /** As written; undefined when the line has no `/PROTOCOL` (the loader defaults it to tcp). */
  readonly protocol: Protocol | undefined;
  /** Pinned by a `4`/`6` suffix, a literal address or a source address; undefined means the scenario's default. */
  readonly family: Family | undefined;
  readonly verdict: ExpectedVerdict;
  /** `refused:rst` / `refused:icmp`: how the refusal must come back (refusal.ts). */
  readonly refusal?: RefusalKind;
  /** `answered-by HOST[:PORT]` (after `open`): the listener that must answer; no port means the probed one. */
  readonly answeredBy?: { readonly host: string; readonly port: number | undefined };
  /** `seen-from HOST` (after `open`): the host whose address the server must see as the source. */
  readonly seenFrom?: string;
  readonly spans: {
    /** The host name (without `@ADDRESS`). */
    readonly from: Span;
    /** The address after `@`, brackets included. */
    readonly source: Span | undefined;
    readonly to: Span;
    readonly port: Span;
    readonly protocol: Span | undefined;
    readonly verdict: Span;
    readonly answeredBy?: { readonly host: Span; readonly port: Span | undefined };
    readonly seenFrom?: Span;
  };
}

/** A held-connection line: `held NAME VERDICT`. */
export interface CompactHeld {
  readonly kind: "held";
  /** The hold's name, as written (the loader checks it names an earlier hold). */
  readonly name: string;
  readonly verdict: ExpectedVerdict;
  readonly spans: {
    readonly name: Span;
    readonly verdict: Span;
  };
}

export interface ExpectationSyntaxError {
  readonly message: string;
  /** Offset into the line of the part that is wrong. */
  readonly offset: number;
  readonly hint: string;
}

export type ExpectationParse =
  | { readonly ok: true; readonly value: CompactExpectation | CompactHeld }
  | { readonly ok: false; readonly error: ExpectationSyntaxError };

/** Host-like words; the loader checks them against the declared hosts. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const UNSAFE = /[;$`'"\n\r\0\\]/;

class Fail {
  readonly error: ExpectationSyntaxError;
  constructor(message: string, offset: number, hint: string = EXPECTATION_GRAMMAR_HELP) {
    this.error = { message, offset, hint };
  }
}

interface Token {
  readonly text: string;
  readonly start: number;
}

function tokens(text: string, from: number): Token[] {
  const out: Token[] = [];
  for (const m of text.slice(from).matchAll(/\S+/g)) out.push({ text: m[0], start: from + m.index });
  return out;
}

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

/** Words that are no verdict get a targeted hint. */
function checkVerdict(token: Token, help: string): ExpectedVerdict {
  const w = token.text;
  if ((EXPECTED_VERDICTS as readonly string[]).includes(w)) return w as ExpectedVerdict;
  const suggestion = didYouMean(w, EXPECTED_VERDICTS);
  throw new Fail(`unknown verdict \`${w}\``, token.start, `${suggestion ? `${suggestion} ` : ""}verdicts are ${listWords(EXPECTED_VERDICTS)}${help === "" ? "" : `; ${help}`}`);
}

/** `held NAME VERDICT` (the line's first word is `held` and it has no `->`). */
function parseHeld(text: string): CompactHeld {
  const words = tokens(text, 0);
  const held = words[0] as Token;
  const name = words[1];
  if (name === undefined) throw new Fail("missing the hold's name after `held`", held.start + held.text.length, HELD_GRAMMAR_HELP);
  if (!HOST_NAME.test(name.text)) {
    throw new Fail(`\`${name.text}\` is not a hold name`, name.start, `a hold name is a lowercase letter, then up to 30 lowercase letters, digits or dashes; ${HELD_GRAMMAR_HELP}`);
  }
  const verdict = words[2];
  if (verdict === undefined) throw new Fail(`missing the verdict after \`held ${name.text}\``, name.start + name.text.length, `end the line with ${listWords(EXPECTED_VERDICTS)}`);
  const expected = checkVerdict(verdict, "");
  const extra = words[3];
  if (extra !== undefined) throw new Fail(`unexpected \`${extra.text}\` after the verdict`, extra.start, `the verdict ends the line; ${HELD_GRAMMAR_HELP}`);
  return {
    kind: "held",
    name: name.text,
    verdict: expected,
    spans: {
      name: { start: name.start, end: name.start + name.text.length },
      verdict: { start: verdict.start, end: verdict.start + verdict.text.length },
    },
  };
}

const LABEL: Record<Family, string> = { ipv4: "IPv4", ipv6: "IPv6" };

function parse(text: string): CompactExpectation | CompactHeld {
  const unsafe = UNSAFE.exec(text);
  if (unsafe) {
    const c = unsafe[0];
    const shown = c === "\n" || c === "\r" ? "a line break" : c === "\0" ? "a NUL byte" : c === "`" ? "a backtick" : `\`${c}\``;
    throw new Fail(`an expectation may not contain ${shown}`, unsafe.index, `an expectation is plain words; ${EXPECTATION_GRAMMAR_HELP}`);
  }
  if (text.trim() === "") throw new Fail("empty expectation", 0);
  if (tokens(text, 0)[0]?.text === "held" && !text.includes("->")) return parseHeld(text);

  // FROM ->
  const arrow = text.indexOf("->");
  if (arrow < 0) {
    const lookalike = /=>|→|-+>|<-/.exec(text);
    const words = tokens(text, 0);
    const first = words[0];
    const offset = lookalike ? lookalike.index : first ? first.start + first.text.length : 0;
    // `hold session open`, `Held session open`: meant as a held-connection line.
    const heldLike = !lookalike && first !== undefined && words.length === 3 && (first.text.toLowerCase() === "held" || closest(first.text, ["held"]) !== undefined);
    if (heldLike) {
      throw new Fail(`\`${first.text}\` is not \`held\`, and the line has no \`->\``, first.start, `did you mean \`held ${words.slice(1).map((w) => w.text).join(" ")}\`? a held-connection line is \`${HELD_GRAMMAR}\`, a probe line \`${EXPECTATION_GRAMMAR}\``);
    }
    throw new Fail(
      lookalike ? `\`${lookalike[0]}\` is not the arrow \`->\`` : "missing `->` between the source host and the target",
      offset,
    );
  }
  const fromTokens = tokens(text.slice(0, arrow), 0);
  const fromToken = fromTokens[0];
  if (fromToken === undefined) throw new Fail("missing the source host before `->`", arrow);
  if (fromTokens.length > 1) {
    const second = fromTokens[1] as Token;
    throw new Fail(`expected one host name before \`->\`, found \`${second.text}\` as well`, second.start);
  }
  const parsedFrom = parseFromWord(fromToken.text, fromToken.start);
  if (!parsedFrom.ok) throw new Fail(parsedFrom.error.message, parsedFrom.error.offset, parsedFrom.error.hint ?? EXPECTATION_GRAMMAR_HELP);
  const from = parsedFrom.value;

  // TARGET:PORT[/PROTO] VERDICT
  const rest = tokens(text, arrow + 2);
  if (rest.length > 0 && rest[0]?.text.startsWith(">")) {
    throw new Fail("`->>` is not the arrow `->`", arrow);
  }
  const endpoint = rest[0];
  if (endpoint === undefined) throw new Fail("missing the target after `->`", text.trimEnd().length);
  const second = text.indexOf("->", arrow + 2);
  if (second >= 0) throw new Fail("only one `->` per expectation", second, "write one expectation per line");

  let target: CompactTarget;
  let targetEnd: number; // offset in endpoint of the ':' before the port
  const e = endpoint.text;
  if (e.startsWith("[")) {
    const close = e.indexOf("]");
    if (close < 0) throw new Fail("missing `]` after the IPv6 address", endpoint.start + e.length, "write IPv6 addresses in brackets: `[2001:db8::9]:80`");
    const address = e.slice(1, close);
    if (!isIPv6(address)) {
      throw new Fail(`\`${address}\` is not a valid IPv6 address`, endpoint.start + 1, "write an IPv6 address in brackets, e.g. `[2001:db8::9]:80`");
    }
    target = { kind: "address", address, family: "ipv6" };
    if (e[close + 1] !== ":") throw new Fail(`missing \`:PORT\` after \`[${address}]\``, endpoint.start + close + 1, "write TARGET:PORT, e.g. `[2001:db8::9]:80`");
    targetEnd = close + 1;
  } else {
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
    target = parseTarget(word, endpoint.start);
    targetEnd = colon;
  }

  const afterColon = e.slice(targetEnd + 1);
  const slash = afterColon.indexOf("/");
  const portText = slash < 0 ? afterColon : afterColon.slice(0, slash);
  const portStart = endpoint.start + targetEnd + 1;
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

  const source = from.source;
  if (source && target.kind === "address" && target.family !== source.family) {
    throw new Fail(
      `the source \`${source.address}\` is an ${LABEL[source.family]} address but the target \`${target.address}\` is ${LABEL[target.family]}`,
      endpoint.start,
      "a probe has one family: leave from an address of the target's family, or probe a target of the source's",
    );
  }
  let protocol: Protocol | undefined;
  let family: Family | undefined = target.kind === "address" ? target.family : source?.family;
  let protocolSpan: Span | undefined;
  if (slash >= 0) {
    const protoText = afterColon.slice(slash + 1);
    const protoStart = portStart + slash + 1;
    protocolSpan = { start: protoStart, end: protoStart + protoText.length };
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
    protocol = base as Protocol;
    if (suffix !== "") {
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
      family = pinned;
    }
  }

  const verdictToken = rest[1];
  if (verdictToken === undefined) {
    throw new Fail(`missing the verdict after \`${e}\``, endpoint.start + e.length, `end the line with ${listWords(EXPECTED_VERDICTS)}`);
  }
  const strict = splitRefusal(verdictToken.text);
  if (strict.unknownKind !== undefined) {
    throw new Fail(`unknown refusal \`${strict.unknownKind}\` in \`${verdictToken.text}\``, verdictToken.start + "refused:".length, `write \`refused\`, or ${listWords(REFUSAL_KINDS.map((k) => `refused:${k}`))} (a TCP reset, an ICMP port unreachable)`);
  }
  if (strict.kind === undefined && !(EXPECTED_VERDICTS as readonly string[]).includes(verdictToken.text)) {
    const w = verdictToken.text;
    if (/^(ipv?[46]|v[46]|inet6?)$/i.test(w)) {
      throw new Fail(`\`${w}\` is not a verdict`, verdictToken.start, `pin the family with a protocol suffix instead, e.g. \`${e.includes("/") ? e : `${e}/tcp6`}\`; then the verdict`);
    }
    if ((PROTOCOLS as readonly string[]).includes(w.replace(/[46]$/, ""))) {
      throw new Fail(`\`${w}\` is not a verdict`, verdictToken.start, `write the protocol after the port: \`${e.split("/")[0]}/${w}\`, then the verdict`);
    }
    checkVerdict(verdictToken, "");
  }
  let sweep: CompactSweep | undefined;
  let next = 2;
  let extra = rest[next];
  if (extra?.text === "except") {
    if (!range) throw new Fail("`except` needs a port range", extra.start, `write a range before the verdict: \`${SWEEP_GRAMMAR}\`, e.g. \`outside -> server:1-1024 blocked except 22,80,443\``);
    const list = rest[3];
    if (list === undefined) throw new Fail("missing the ports after `except`", extra.start + extra.text.length, "write `except` and the ports the firewall admits, e.g. `except 22,80,443`");
    const ports = parseExcept(list.text, range.first, range.last);
    if ("message" in ports) throw new Fail(ports.message, list.start + ports.offset, ports.hint);
    sweep = { ...range, except: ports, exceptSpan: { start: extra.start, end: list.start + list.text.length } };
    next = 4;
    extra = rest[next];
  } else if (range) {
    sweep = { ...range, except: [], exceptSpan: undefined };
  }
  if (sweep && protocol === "http") {
    throw new Fail("a sweep probes tcp or udp, not http", (protocolSpan as Span).start, "write `/tcp` or `/udp` (with 4 or 6 to pin the family), or probe HTTP ports one by one");
  }
  if (sweep && verdictToken.text === "open") {
    throw new Fail("a sweep cannot expect `open`", verdictToken.start, "a sweep says what the firewall blocks: write `blocked`, `dropped`, `refused` or `unreachable`, and list the ports it admits after `except` (`1-1024 blocked except 22,80`); prove open ports with their own lines");
  }
  if (extra !== undefined && range) {
    throw new Fail(`unexpected \`${extra.text}\` after the verdict`, extra.start, `the verdict ends the line (or its \`except\` list); a sweep is \`${SWEEP_GRAMMAR}\``);
  }
  // Anything else after the verdict: `answered-by` / `seen-from` (answer-clauses.ts).
  const clauses = parseAnswerClauses(rest.slice(next), verdictToken.text === "open", verdictToken.text);
  if (isClauseError(clauses)) throw new Fail(clauses.message, clauses.offset, clauses.hint);

  return {
    kind: "probe",
    from: from.host,
    source,
    to: target,
    port,
    ...(sweep ? { sweep } : {}),
    protocol,
    family,
    verdict: strict.verdict as ExpectedVerdict,
    ...(strict.kind ? { refusal: strict.kind } : {}),
    spans: {
      from: from.hostSpan,
      source: from.sourceSpan,
      to: { start: endpoint.start, end: endpoint.start + targetEnd },
      port: { start: portStart, end: portStart + portText.length },
      protocol: protocolSpan,
      verdict: { start: verdictToken.start, end: verdictToken.start + verdictToken.text.length },
      ...clauses.spans,
    },
    ...(clauses.answeredBy ? { answeredBy: clauses.answeredBy } : {}),
    ...(clauses.seenFrom !== undefined ? { seenFrom: clauses.seenFrom } : {}),
  };
}

/** Parses one compact expectation line (a probe line or a `held` line). Never throws. */
export function parseExpectation(text: string): ExpectationParse {
  try {
    return { ok: true, value: parse(text) };
  } catch (error) {
    if (error instanceof Fail) return { ok: false, error: error.error };
    throw error;
  }
}

export interface RenderableExpectation {
  readonly from: string;
  /** The address the probe leaves from (it fixes the family: no suffix then). */
  readonly source?: string | undefined;
  readonly to: ProbeTarget;
  readonly port: number;
  readonly protocol: Protocol;
  /** A family the line pins (rendered as the 4/6 suffix); undefined for the scenario default. */
  readonly family?: Family | undefined;
  readonly verdict: ExpectedVerdict;
  readonly answeredBy?: { readonly host: string; readonly port?: number | undefined } | undefined;
  readonly seenFrom?: string | undefined;
}

/**
 * The compact form of an expectation: `remote -> server:8080/tcp6 dropped`.
 * The protocol is written when it is not tcp or when a family is pinned; a
 * literal address or a source address already fixes the family, so then it never gets a suffix.
 */
export function renderExpectation(e: RenderableExpectation): string {
  const target =
    e.to.kind === "host" ? e.to.host : e.to.kind === "localhost" ? "localhost" : e.to.address.includes(":") ? `[${e.to.address}]` : e.to.address;
  const pinned = e.family !== undefined && e.to.kind !== "address" && e.source === undefined ? (e.family === "ipv4" ? "4" : "6") : "";
  const suffix = pinned !== "" || e.protocol !== "tcp" ? `/${e.protocol}${pinned}` : "";
  return `${sourceLabel(e.from, e.source)} -> ${target}:${e.port}${suffix} ${e.verdict}${renderAnswerClauses(e)}`;
}
