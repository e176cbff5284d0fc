/**
 * The scenario `fwspec init --from` proposes, as YAML text (pure): a firewall
 * host `server` with the rules files restored and a listener on every port
 * they name (plus one port they do not), a peer `remote`; first as a draft
 * whose expectations are placeholders, then with the verdicts record's flow
 * matrix observed, written by record's own functions (the same lines
 * `fwspec record` writes), under a review mark.
 */
import type { MatrixObservation, ObservedFlow } from "../diff/observed.ts";
import { recordedLines } from "../record/lines.ts";
import { defaultFamilies, recordedScenario } from "../record/write.ts";
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

function target(x: NamedPort): string {
  return `remote -> server:${x.port}${x.protocol === "tcp" ? "" : `/${x.protocol}`}`;
}

/**
 * The draft: the proposal with one placeholder expectation per listener, so
 * it loads as a scenario. `fwspec init` observes it with record's flow matrix
 * (every listener from remote, and from server over its loopback and its own
 * address, both families), which leaves its expect step out.
 */
export function draftScenario(p: Proposal): string {
  return `${head(p)}\n${listeners(p).map((x) => `      - ${target(x)} open`).join("\n")}\n`;
}

/** The header comment of init's expect step. */
export function initMark(date: string): string {
  return `observed ${date} by fwspec init, each with the rule that decided it; review: is this what you intend?`;
}

/**
 * The scenario init writes: the draft with the lines `fwspec record` writes
 * for the same observation (record/lines.ts, record/write.ts), under init's
 * review mark. `file` is where it will be written. Flows whose probe failed
 * are comments there, and returned in `failed`.
 */
export function observedScenario(p: Proposal, draft: string, file: string, observed: MatrixObservation): { text: string; failed: readonly ObservedFlow[] } {
  const { lines, failed } = recordedLines(observed.flows, defaultFamilies(draft));
  // An expect step needs one expectation; when no probe gave a verdict, the first listener stays as a line to edit.
  const some = lines.some((l) => l.expectation !== undefined) ? lines : [...lines, { expectation: `${target(listeners(p)[0]!)} blocked`, comment: "no verdict was observed: write the one you intend" }];
  return { text: recordedScenario(draft, file, file, some, initMark(p.date)), failed };
}
