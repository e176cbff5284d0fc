/**
 * A probe with no answer whose target let its first packet in but could not
 * send the answer: the target's neighbour entry for its way back (the prober
 * on their link, else the router toward it) stayed unresolved — a ruleset
 * that accepts neighbour solicitations but drops the prober's advertisements
 * (IPv6), or an nftables `arp` table (IPv4). Asked of the target with one
 * `ip neigh show` once the probe has ended; noted as fwspec-neighbour notes
 * it (`… at TARGET replying`, probes/neighbour.ts), and the entry emptied
 * (with the connections the prober left half-open there), so the next probe
 * starts its own lookup. Probes run side by side are not asked: an entry one
 * left would be taken for another's.
 */
import type { LabHost, RunningLab } from "../lab/types.ts";
import { hasNative } from "../rules/nft-read.ts";
import { neighbourState, unresolvedNeighbour } from "./neighbour.ts";
import { labPathHosts, pathRouter } from "./path-interfaces.ts";
import { type ProbeResult, probedHost } from "./probe.ts";

/** The address the target's answer goes to first (`prober`, its address as the target sees it, on a shared link; else the router's between them), or undefined (path not known). */
function wayBack(lab: RunningLab, target: LabHost, from: LabHost, prober: string, result: ProbeResult): string | undefined {
  if (from.networks.some((n) => target.networks.includes(n))) return prober;
  const router = pathRouter(labPathHosts(lab), result.spec);
  return router === undefined ? undefined : lab.addressFor(target, lab.host(router), result.spec.family);
}

/**
 * Only a firewall target is asked (only rules can keep it from its
 * neighbour), only over IPv6 unless it has native nftables rules (ARP passes
 * iptables), and only when no rule of the path took the first packet or
 * its answer (`taken`; a chain policy counts neighbour discovery too, so it
 * does not count).
 */
export async function replyNeighbourChecked(lab: RunningLab, result: ProbeResult, taken = false): Promise<ProbeResult> {
  // `unreachable` is an answer that came back: the target's way back does not explain it.
  if (taken || result.verdict !== "dropped" || unresolvedNeighbour(result.evidence.stderr)) return result;
  const target = probedHost(lab, result.spec);
  const from = lab.host(result.spec.from);
  if (!target || target === from || !target.spec.firewall || (result.spec.family === "ipv4" && !hasNative(target))) return result;
  const back = result.spec.source ?? lab.addressFor(target, from, result.spec.family);
  const hop = wayBack(lab, target, from, back, result);
  if (hop === undefined) return result;
  const flag = result.spec.family === "ipv4" ? "-4" : "-6";
  const shown = await target.exec(["ip", flag, "neigh", "show", "to", hop], { light: true, timeoutSeconds: 5 }).then((r) => (r.exitCode === 0 ? r.stdout : ""), () => "");
  const state = neighbourState(shown);
  if (state === undefined) return result;
  // Emptied, and the connections the prober left half-open there ended (their SYN-ACKs, resent for a minute, would
  // make the entry INCOMPLETE again and be taken for a later probe's answer).
  await Promise.all([
    target.exec(["ip", flag, "neigh", "flush", "to", hop], { light: true, timeoutSeconds: 5 }),
    result.spec.protocol === "udp" ? undefined : target.exec(["ss", "-K", "-H", "-t", "state", "syn-recv", "dst", back.includes(":") ? `[${back}]` : back], { light: true, timeoutSeconds: 5 }),
  ]).catch(() => undefined);
  const stderr = result.evidence.stderr;
  const note = `fwspec-probe: neighbour ${hop} unresolved (${state}) at ${target.name} replying\n`;
  const { refusal: _none, ...rest } = result;
  return {
    ...rest,
    verdict: "dropped",
    reason: `no answer: ${target.name} (its target) could not send its answer: its next hop ${hop} back stayed unresolved (neighbour entry ${state})`,
    evidence: { ...result.evidence, stderr: `${stderr}${stderr === "" || stderr.endsWith("\n") ? "" : "\n"}${note}` },
  };
}
