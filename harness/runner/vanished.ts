/**
 * What the scenario's own commands took from a probe's target after the
 * checks of the step that ran them (a process left in the background, a
 * `run` step's `ip addr del` or `ip link set … down`): the probed address, so
 * nobody could answer, or the port's listener, so the kernel refused the
 * probe; or from its prober, the source address it is to leave from. Either
 * way the firewall decided nothing: the probe is an error naming what is
 * gone, never a verdict that could pass `refused`, `blocked` or `dropped`
 * (tester 39a). Asked only once the scenario's commands may have changed a
 * host (session.ts `#ownCommands`), and only of hosts with such a probe: one
 * `ip` per target host (by name, or a literal address a lab host has or
 * declares) and per prober with a source address, before the step's probes
 * (sweeps included); one `ss` per host with a refused probe of a declared
 * listener's port that no REJECT rule refused.
 */
import type { LabHost, RunningLab } from "../lab/types.ts";
import type { ProbeSpec } from "../model/types.ts";
import { sameAddress } from "../probes/answer.ts";
import { missingListeners } from "../probes/listeners.ts";
import type { Observation } from "../probes/observe.ts";
import { isLoopbackTarget } from "../model/targets.ts";
import { probedHost, type ProbeResult, resolveTarget } from "../probes/probe.ts";

interface IpAddrLink {
  readonly flags?: readonly string[];
  readonly linkinfo?: { readonly info_slave_kind?: string };
  readonly addr_info?: readonly { readonly local?: string }[];
}

/** Masters whose ports hold no working address of their own (a VRF's do). */
const PORT_OF = new Set(["bridge", "bond", "team"]);

/**
 * The addresses a host holds on links that are up and not a bridge's or
 * bond's port (an address left on an enslaved link answers nothing: reviewer
 * 39), or undefined when that cannot be read (`ip -j -d addr show`).
 */
async function heldAddresses(host: LabHost): Promise<string[] | undefined> {
  const r = await host.exec(["ip", "-j", "-d", "addr", "show"], { light: true, timeoutSeconds: 5 }).catch(() => undefined);
  if (r?.exitCode !== 0) return undefined;
  const links = JSON.parse(r.stdout || "[]") as IpAddrLink[];
  return links.filter((l) => l.flags?.includes("UP") && !PORT_OF.has(l.linkinfo?.info_slave_kind ?? "")).flatMap((l) => (l.addr_info ?? []).flatMap((a) => (a.local === undefined ? [] : [a.local])));
}

/** An address a probe needs on a host: the source it leaves from (`scanner@198.18.7.99 -> …`), or its target's. */
interface Needed {
  readonly host: LabHost;
  readonly address: string;
  readonly role: "source" | "target";
}

/**
 * Each probe (by index) whose prober no longer holds the source address it is to leave from (tester 39b: the tool's
 * own bind error was all it said), or whose target lab host no longer holds the probed address, on a link that is
 * up: its error result, not sent. Every host is read first; a probe missing both is told of its source.
 */
export async function goneAddresses(lab: RunningLab, specs: readonly ProbeSpec[]): Promise<Map<number, ProbeResult>> {
  const needs = specs.map((spec): { readonly address: string; readonly needed: Needed[] } | undefined => {
    let address: string;
    try {
      address = resolveTarget(lab, spec);
    } catch {
      return undefined; // the probe says why itself
    }
    const needed: Needed[] = spec.source === undefined ? [] : [{ host: lab.host(spec.from), address: spec.source, role: "source" }];
    // A lab host by name, or a literal address a lab host has or declares (tester 39b); not its loopback.
    const host = spec.to.kind === "localhost" || (spec.to.kind === "address" && isLoopbackTarget(spec.to.address)) ? undefined : probedHost(lab, spec);
    if (host) needed.push({ host, address, role: "target" });
    return { address, needed };
  });
  const hosts = [...new Set(needs.flatMap((n) => n?.needed.map((x) => x.host) ?? []))];
  const held = new Map(await Promise.all(hosts.map(async (h) => [h, await heldAddresses(h)] as const)));
  const out = new Map<number, ProbeResult>();
  needs.forEach((n, i) => {
    const gone = n?.needed.find((x) => {
      const has = held.get(x.host);
      return has !== undefined && !has.some((a) => sameAddress(a, x.address));
    });
    if (!n || !gone) return;
    const why = gone.role === "source"
      ? `${gone.host.name} no longer holds ${gone.address}, the source address this probe leaves from, on a link that is up (a command of this scenario removed it or took its link down): the probe cannot be sent from it`
      : `${gone.host.name} no longer holds ${gone.address} on a link that is up (a command of this scenario removed it or took its link down): nothing could answer there, so a probe's silence would say nothing about the rules`;
    out.set(i, goneResult(specs[i]!, n.address, why));
  });
  return out;
}

/** A listener on the probe's port, of its kind (UDP, or TCP for tcp and http). */
const serves = (spec: ProbeSpec) => (l: { readonly protocol: string; readonly port: number }) => l.port === spec.port && (l.protocol === "udp") === (spec.protocol === "udp");
const listens = (host: LabHost, spec: ProbeSpec) => host.spec.listen.some(serves(spec));

