/**
 * Pure: an open probe's answer (the listener's identity line) judged against
 * the expectation's `answered-by` and `seen-from`, and the evidence line that
 * names who answered and which source it saw, with the lab host that source
 * belongs to ("backend:8080 saw 198.18.1.2:40312 (router)").
 */
import type { Family } from "../model/types.ts";
import { describeAnswer, sameAddress } from "../probes/answer.ts";
import type { ProbeResult } from "../probes/probe.ts";
import type { Expectation } from "../scenario/model.ts";

/** The lab's hosts and their addresses in one family (on every network they are on). */
export type AddressBook = ReadonlyMap<string, readonly string[]>;

/** The lab host an address belongs to; a loopback source is the answering host's own. */
export function ownerOf(address: string, book: AddressBook, answeringHost: string): string | undefined {
  if (sameAddress(address, "127.0.0.1") || sameAddress(address, "::1") || /^127\./.test(address)) return answeringHost;
  for (const [host, addresses] of book) if (addresses.some((a) => sameAddress(a, address))) return host;
  return undefined;
}

export interface AnswerJudgement {
  /** The evidence line, for every probe that got an identity line. */
  readonly answer?: string;
  /** Why the answer does not satisfy the expectation's clauses; undefined when it does (or there are none). */
  readonly problem?: string;
}

export function judgeAnswer(expectation: Pick<Expectation, "answeredBy" | "seenFrom">, family: Family, probe: ProbeResult, book: AddressBook): AnswerJudgement {
  const a = probe.answer;
  const owner = a ? ownerOf(a.peer, book, a.host) : undefined;
  const answer = a ? `${describeAnswer(a)}${owner ? ` (${owner})` : " (no lab host)"}` : undefined;
  const wanted = expectation.answeredBy !== undefined || expectation.seenFrom !== undefined;
  if (!wanted || probe.verdict !== "open") return answer ? { answer } : {};
  if (!a) {
    return { problem: "the answer carried no fwspec identity line, so who answered and which source it saw cannot be told (not a fwspec listener?)" };
  }
  const problems: string[] = [];
  const by = expectation.answeredBy;
  if (by && (a.host !== by.host || a.port !== by.port)) {
    problems.push(`answered by ${a.host}:${a.port}, not ${by.host}:${by.port}`);
  }
  const seen = expectation.seenFrom;
  if (seen !== undefined && owner !== seen) {
    const mine = (book.get(seen) ?? []).join(", ");
    problems.push(`${a.host} saw the source ${a.peer} (${owner ?? "no lab host"}), not ${seen}'s ${family} address${mine ? ` (${mine})` : ""}`);
  }
  return { answer: answer!, ...(problems.length > 0 ? { problem: problems.join("; ") } : {}) };
}

/** `web:80 saw 198.18.50.100:40312 (internet)`, `… saw [2001:db8::9]:51000 (no lab host)`: the evidence line judgeAnswer writes. */
const ANSWER_LINE = /^(\S+):(\d+) saw (?:\[([^\]]+)\]|([^\s:]+)):\d+ \((.+)\)$/;

/**
 * The evidence line read back (pure): who answered on which port, the source address it saw, and the lab host that
 * address belongs to (undefined: none). The one reader of what judgeAnswer writes (diff's flows, coverage's sources).
 */
export function readAnswerLine(text: string | undefined): { readonly host: string; readonly port: number; readonly peer: string; readonly owner: string | undefined } | undefined {
  const m = text === undefined ? null : ANSWER_LINE.exec(text);
  if (!m) return undefined;
  return { host: m[1]!, port: Number(m[2]), peer: (m[3] ?? m[4])!, owner: m[5] === "no lab host" ? undefined : m[5]! };
}
