/**
 * What the scenario's own commands took from a probe's target after the
 * checks of the step that ran them (a process left in the background, a
 * `run` step's `ip addr del`): its listener, so the kernel refused the probe,
 * or the probed address, so nobody answered. Either way the firewall decided
 * nothing: the probe is an error naming what is gone, never a verdict that
 * could pass `refused`, `blocked` or `dropped` (tester 39a). Asked only of
 * hosts with such a probe: one `ss` per host with a refused probe of a
 * declared listener's port, one `ip` per host with a silent probe once the
 * scenario's commands may have changed addresses.
 */
import type { LabHost, RunningLab } from "../lab/types.ts";
import { sameAddress } from "../probes/answer.ts";
import { missingListeners } from "../probes/listeners.ts";
import type { Observation } from "../probes/observe.ts";
import { probedHost } from "../probes/probe.ts";

/** Each observation whose target lost its listener or address, with why (the error's reason). */
export async function vanishedTargets(lab: RunningLab, observations: readonly Observation[], addressesMayChange: boolean): Promise<Map<Observation, string>> {
  const out = new Map<Observation, string>();
  const byHost = (want: (o: Observation) => boolean) => {
    const m = new Map<LabHost, Observation[]>();
    for (const o of observations.filter(want)) {
      const host = probedHost(lab, o.result.spec);
      if (host) m.set(host, [...(m.get(host) ?? []), o]);
    }
    return m;
  };
  const listens = (host: LabHost, o: Observation) => host.spec.listen.some((l) => l.port === o.result.spec.port && (l.protocol === "udp") === (o.result.spec.protocol === "udp"));
  const refused = byHost((o) => o.result.verdict === "refused");
  const silent = addressesMayChange ? byHost((o) => o.result.verdict === "dropped" && o.result.spec.to.kind === "host") : new Map<LabHost, Observation[]>();
  await Promise.all([
    ...[...refused].map(async ([host, probes]) => {
      const mine = probes.filter((o) => listens(host, o));
      if (mine.length === 0) return;
      const missing = await missingListeners(host);
      for (const o of mine) {
        const gone = missing.find((l) => l.port === o.result.spec.port && (l.protocol === "udp") === (o.result.spec.protocol === "udp"));
        if (gone) out.set(o, `${host.name}'s listener ${gone.protocol}/${gone.port} no longer listens (a process a command of this scenario left running may have ended it): the refusal came from its kernel, not from a rule`);
      }
    }),
    ...[...silent].map(async ([host, probes]) => {
      const r = await host.exec(["ip", "-j", "addr", "show"], { light: true, timeoutSeconds: 5 });
      if (r.exitCode !== 0) return;
      const links = JSON.parse(r.stdout || "[]") as { readonly addr_info?: readonly { readonly local?: string }[] }[];
      const held = links.flatMap((l) => (l.addr_info ?? []).flatMap((a) => (a.local === undefined ? [] : [a.local])));
      for (const o of probes) {
        if (!held.some((a) => sameAddress(a, o.result.address))) out.set(o, `${host.name} no longer holds ${o.result.address} (a command of this scenario removed it): nothing could answer there, so its silence says nothing about the rules`);
      }
    }),
  ]);
  return out;
}

/** The observation as an error with `why` (what the probe saw stays in its evidence). */
export function asVanished(o: Observation, why: string): Observation {
  const { decision: _decision, policies: _policies, ...rest } = o;
  return { ...rest, result: { ...o.result, verdict: "error", reason: why }, decidedBy: [] };
}
