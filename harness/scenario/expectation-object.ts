/**
 * The object form's port, verdict, `except` and answer clauses, read by the
 * one-line grammar's own parsers (port-range.ts, expectation-verdict.ts), so
 * `{ port: 1-1024, except: [22], verdict: blocked }` and `verdict:
 * refused:rst` mean what `server:1-1024 blocked except 22` and `refused:rst`
 * mean, with the same messages; each problem is put at the object's key
 * (`port`, `verdict`, `except[i]`, `protocol`, `answeredBy`, `seenFrom`).
 */
import { EXPECTED_VERDICTS, type ExpectedVerdict } from "../model/types.ts";
import type { CheckContext } from "./context.ts";
import type { WrittenClauses } from "./answer-check.ts";
import type { Token } from "./expectation-tokens.ts";
import { parseVerdictTail, parseVerdictWord } from "./expectation-verdict.ts";
import { formatPath, type Path } from "./locate.ts";
import type { PortSweep } from "./model.ts";
import { isRangeText, parseRange } from "./port-range.ts";
import type { RefusalKind } from "./refusal.ts";
import { describeValue, shortenQuoted } from "./values.ts";

/** The object form's keys this module reads (after the zod schema). */
export interface ObjectTailInput {
  readonly to: string;
  readonly port: number | string;
  readonly protocol?: string | undefined;
  readonly except?: readonly number[] | undefined;
  readonly verdict: string;
  readonly answeredBy?: string | undefined;
  readonly seenFrom?: string | undefined;
}

export interface ObjectTail {
  /** The port; for a sweep, the range's first port. */
  readonly port: number;
  readonly sweep: PortSweep | undefined;
  readonly verdict: ExpectedVerdict;
  readonly refusal: RefusalKind | undefined;
  readonly clauses: WrittenClauses;
}

// Where each key's words sit in the synthetic line given to the tail parser: an offset tells the key.
const AT = { verdict: 1e5, except: 2e5, answeredBy: 3e5, seenFrom: 4e5, protocol: 5e5 } as const;
const EXCEPT_LIST = AT.except + "except ".length;

/** The key (and the offset inside its value) a tail-parser offset points into. */
function placeOf(offset: number, p: Path, except: readonly number[]): { path: Path; offset?: number } {
  if (offset >= AT.protocol) return { path: [...p, "protocol"] };
  if (offset >= AT.seenFrom) return { path: [...p, "seenFrom"] };
  if (offset >= AT.answeredBy) return { path: [...p, "answeredBy"] };
  if (offset >= EXCEPT_LIST) {
    // The list was joined with commas: the entry the offset falls in.
    const before = except.join(",").slice(0, offset - EXCEPT_LIST);
    return { path: [...p, "except", before.split(",").length - 1] };
  }
  if (offset >= AT.except) return { path: [...p, "except"] };
  return { path: [...p, "verdict"], offset: offset - AT.verdict };
}