/** Each refused observation of a declared listener's port that no REJECT rule refused, whose listener no longer listens, with why. */
export async function deadListeners(lab: RunningLab, observations: readonly Observation[], ownerOf: (address: string) => LabHost | undefined = () => undefined): Promise<Map<Observation, string>> {
  const out = new Map<Observation, string>();
  const byHost = new Map<LabHost, { readonly o: Observation; readonly spec: ProbeSpec }[]>();
  for (const o of observations) {
    if (o.result.verdict !== "refused" || o.decision?.action === "reject") continue;
    // Where a DNAT sent it on, the listener there is the one that answers (or would have).
    const sent = declaredDnatListener(o, ownerOf);
    const host = sent?.host ?? probedHost(lab, o.result.spec);
    const spec = sent?.spec ?? o.result.spec;
    if (host && listens(host, spec)) byHost.set(host, [...(byHost.get(host) ?? []), { o, spec }]);
  }
  await Promise.all([...byHost].map(async ([host, probes]) => {
    const missing = await missingListeners(host).catch(() => []);
    for (const { o, spec } of probes) {
      const gone = missing.find(serves(spec));
      if (gone) out.set(o, `${host.name}'s listener ${gone.protocol}/${gone.port} no longer listens (a process a command of this scenario left running may have ended it): the refusal came from its kernel, not from a rule`);
    }
  }));
  return out;
}

/**
 * The observation as an error with `why`: what the probe saw stays in its evidence, and so do the counters that
 * moved (a DNAT that sent it on counted it: tester 44b); no deciding rule.
 */
export function asVanished(o: Observation, why: string): Observation {
  const { decision: _decision, ...rest } = o;
  return { ...rest, result: { ...o.result, verdict: "error", reason: why } };
}

/** An error result for a probe not sent (its target's address is gone). */
function goneResult(spec: ProbeSpec, address: string, why: string): ProbeResult {
  return { spec, address, verdict: "error", reason: why, evidence: { command: "", argv: [], exitCode: null, stdout: "", stderr: "", durationMs: 0 } };
}

/** A Decision.sentOnTo (`198.18.51.10:85`, `[2001:db8::10]:85`, or the address alone) as its address and port text, if any. */
export function sentOnAddress(sentOnTo: string): { readonly address: string; readonly port?: string } {
  const m = /^\[([^\]]+)\](?::([\d-]+))?$/.exec(sentOnTo) ?? /^([^:]+)(?::([\d-]+))?$/.exec(sentOnTo) ?? [sentOnTo, sentOnTo, undefined];
  return m[2] === undefined ? { address: m[1]! } : { address: m[1]!, port: m[2] };
}

/** Where a refused probe's DNAT sent it on to (Decision.sentOnTo), no rule refusing it: the address and the port (the probed one when the DNAT kept it); undefined for a port range. */
function sentOnTarget(o: Observation): { readonly address: string; readonly spec: ProbeSpec } | undefined {
  const d = o.decision;
  if (o.result.verdict !== "refused" || d?.action !== "accept" || d.sentOnTo === undefined) return undefined;
  const { address, port } = sentOnAddress(d.sentOnTo);
  if (port !== undefined && !/^\d+$/.test(port)) return undefined;
  return { address, spec: { ...o.result.spec, port: port === undefined ? o.result.spec.port : Number(port) } };
}

/**
 * Where a refused probe's DNAT sent it (Decision.sentOnTo, `198.18.51.10:82`, `[2001:db8::10]:82`, or the address
 * alone: the probed port) when no rule refused it and the lab host holding that address declares no listener there:
 * why that is an error (tester 41b: `blocked` passed on the kernel's reset of a port nobody was to listen on, where
 * every probed port needs a listener so that a refusal can only be the firewall's). Undefined otherwise (a host that
 * is not the lab's, whose listeners fwspec does not know, or a port range, included). Pure.
 */
export function unlistenedDnat(o: Observation, ownerOf: (address: string) => Pick<LabHost, "name" | "spec"> | undefined): string | undefined {
  const target = sentOnTarget(o);
  const host = target && ownerOf(target.address);
  if (!target || !host || host.spec.listen.some(serves(target.spec))) return undefined;
  const listener = `${target.spec.protocol === "udp" ? "udp" : target.spec.protocol}/${target.spec.port}`;
  return `a DNAT sent it on to ${host.name} (${o.decision!.sentOnTo}), where no listener is declared on ${listener}: its kernel may have refused it, not a rule; declare it there (\`listen: [${listener}]\` on ${host.name}) so that only a rule can refuse it`;
}

/** The host a refused probe's DNAT sent it on to, and the port there, when that host declares a listener on it (deadListeners checks it). */
export function declaredDnatListener(o: Observation, ownerOf: (address: string) => LabHost | undefined): { readonly host: LabHost; readonly spec: ProbeSpec } | undefined {
  const target = sentOnTarget(o);
  const host = target && ownerOf(target.address);
  return target && host && host.spec.listen.some(serves(target.spec)) ? { host, spec: target.spec } : undefined;
}
