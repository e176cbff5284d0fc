/**
 * The scenario `fwspec init --from` proposes, as YAML text (pure): a firewall
 * host `server` with the rules files restored and a listener on every port
 * they name (plus one port they do not), a peer `remote`; first as a draft
 * whose expectations only make the probes run, then with the verdicts the
 * draft's run observed, each line marked for review.
 */
import type { ExpectationResult } from "../model/results.ts";
import type { Family, Verdict } from "../model/types.ts";
import type { RunReport } from "../report/model.ts";
import type { NamedPort } from "./ports.ts";

export interface Proposal {
  /** The scenario's directory, relative to the working directory ("scenarios"). */
  readonly scenarioDir: string;
  /** The rules files, relative to the working directory. */
  readonly v4: string;
  readonly v6?: string | undefined;
  readonly ports: readonly NamedPort[];
  /** Named ports left out by the cap (said in the description). */
  readonly omitted: readonly NamedPort[];
  /** A tcp port no rule names: what the rules do by default. */
  readonly unnamed: number;
  /** YYYY-MM-DD, for the review marks. */
  readonly date: string;
  /** The `$schema` path for editors, relative to the scenario's directory. */
  readonly schema: string;
}

/** The verdicts of one listener, by family; `error` carries the probe's reason. */
export type Observed = Partial<Record<Family, { readonly verdict: Verdict; readonly reason: string }>>;

/** `tcp/22`: the key of a listener, and its `listen` entry. */
export function listenerKey(protocol: string, port: number): string {
  return `${protocol}/${port}`;
}

/** Every listener the proposal runs: the named ports, then the unnamed one. */
export function listeners(p: Proposal): NamedPort[] {
  return [...p.ports, { protocol: "tcp", port: p.unnamed }];
}

/** A relative path written in YAML: POSIX separators, quoted (JSON is YAML). */
function quotedPath(rel: string): string {
  return JSON.stringify(rel.split("\\").join("/"));
}

function relativeTo(dir: string, file: string): string {
  const depth = dir === "" || dir === "." ? 0 : dir.split(/[\\/]/).filter((s) => s !== "" && s !== ".").length;
  return `${"../".repeat(depth)}${file}`;
}

function portList(ports: readonly NamedPort[]): string {
  return ports.map((x) => listenerKey(x.protocol, x.port)).join(", ");
}

/** The scenario up to (not including) its expect step. */
function head(p: Proposal): string {
  const files = p.v6 === undefined ? `${p.v4}` : `${p.v4} and ${p.v6}`;
  const description = [
    `Proposed by \`fwspec init --from\` on ${p.date}: \`server\` gets ${files} as iptables-restore would apply them at boot,`,
    `with a listener on every port the rules name (${p.ports.length === 0 ? "none" : portList(p.ports)}) and on tcp/${p.unnamed}, which no rule names;`,
    "`remote` probes each over IPv4 and IPv6.",
    ...(p.omitted.length > 0 ? [`Left out (at most ${p.ports.length} listeners): ${portList(p.omitted)}.`] : []),
    ...(p.v6 === undefined ? ["No IPv6 rules were given: ip6tables on `server` is empty, so IPv6 is not filtered."] : []),
    "The expectations are what was observed, not what is intended: review each one, then keep this file as the specification.",
  ];
  const restore = [`        ipv4: ${quotedPath(relativeTo(p.scenarioDir, p.v4))}`, ...(p.v6 === undefined ? [] : [`        ipv6: ${quotedPath(relativeTo(p.scenarioDir, p.v6))}`])];
  return [
    `# yaml-language-server: $schema=${p.schema}`,
    `name: ${JSON.stringify(`${files}, as observed by fwspec init`)}`,
    "description: >",
    ...description.map((l) => `  ${l}`),
    "hosts:",
    `  server: { firewall: true, listen: [${portList(listeners(p))}] }`,
    "  remote: {}",
    "steps:",
    "  - apply:",
    "      host: server",
    "      restore:",
    ...restore,
    "  - expect:",
  ].join("\n");
}

function target(x: NamedPort, family?: Family): string {
  const suffix = family === undefined ? (x.protocol === "tcp" ? "" : `/${x.protocol}`) : `/${x.protocol}${family === "ipv4" ? "4" : "6"}`;
  return `remote -> server:${x.port}${suffix}`;
}

/** The draft: one expectation per listener (both families), there only to make the probes run; the verdict written is not judged. */
export function draftScenario(p: Proposal): string {
  return `${head(p)}\n${listeners(p).map((x) => `      - ${target(x)} open`).join("\n")}\n`;
}

/** The verdicts a run of the draft observed, by listener key. */
export function observations(report: RunReport): Map<string, Observed> {
  const out = new Map<string, Observed>();
  const results: readonly ExpectationResult[] = report.scenarios.flatMap((s) => s.expectations);
  for (const e of results) {
    if (e.from !== "remote" || e.to !== "server" || e.held !== undefined) continue;
    const k = listenerKey(e.protocol, e.port);
    out.set(k, { ...out.get(k), [e.family]: { verdict: e.actual, reason: e.reason } });
  }
  return out;
}

/** The expectation lines of one listener from what was observed. */
function observedLines(p: Proposal, x: NamedPort, seen: Observed | undefined): string[] {
  const mark = `# observed ${p.date}, review: is this what you intend?`;
  const why = x.port === p.unnamed && x.protocol === "tcp" ? " (no rule names this port)" : "";
  const v4 = seen?.ipv4;
  const v6 = seen?.ipv6;
  const failed = (f: Family, o: { verdict: Verdict; reason: string } | undefined): string | undefined =>
    o === undefined ? `      # ${target(x, f)}: not observed; write the verdict you intend` : o.verdict === "error" ? `      # ${target(x, f)}: the probe failed (${o.reason.replace(/\s+/g, " ")}); write the verdict you intend` : undefined;
  const bad4 = failed("ipv4", v4);
  const bad6 = failed("ipv6", v6);
  if (!bad4 && !bad6 && v4!.verdict === v6!.verdict) return [`      - ${target(x)} ${v4!.verdict}  ${mark}${why}`];
  return [
    bad4 ?? `      - ${target(x, "ipv4")} ${v4!.verdict}  ${mark}${why}`,
    bad6 ?? `      - ${target(x, "ipv6")} ${v6!.verdict}  ${mark}${why}${bad4 ? "" : " (IPv6 differs from IPv4)"}`,
  ];
}

/** The proposed scenario with the observed verdicts as its expectations. */
export function observedScenario(p: Proposal, seen: ReadonlyMap<string, Observed>): string {
  const lines = listeners(p).flatMap((x) => observedLines(p, x, seen.get(listenerKey(x.protocol, x.port))));
  // An expect step needs one expectation; when no probe gave a verdict, the first listener stays as a line to edit.
  if (!lines.some((l) => l.trimStart().startsWith("- "))) lines.push(`      - ${target(listeners(p)[0]!)} blocked  # no verdict was observed: write the one you intend`);
  return `${head(p)}\n${lines.join("\n")}\n`;
}
