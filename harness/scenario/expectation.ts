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
 *
 * This module is the entry point: it splits a line into FROM, the endpoint and
 * the tail, and assembles the result. The parts live beside it:
 * expectation-grammar.ts (the grammar's words, help texts, schema pattern),
 * expectation-types.ts (the result shapes), expectation-tokens.ts (words with
 * offsets, the positioned failure), source-syntax.ts (FROM[@ADDRESS]),
 * expectation-endpoint.ts (TARGET:PORT[/PROTOCOL[4|6]]), expectation-verdict.ts
 * (verdict, refusal kind, `except`, answer clauses), expectation-held.ts (the
 * held form) and expectation-render.ts (the inverse).
 */
import { parseEndpoint } from "./expectation-endpoint.ts";
import { EXPECTATION_GRAMMAR, EXPECTATION_GRAMMAR_HELP, HELD_GRAMMAR } from "./expectation-grammar.ts";
import { parseHeld } from "./expectation-held.ts";
import { attempt, Fail, type Token, tokens, valueOf } from "./expectation-tokens.ts";
import type { CompactExpectation, CompactHeld, ExpectationParse, ExpectationSyntaxError, NameMention } from "./expectation-types.ts";
import { parseVerdictTail, parseVerdictWord } from "./expectation-verdict.ts";
import { parseFromWord } from "./source-syntax.ts";
import { closest } from "./suggest.ts";

export {
  EXPECTATION_GRAMMAR,
  EXPECTATION_GRAMMAR_HELP,
  EXPECTATION_PATTERN,
  HELD_GRAMMAR,
  HELD_GRAMMAR_HELP,
  SWEEP_GRAMMAR,
} from "./expectation-grammar.ts";
export type {
  CompactExpectation,
  CompactHeld,
  CompactSource,
  CompactSweep,
  CompactTarget,
  ExpectationParse,
  ExpectationSyntaxError,
  Span,
} from "./expectation-types.ts";
export { type RenderableExpectation, renderExpectation } from "./expectation-render.ts";

const UNSAFE = /[;$`'"\n\r\0\\]/;

/** Before `->`: a line without it gets a targeted error (a lookalike arrow, or a misspelt `held`). */
function missingArrow(text: string): Fail {
  const lookalike = /=>|→|-+>|<-/.exec(text);
  const words = tokens(text, 0);
  const first = words[0];
  const offset = lookalike ? lookalike.index : first ? first.start + first.text.length : 0;
  // `hold session open`, `Held session open`: meant as a held-connection line.
  const heldLike = !lookalike && first !== undefined && words.length === 3 && (first.text.toLowerCase() === "held" || closest(first.text, ["held"]) !== undefined);
  if (heldLike) {
    return new Fail(`\`${first.text}\` is not \`held\`, and the line has no \`->\``, first.start, `did you mean \`held ${words.slice(1).map((w) => w.text).join(" ")}\`? a held-connection line is \`${HELD_GRAMMAR}\`, a probe line \`${EXPECTATION_GRAMMAR}\``);
  }
  return new Fail(
    lookalike ? `\`${lookalike[0]}\` is not the arrow \`->\`` : "missing `->` between the source host and the target",
    offset,
  );
}

/**
 * The line, or undefined with its problems in `errors` and the names read in
 * `names`: FROM, the endpoint's parts and the verdict are each read though
 * another is wrong; a line whose shape cannot be read (no arrow, no target, an
 * unsafe character) throws its one problem.
 */
