/**
 * The clauses an `open` expectation line may end with, saying who must answer
 * and which source the server must see (checked against the listener's
 * identity line, probes/answer.ts):
 *
 *     client -> router:80 open answered-by backend:8080     (DNAT: the backend's 8080 answered)
 *     client -> router:80 open answered-by backend:8080 seen-from router   (and MASQUERADE: it saw the router)
 *     client -> router:80 open answered-by router:8080      (REDIRECT: the router's own 8080)
 *     client -> backend:8080 open seen-from client          (no source NAT)
 *
 * `answered-by HOST` without a port means the probed port. Each clause at most
 * once, in either order, only after `open`. Pure syntax with offsets; the
 * loader checks that the hosts exist and the answering listener is declared.
 */
import { isIPv4, isIPv6 } from "node:net";
import { didYouMean } from "./suggest.ts";

export const ANSWER_CLAUSES = ["answered-by", "seen-from"] as const;

export const ANSWER_GRAMMAR = "[answered-by HOST[:PORT]] [seen-from HOST]";

export const ANSWER_GRAMMAR_HELP =
  "after `open` a line may say who answered, `answered-by HOST[:PORT]` (the listener that answered; PORT defaults to the probed port), " +
  "and which source the server saw, `seen-from HOST` (one of that host's addresses), e.g. `client -> router:80 open answered-by backend:8080 seen-from router`";

interface Token {
  readonly text: string;
  readonly start: number;
}

interface Span {
  readonly start: number;
  readonly end: number;
}

export interface AnswerClauses {
  readonly answeredBy?: { readonly host: string; readonly port: number | undefined };
  readonly seenFrom?: string;
  readonly spans: {
    readonly answeredBy?: { readonly host: Span; readonly port: Span | undefined };
    readonly seenFrom?: Span;
  };
}

export interface ClauseError {
  readonly message: string;
  readonly offset: number;
  readonly hint: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Words people write for the clauses. */
const SYNONYMS: Readonly<Record<string, (typeof ANSWER_CLAUSES)[number]>> = {
  by: "answered-by", via: "answered-by", answered: "answered-by", "answered_by": "answered-by", answeredby: "answered-by", "answer-by": "answered-by", "answered-from": "answered-by", to: "answered-by",
  from: "seen-from", seen: "seen-from", "seen_from": "seen-from", seenfrom: "seen-from", "seen-as": "seen-from", source: "seen-from", src: "seen-from", "seen-by": "seen-from",
};

const span = (t: Token, length = t.text.length): Span => ({ start: t.start, end: t.start + length });

function hostWord(word: Token, clause: string): ClauseError | undefined {
  const w = word.text;
  if (isIPv4(w) || isIPv6(w.replace(/^\[|\]$/g, "")) || w.startsWith("[")) {
    return { message: `\`${clause}\` names a lab host, not an address: \`${w}\``, offset: word.start, hint: `write the host's name, e.g. \`${clause} router\`; ${ANSWER_GRAMMAR_HELP}` };
  }
  if (w === "localhost") {
    return { message: `\`${clause} localhost\` is not a host`, offset: word.start, hint: `name the host itself, e.g. \`${clause} router\` (its loopback counts as its own address)` };
  }
  if (!NAME.test(w)) return { message: `\`${w}\` is not a host name`, offset: word.start, hint: ANSWER_GRAMMAR_HELP };
  return undefined;
}

/**
 * The clauses in `words` (everything after the verdict). `open` says whether
 * the verdict was `open`. Returns the clauses, or the first error with its offset.
 */
export function parseAnswerClauses(words: readonly Token[], open: boolean, verdict: string): AnswerClauses | ClauseError {
  let answeredBy: AnswerClauses["answeredBy"];
  let seenFrom: string | undefined;
  const spans: { answeredBy?: { host: Span; port: Span | undefined }; seenFrom?: Span } = {};
  for (let i = 0; i < words.length; i += 2) {
    const word = words[i]!;
    const clause = (ANSWER_CLAUSES as readonly string[]).includes(word.text) ? (word.text as (typeof ANSWER_CLAUSES)[number]) : undefined;
    if (clause === undefined) {
      const meant = SYNONYMS[word.text.toLowerCase()];
      const suggestion = meant ? `did you mean \`${meant}\`?` : didYouMean(word.text, ANSWER_CLAUSES);
      return { message: `unexpected \`${word.text}\` after the verdict`, offset: word.start, hint: `${suggestion ? `${suggestion} ` : ""}the verdict ends the line, or is followed by ${ANSWER_GRAMMAR}; ${ANSWER_GRAMMAR_HELP}` };
    }
    if (!open) {
      return { message: `\`${clause}\` needs the verdict \`open\`, not \`${verdict}\``, offset: word.start, hint: "only a probe that got an answer has an answering host and a seen source; remove the clause or expect `open`" };
    }
    if ((clause === "answered-by" && answeredBy) || (clause === "seen-from" && seenFrom !== undefined)) {
      return { message: `\`${clause}\` is given twice`, offset: word.start, hint: "say each clause once" };
    }
    const value = words[i + 1];
    if (value === undefined || (ANSWER_CLAUSES as readonly string[]).includes(value.text)) {
      return { message: `missing the host after \`${clause}\``, offset: word.start + word.text.length, hint: ANSWER_GRAMMAR_HELP };
    }
    if (clause === "seen-from") {
      const bad = hostWord(value, clause);
      if (bad) return bad;
      seenFrom = value.text;
      spans.seenFrom = span(value);
      continue;
    }
    const colon = value.text.lastIndexOf(":");
    const looksAddress = value.text.startsWith("[") || value.text.split(":").length > 2;
    const hostText = colon < 0 || looksAddress ? value.text : value.text.slice(0, colon);
    const bad = hostWord({ text: hostText, start: value.start }, clause);
    if (bad) return bad;
    let port: number | undefined;
    let portSpan: Span | undefined;
    if (colon >= 0) {
      const portText = value.text.slice(colon + 1);
      const portStart = value.start + colon + 1;
      port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : NaN;
      if (!(port >= 1 && port <= 65535)) {
        return { message: `port \`${portText}\` is not a number from 1 to 65535`, offset: portStart, hint: "write `answered-by HOST:PORT` with the port the answering listener listens on, e.g. `answered-by backend:8080`" };
      }
      portSpan = { start: portStart, end: portStart + portText.length };
    }
    answeredBy = { host: hostText, port };
    spans.answeredBy = { host: span(value, hostText.length), port: portSpan };
  }
  return { ...(answeredBy ? { answeredBy } : {}), ...(seenFrom !== undefined ? { seenFrom } : {}), spans };
}

export function isClauseError(r: AnswerClauses | ClauseError): r is ClauseError {
  return "message" in r;
}

/** ` answered-by backend:8080 seen-from router` (with a leading space), or "" when there is none. */
export function renderAnswerClauses(e: { readonly answeredBy?: { readonly host: string; readonly port?: number | undefined } | undefined; readonly seenFrom?: string | undefined }): string {
  const by = e.answeredBy ? ` answered-by ${e.answeredBy.host}${e.answeredBy.port === undefined ? "" : `:${e.answeredBy.port}`}` : "";
  const seen = e.seenFrom !== undefined ? ` seen-from ${e.seenFrom}` : "";
  return by + seen;
}
