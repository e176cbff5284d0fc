/**
 * What the per-section checks of a scenario read: where the scenario is, how
 * to report a problem, and the topology (hosts, networks, listeners) and hold
 * names known before any step is checked. Built once, in `buildContext`, and
 * read-only afterwards; with the lookups every section shares (a known host,
 * the firewall host a step acts on).
 */
import type { Family, HostSpec, ListenerSpec } from "../model/types.ts";
import { at, type Report } from "./diagnostics.ts";
import { FixtureFiles } from "./fixtures.ts";
import { checkTopology } from "./hosts.ts";
import type { Locator, Path } from "./locate.ts";
import { nonAsciiNote } from "./lookalike.ts";
import { placeholderAsName } from "./placeholders.ts";
import type { SourceLocation } from "./model.ts";
import type { ProjectRoot } from "./root.ts";
import type { AddressPlan } from "./subnets.ts";
import { FAMILY_CHOICES } from "./schema.ts";
import { closest, listWords } from "./suggest.ts";
import { FAMILIES_BOTH, familiesOf, isRecord, truncate } from "./values.ts";
import type { FamilyChoice } from "./values.ts";

/** Where the scenario is and how checks report. */
export interface CheckBase {
  /** Absolute scenario file, or "<inline>". */
  readonly file: string;
  readonly baseDir: string;
  readonly projectRoot: ProjectRoot;
  readonly locator: Locator;
  readonly problem: Report;
}

export interface HostInfo {
  readonly name: string;
  readonly firewall: boolean;
  /** Undefined when the listeners could not all be read (then no listener checks, to avoid follow-on errors). */
  readonly listeners: readonly ListenerSpec[] | undefined;
  /**
   * The networks the host is on (DEFAULT_NETWORK when the scenario declares none);
   * undefined when they could not be read (then no reachability checks).
   */
  readonly networks: readonly string[] | undefined;
  /** `router: true` as written (even on an invalid host, to avoid follow-on errors). */
  readonly router: boolean;
  readonly spec: HostSpec | undefined;
}

/** The hosts and networks of a scenario, as far as they could be read. */
export interface Topology {
  readonly hosts: ReadonlyMap<string, HostInfo>;
  /** Hosts written in the scenario, valid or not (for "unknown host" checks). */
  readonly hostNames: readonly string[];
  /** False when `hosts` itself is unusable: then references to hosts are not checked (no follow-on errors). */
  readonly hostsKnown: boolean;
  /** Does the scenario declare `networks`? */
  readonly networksDeclared: boolean;
  /** The declared networks as written, valid or not; undefined when unusable (or not declared). */
  readonly networkNames: readonly string[] | undefined;
}

export interface CheckContext extends CheckBase, Topology {
  readonly fixtures: FixtureFiles;
  /** The scenario's `family` (both when not given). */
  readonly defaultFamilies: readonly Family[];
  /** Every hold name of the scenario, with the path of its first `name` (for "declared in a later step"). */
  readonly allHolds: ReadonlyMap<string, Path>;
  /** The declared subnets and host addresses that passed their checks (sources of probes are looked up here). */
  readonly addressPlan?: AddressPlan;
}

/** Checks the topology sections (reporting their problems) and gathers what the steps need. */
export function buildContext(base: CheckBase, raw: Record<string, unknown>): CheckContext {
  const family = raw["family"];
  const defaultFamilies = typeof family === "string" && (FAMILY_CHOICES as readonly string[]).includes(family) ? familiesOf(family as FamilyChoice) : FAMILIES_BOTH;
  const topology = checkTopology(base, raw["networks"], raw["hosts"]);
  const allHolds = new Map<string, Path>();
  const steps = raw["steps"];
  if (Array.isArray(steps)) {
    steps.forEach((item: unknown, i) => {
      const hold = isRecord(item) ? item["hold"] : undefined;
      const name = isRecord(hold) ? hold["name"] : undefined;
      if (typeof name === "string" && !allHolds.has(name)) allHolds.set(name, ["steps", i, "hold", "name"]);
    });
  }
  return { ...base, ...topology, fixtures: new FixtureFiles(base, base.problem), defaultFamilies, allHolds };
}

/** Where the value at `p` was written. */
export function locationOf(ctx: CheckBase, p: Path): SourceLocation {
  return { file: ctx.file, ...ctx.locator.locate(p) };
}

function firewallHosts(ctx: CheckContext): string[] {
  return [...ctx.hosts.values()].filter((h) => h.firewall).map((h) => h.name);
}

/** An existing host; reports unknown names with a suggestion. */
export function knownHost(ctx: CheckContext, name: string, p: Path, offset?: number, extraCandidates: readonly string[] = []): boolean {
  if (ctx.hostNames.includes(name)) return true;
  if (!ctx.hostsKnown) return false;
  const placeholder = placeholderAsName(name);
  if (placeholder) {
    ctx.problem(p, placeholder.message, placeholder.hint, at((offset ?? 0) + placeholder.offset));
    return false;
  }
  const foreign = nonAsciiNote(name);
  // The message names a non-ASCII character already: the hint only suggests.
  const near = closest(name, [...ctx.hostNames, ...extraCandidates]);
  const suggestion = near === undefined ? undefined : `did you mean \`${near}\`?`;
  ctx.problem(
    p,
    `unknown host \`${truncate(name)}\`${foreign ? `: ${foreign.note}` : ""}`,
    `${suggestion ? `${suggestion} ` : ""}hosts are ${listWords(ctx.hostNames, "and") || "(none declared)"}`,
    offset === undefined ? {} : { offset },
  );
  return false;
}

/** The firewall host a step applies to or counts on (explicit or the only one). */
export function firewallHost(ctx: CheckContext, explicit: string | undefined, hostPath: Path, stepPath: Path, example: string, noneHint?: string): string | undefined {
  const firewalls = firewallHosts(ctx);
  if (explicit !== undefined) {
    if (!knownHost(ctx, explicit, hostPath)) return undefined;
    const info = ctx.hosts.get(explicit);
    if (info && !info.firewall) {
      ctx.problem(
        hostPath,
        `host \`${explicit}\` is not a firewall host`,
        firewalls.length > 0
          ? `rules are applied and counted only on firewall hosts (${listWords(firewalls, "and")}); or set \`firewall: true\` on \`${explicit}\``
          : `set \`firewall: true\` on host \`${explicit}\``,
      );
      return undefined;
    }
    return info ? explicit : undefined;
  }
  if (firewalls.length === 1) return firewalls[0];
  if (!ctx.hostsKnown) return undefined;
  if (firewalls.length === 0) {
    // Hosts that failed validation may be meant as firewalls: stay quiet unless every host is valid.
    if (ctx.hostsKnown && [...ctx.hosts.values()].every((h) => h.spec !== undefined)) {
      ctx.problem(stepPath, "there is no firewall host", noneHint ?? `mark the host that runs the rules with \`firewall: true\`, e.g. \`hosts: { server: { firewall: true } }\``);
    }
    return undefined;
  }
  ctx.problem(stepPath, `several firewall hosts (${listWords(firewalls, "and")}): say which one`, `name the host: ${example.replace("HOST", firewalls[0] ?? "server")}`);
  return undefined;
}
