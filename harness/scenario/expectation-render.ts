/**
 * The compact one-line form of an expectation, for reports, recordings and
 * hints: `remote -> server:8080/tcp6 dropped` (the inverse of the parser in
 * expectation.ts, up to defaults).
 */
import { sourceLabel } from "../model/types.ts";
import type { ExpectedVerdict, Family, ProbeTarget, Protocol } from "../model/types.ts";
import { renderAnswerClauses } from "./answer-clauses.ts";
import type { PortSweep } from "./model.ts";
import type { RefusalKind } from "./refusal.ts";

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
  /** `refused:rst` / `refused:icmp` (with verdict refused). */
  readonly refusal?: RefusalKind | undefined;
  /** A sweep: `port` is then the range's first port (rendered `FIRST-LAST … except A,B`). */
  readonly sweep?: PortSweep | undefined;
  readonly answeredBy?: { readonly host: string; readonly port?: number | undefined } | undefined;
  readonly seenFrom?: string | undefined;
}

/**
 * The compact form of an expectation: `remote -> server:8080/tcp6 dropped`.
 * A sweep is `FROM -> TARGET:FIRST-LAST VERDICT except A,B`, a refusal kind
 * `refused:rst`. The protocol is written when it is not tcp or when a family is pinned; a
 * literal address or a source address already fixes the family, so then it never gets a suffix.
 */
export function renderExpectation(e: RenderableExpectation): string {
  const target =
    e.to.kind === "host" ? e.to.host : e.to.kind === "localhost" ? "localhost" : e.to.address.includes(":") ? `[${e.to.address}]` : e.to.address;
  const pinned = e.family !== undefined && e.to.kind !== "address" && e.source === undefined ? (e.family === "ipv4" ? "4" : "6") : "";
  const suffix = pinned !== "" || e.protocol !== "tcp" ? `/${e.protocol}${pinned}` : "";
  const port = e.sweep ? `${e.sweep.first}-${e.sweep.last}` : `${e.port}`;
  const verdict = e.refusal !== undefined && e.verdict === "refused" ? `refused:${e.refusal}` : e.verdict;
  const except = e.sweep && e.sweep.except.length > 0 ? ` except ${e.sweep.except.join(",")}` : "";
  return `${sourceLabel(e.from, e.source)} -> ${target}:${port}${suffix} ${verdict}${except}${renderAnswerClauses(e)}`;
}