/** The one-line grammar's hint, said in the object form's keys where it speaks of one-line syntax. */
export function objectHint(message: string, hint: string): string {
  if (message.startsWith("`except` needs a port range")) return "write the range in `port`, e.g. `port: 1-1024, except: [22, 80, 443]`";
  if (message.startsWith("a sweep probes tcp or udp")) return "write `protocol: tcp` or `protocol: udp` (with 4 or 6 to pin the family), or probe HTTP ports one by one";
  if (message.startsWith("a sweep cannot expect `open`")) return "a sweep says what the firewall blocks: write `verdict: blocked` (or dropped, refused, unreachable) and list the ports it admits in `except`; prove open ports with their own expectations";
  if (/ is not a verdict$/.test(message)) return `write the verdict in \`verdict:\` (${EXPECTED_VERDICTS.join(", ")}), the family in \`family:\`, the protocol in \`protocol:\``;
  if (/^unexpected `.*` after the verdict/.test(message)) return "a sweep has no `answeredBy` or `seenFrom`: remove it, or check that port with its own expectation";
  if (/except/.test(message) || /`except`/.test(hint)) return hint.replace(/`except` and the ports|the ports/, "the ports").replace(/comma-separated without spaces, /, "").replace(/e\.g\. `except 22,80,443`/, "e.g. `except: [22, 80, 443]`").replace(/, a run of them as FIRST-LAST: `[^`]*`/, "");
  return hint.replace("e.g. `server:1-1024 blocked`", "e.g. `port: 1-1024`");
}

/** The port: a number, or a range FIRST-LAST (a sweep); undefined (reported) if invalid. */
function portOf(ctx: CheckContext, port: number | string, p: Path): { port: number; range?: { first: number; last: number } } | undefined {
  if (typeof port === "number") return { port };
  if (!isRangeText(port)) {
    const quoted = /^\s*[0-9]+\s*$/.test(port);
    ctx.problem([...p, "port"], `\`${formatPath([...p, "port"])}\` must be a number or a port range FIRST-LAST, got ${describeValue(port)}`, quoted ? `write the number without quotes: ${port.trim()}` : "write a port, e.g. `port: 8080`, or a range to sweep, e.g. `port: 1-1024`");
    return undefined;
  }
  const range = parseRange(port);
  if ("message" in range) {
    ctx.problem([...p, "port"], shortenQuoted(range.message), objectHint(range.message, range.hint), { offset: range.offset });
    return undefined;
  }
  return { port: range.first, range };
}

/** The object's port, verdict, `except` and answer clauses; undefined (reported) if invalid. */
export function objectTail(ctx: CheckContext, e: ObjectTailInput, p: Path): ObjectTail | undefined {
  const port = portOf(ctx, e.port, p);
  if (port === undefined) {
    // The verdict does not depend on the port: checked still (the rest of the tail does).
    const verdict = parseVerdictWord({ text: e.verdict, start: AT.verdict }, `${e.to}:${e.port}`);
    if (!verdict.ok) ctx.problem([...p, "verdict"], verdict.error.message, objectHint(verdict.error.message, verdict.error.hint), { offset: verdict.error.offset - AT.verdict });
    return undefined;
  }
  const except = e.except ?? [];
  const words: Token[] = [
    { text: e.verdict, start: AT.verdict },
    ...(e.except !== undefined ? [{ text: "except", start: AT.except }, { text: except.join(","), start: EXCEPT_LIST }] : []),
    ...(e.answeredBy !== undefined ? [{ text: "answered-by", start: AT.answeredBy }, { text: e.answeredBy, start: AT.answeredBy + 12 }] : []),
    ...(e.seenFrom !== undefined ? [{ text: "seen-from", start: AT.seenFrom }, { text: e.seenFrom, start: AT.seenFrom + 10 }] : []),
  ];
  const protocol = e.protocol?.replace(/[46]$/, "") as "tcp" | "udp" | "http" | undefined;
  const endpoint = { text: `${e.to}:${e.port}${e.protocol !== undefined ? `/${e.protocol}` : ""}`, start: 0 };
  const protocolSpan = e.protocol !== undefined ? { start: AT.protocol, end: AT.protocol + e.protocol.length } : undefined;
  const r = parseVerdictTail(words, { endpoint, range: port.range, protocol, protocolSpan });
  if (!r.ok) {
    const place = placeOf(r.error.offset, p, except);
    ctx.problem(place.path, r.error.message, objectHint(r.error.message, r.error.hint ?? ""), place.offset !== undefined ? { offset: place.offset } : {});
    return undefined;
  }
  const t = r.value;
  return {
    port: port.port,
    sweep: t.sweep ? { first: t.sweep.first, last: t.sweep.last, except: t.sweep.except } : undefined,
    verdict: t.verdict,
    refusal: t.refusal,
    clauses: { answeredBy: t.clauses.answeredBy, seenFrom: t.clauses.seenFrom },
  };
}