function parse(text: string, errors: ExpectationSyntaxError[], names: NameMention[]): CompactExpectation | CompactHeld | undefined {
  const unsafe = UNSAFE.exec(text);
  if (unsafe) {
    const c = unsafe[0];
    const shown = c === "\n" || c === "\r" ? "a line break" : c === "\0" ? "a NUL byte" : c === "`" ? "a backtick" : `\`${c}\``;
    throw new Fail(`an expectation may not contain ${shown}`, unsafe.index, `an expectation is plain words; ${EXPECTATION_GRAMMAR_HELP}`);
  }
  if (text.trim() === "") throw new Fail("empty expectation", 0);
  const placeholder = /\[?(\{\{\s*([^{}]*?)\s*\}\})\]?/.exec(text);
  if (placeholder) {
    // `{{ server.ipv4 }}` → `server`: an expectation names hosts (placeholders.ts fills rules and commands only).
    const host = /^([A-Za-z][A-Za-z0-9-]*)\./.exec(placeholder[2]!)?.[1] ?? "HOST";
    const named = text.replace(placeholder[0], host).trim().replace(/\s+/g, " ");
    const held = tokens(text, 0)[0]?.text === "held" && !text.includes("->");
    throw new Fail(
      `placeholders like \`${placeholder[1]}\` are for rules and commands, not expectations`,
      placeholder.index + placeholder[0].indexOf("{{"),
      held ? `name the hold: \`${HELD_GRAMMAR}\`, NAME as its \`hold\` step names it` : `name the host: \`${named}\`, or write a literal address, e.g. \`198.18.0.9:22\` or \`[2001:db8::9]:22\``,
    );
  }
  if (tokens(text, 0)[0]?.text === "held" && !text.includes("->")) return parseHeld(text, errors, names);

  // FROM ->
  const arrow = text.indexOf("->");
  if (arrow < 0) throw missingArrow(text);
  const fromTokens = tokens(text.slice(0, arrow), 0);
  const fromToken = fromTokens[0];
  if (fromToken === undefined) throw new Fail("missing the source host before `->`", arrow);
  if (fromTokens.length > 1) {
    const second = fromTokens[1] as Token;
    throw new Fail(`expected one host name before \`->\`, found \`${second.text}\` as well`, second.start);
  }
  const parsedFrom = parseFromWord(fromToken.text, fromToken.start);
  if (!parsedFrom.ok) errors.push({ message: parsedFrom.error.message, offset: parsedFrom.error.offset, hint: parsedFrom.error.hint ?? EXPECTATION_GRAMMAR_HELP });
  else names.push({ name: parsedFrom.value.host, offset: parsedFrom.value.hostSpan.start, role: "from" });
  const from = parsedFrom.ok ? parsedFrom.value : undefined;

  // TARGET:PORT[/PROTO] VERDICT
  const rest = tokens(text, arrow + 2);
  if (rest.length > 0 && rest[0]?.text.startsWith(">")) {
    throw new Fail("`->>` is not the arrow `->`", arrow);
  }
  const endpoint = rest[0];
  if (endpoint === undefined) throw new Fail("missing the target after `->`", text.trimEnd().length);
  const second = text.indexOf("->", arrow + 2);
  if (second >= 0) throw new Fail("only one `->` per expectation", second, "write one expectation per line");

  const source = from?.source;
  const parsedEnd = parseEndpoint(endpoint, source);
  if (!parsedEnd.ok) {
    errors.push(...parsedEnd.errors);
    names.push(...parsedEnd.names);
    // The verdict does not depend on the endpoint: checked still (the rest of the tail does).
    const verdict = rest[1] === undefined ? undefined : parseVerdictWord(rest[1], endpoint.text);
    if (verdict !== undefined && !verdict.ok) errors.push(verdict.error);
    return undefined;
  }
  const end = parsedEnd.value;
  if (end.target.kind === "host") names.push({ name: end.target.host, offset: end.spans.to.start, role: "to" });
  const parsedTail = parseVerdictTail(rest.slice(1), { endpoint, range: end.range, protocol: end.protocol, protocolSpan: end.spans.protocol });
  if (!parsedTail.ok) errors.push(parsedTail.error);
  if (from === undefined || !parsedTail.ok) return undefined;
  const tail = parsedTail.value;
  const clauses = tail.clauses;

  return {
    kind: "probe",
    from: from.host,
    source,
    to: end.target,
    port: end.port,
    ...(tail.sweep ? { sweep: tail.sweep } : {}),
    protocol: end.protocol,
    family: end.family,
    verdict: tail.verdict,
    ...(tail.refusal ? { refusal: tail.refusal } : {}),
    spans: {
      from: from.hostSpan,
      source: from.sourceSpan,
      to: end.spans.to,
      port: end.spans.port,
      protocol: end.spans.protocol,
      verdict: tail.verdictSpan,
      ...clauses.spans,
    },
    ...(clauses.answeredBy ? { answeredBy: clauses.answeredBy } : {}),
    ...(clauses.seenFrom !== undefined ? { seenFrom: clauses.seenFrom } : {}),
  };
}

/** Parses one compact expectation line (a probe line or a `held` line): the line, or every problem found in it, in line order. Never throws. */
export function parseExpectation(text: string): ExpectationParse {
  const errors: ExpectationSyntaxError[] = [];
  const names: NameMention[] = [];
  const r = attempt(() => parse(text, errors, names));
  if (r.ok && r.value !== undefined) return { ok: true, value: r.value };
  // A line whose shape could not be read: its names are not checked (what they are is unclear).
  const all = (r.ok ? errors : [...errors, r.error]).sort((a, b) => a.offset - b.offset);
  return { ok: false, error: all[0]!, errors: all, names: r.ok ? names : [] };
}
