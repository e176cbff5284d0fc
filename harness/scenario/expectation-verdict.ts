/**
 * The tail of a compact probe line, after `TARGET:PORT[/PROTOCOL]`: the
 * verdict (with a refusal kind, `refused:rst` / `refused:icmp`: refusal.ts),
 * a sweep's `except` list (port-range.ts), and the `answered-by` / `seen-from`
 * clauses (answer-clauses.ts). Also the verdict-word check the `held` form
 * shares. Pure syntax with spans; never throws.
 */
import { EXPECTED_VERDICTS, PROTOCOLS } from "../model/types.ts";
import type { ExpectedVerdict, Protocol } from "../model/types.ts";
import { type AnswerClauses, isClauseError, parseAnswerClauses } from "./answer-clauses.ts";
import { SWEEP_GRAMMAR } from "./expectation-grammar.ts";
import type { CompactSweep, PartParse, Span } from "./expectation-types.ts";
import { attempt, Fail, type Token } from "./expectation-tokens.ts";
import { parseExcept } from "./port-range.ts";
import { type RefusalKind, REFUSAL_KINDS, splitRefusal } from "./refusal.ts";
import { didYouMean, listWords } from "./suggest.ts";

/** What the tail says. */
export interface VerdictTail {
  readonly verdict: ExpectedVerdict;
  readonly refusal: RefusalKind | undefined;
  readonly sweep: CompactSweep | undefined;
  readonly verdictSpan: Span;
  readonly clauses: AnswerClauses;
}

/** The endpoint the tail follows, as far as the tail's checks need it. */
export interface TailContext {
  /** The endpoint word as written, and where. */
  readonly endpoint: Token;
  /** Set when the port is a range: the line is a sweep. */
  readonly range: { readonly first: number; readonly last: number } | undefined;
  readonly protocol: Protocol | undefined;
  readonly protocolSpan: Span | undefined;
}

/** A verdict word, or a `Fail` with a targeted hint (`help` appended, unless empty). */
export function checkVerdict(token: Token, help: string): ExpectedVerdict {
  const w = token.text;
  if ((EXPECTED_VERDICTS as readonly string[]).includes(w)) return w as ExpectedVerdict;
  const suggestion = didYouMean(w, EXPECTED_VERDICTS);
  throw new Fail(`unknown verdict \`${w}\``, token.start, `${suggestion ? `${suggestion} ` : ""}verdicts are ${listWords(EXPECTED_VERDICTS)}${help === "" ? "" : `; ${help}`}`);
}

/** The verdict word (plain, or `refused:KIND`). */
function verdictOf(verdictToken: Token, e: string): { readonly verdict: ExpectedVerdict; readonly kind: RefusalKind | undefined } {
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
  return { verdict: strict.verdict as ExpectedVerdict, kind: strict.kind };
}

function tailOf(words: readonly Token[], context: TailContext): VerdictTail {
  const e = context.endpoint.text;
  const { range, protocol } = context;
  const verdictToken = words[0];
  if (verdictToken === undefined) {
    throw new Fail(`missing the verdict after \`${e}\``, context.endpoint.start + e.length, `end the line with ${listWords(EXPECTED_VERDICTS)}`);
  }
  const { verdict, kind } = verdictOf(verdictToken, e);
  if (kind === "rst" && protocol === "udp") {
    throw new Fail("a UDP probe is never refused by a TCP reset", verdictToken.start, "UDP is refused by an ICMP port unreachable: write `refused` or `refused:icmp`");
  }
  let sweep: CompactSweep | undefined;
  let next = 1;
  let extra = words[next];
  if (extra?.text === "except") {
    if (!range) throw new Fail("`except` needs a port range", extra.start, `write a range before the verdict: \`${SWEEP_GRAMMAR}\`, e.g. \`outside -> server:1-1024 blocked except 22,80,443\``);
    const list = words[2];
    if (list === undefined) throw new Fail("missing the ports after `except`", extra.start + extra.text.length, "write `except` and the ports the firewall admits, e.g. `except 22,80,443`");
    const ports = parseExcept(list.text, range.first, range.last);
    if ("message" in ports) throw new Fail(ports.message, list.start + ports.offset, ports.hint);
    sweep = { ...range, except: ports, exceptSpan: { start: extra.start, end: list.start + list.text.length } };
    next = 3;
    extra = words[next];
  } else if (range) {
    sweep = { ...range, except: [], exceptSpan: undefined };
  }
  if (sweep && protocol === "http") {
    throw new Fail("a sweep probes tcp or udp, not http", (context.protocolSpan as Span).start, "write `/tcp` or `/udp` (with 4 or 6 to pin the family), or probe HTTP ports one by one");
  }
  if (sweep && verdictToken.text === "open") {
    throw new Fail("a sweep cannot expect `open`", verdictToken.start, "a sweep says what the firewall blocks: write `blocked`, `dropped`, `refused` or `unreachable`, and list the ports it admits after `except` (`1-1024 blocked except 22,80`); prove open ports with their own lines");
  }
  if (extra !== undefined && range) {
    throw new Fail(`unexpected \`${extra.text}\` after the verdict`, extra.start, `the verdict ends the line (or its \`except\` list); a sweep is \`${SWEEP_GRAMMAR}\``);
  }
  // Anything else after the verdict: `answered-by` / `seen-from` (answer-clauses.ts).
  const clauses = parseAnswerClauses(words.slice(next), verdictToken.text === "open", verdictToken.text);
  if (isClauseError(clauses)) throw new Fail(clauses.message, clauses.offset, clauses.hint);
  return {
    verdict,
    refusal: kind,
    sweep,
    verdictSpan: { start: verdictToken.start, end: verdictToken.start + verdictToken.text.length },
    clauses,
  };
}

/** The words after the endpoint word of a probe line. Never throws. */
export function parseVerdictTail(words: readonly Token[], context: TailContext): PartParse<VerdictTail> {
  return attempt(() => tailOf(words, context));
}

/** The verdict word on its own, for a line whose endpoint could not be read (its problems are reported beside this one). Never throws. */
export function parseVerdictWord(token: Token, endpoint: string): PartParse<ExpectedVerdict> {
  return attempt(() => verdictOf(token, endpoint).verdict);
}
