/**
 * The dedicated check behind early verdicts: more than 1 000 probes to open,
 * refused, REJECTed and DROPped ports, TCP and UDP, IPv4 and IPv6, in a
 * shuffled order (seeded, printed), through the same probeAll the runner uses.
 * Every verdict must be the port's; nearly every dropped TCP probe must have
 * been decided early by its DROP rule (else this test would not be testing the
 * fast path). Half the probes run one after another (counters decide), half
 * side by side in steps where the trace attributes each packet to its probe. A probe whose packet was not yet counted when its grace ended
 * (a slow start under load) is waited out: same verdict, 2 s later. Sweeps
 * of mixed ranges (TCP 8079-8083: admitted, open, dropped, refused twice; UDP
 * 5353-5355) are mixed in at random places in both halves: each port must
 * come out as its single probes do.
 */
import { describe, expect, it } from "vitest";
import type { ExpectationResult } from "../model/results.ts";
import type { Family, Verdict } from "../model/types.ts";
import { defineScenario } from "../scenario/load.ts";
import type { ApplyStep, Expectation, ExpectStep, Scenario } from "../scenario/model.ts";
import { openSession, probeEach } from "../testing/session.ts";
import { seededRandom } from "../plan/order.ts";

const PORTS: readonly { readonly text: string; readonly verdict: Verdict; readonly weight: number }[] = [
  { text: "client -> server:8080 open", verdict: "open", weight: 6 },
  { text: "client -> server:8081 dropped", verdict: "dropped", weight: 6 },
  { text: "client -> server:8082 refused", verdict: "refused", weight: 3 }, // REJECT tcp-reset
  { text: "client -> server:8083 refused", verdict: "refused", weight: 3 }, // REJECT port-unreachable (IPv6: decided from the rule)
  { text: "server -> localhost:8081 open", verdict: "open", weight: 2 }, // the DROP is for peers only
  { text: "client -> server:5353/udp open", verdict: "open", weight: 1 },
  { text: "client -> server:5354/udp dropped", verdict: "dropped", weight: 1 },
  { text: "client -> server:5355/udp refused", verdict: "refused", weight: 1 }, // REJECT port-unreachable
];
const TOTAL = 1040;
/** Sweeps mixed in, with every port's outcome (8079: nothing listens and no rule, so admitted). */
const SWEEPS: readonly { readonly text: string; readonly counts: Readonly<Record<string, number>> }[] = [
  { text: "client -> server:8079-8083 blocked except 8079,8080", counts: { admitted: 1, open: 1, dropped: 1, refused: 2 } },
  { text: "client -> server:5353-5355/udp blocked except 5353", counts: { open: 1, dropped: 1, refused: 1 } },
];
const SWEEP_SHARE = 0.04;

function sortedCounts(counts: Readonly<Record<string, number | undefined>>): [string, number][] {
  return Object.entries(counts).filter((e): e is [string, number] => (e[1] ?? 0) > 0).sort(([a], [b]) => a.localeCompare(b));
}

describe("early verdicts", () => {
  it(`classify ${TOTAL} probes in mixed order with none wrong`, async () => {
    const scenario = defineScenario({
      name: "mixed probes",
      description: "open, refused, REJECTed and DROPped ports in one lab",
      hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/8081", "tcp/8082", "tcp/8083", "udp/5353", "udp/5354", "udp/5355"] }, client: {} },
      steps: [
        {
          apply: {
            host: "server",
            commands: [
              "iptables -A INPUT -i lo -j ACCEPT",
              "iptables -A INPUT -p tcp --dport 8081 -j DROP",
              "iptables -A INPUT -p tcp --dport 8082 -j REJECT --reject-with tcp-reset",
              "iptables -A INPUT -p tcp --dport 8083 -j REJECT",
              "iptables -A INPUT -p udp --dport 5354 -j DROP",
              "iptables -A INPUT -p udp --dport 5355 -j REJECT",
              "ip6tables -A INPUT -i lo -j ACCEPT",
              "ip6tables -A INPUT -p tcp --dport 8081 -j DROP",
              "ip6tables -A INPUT -p tcp --dport 8082 -j REJECT --reject-with tcp-reset",
              "ip6tables -A INPUT -p tcp --dport 8083 -j REJECT",
              "ip6tables -A INPUT -p udp --dport 5354 -j DROP",
              "ip6tables -A INPUT -p udp --dport 5355 -j REJECT",
            ],
          },
        },
        { expect: PORTS.map((p) => p.text) },
        // The same probes written as expected open: a probe expected answered may run side by side with others.
        { expect: PORTS.map((p) => p.text.replace(/ (open|dropped|refused)$/, " open")) },
        { expect: SWEEPS.map((w) => w.text) },
      ],
    });
    const seed = Number(process.env["FWSPEC_MIXED_SEED"] ?? Date.now() % 100_000);
    const random = seededRandom(seed);
    const expectations = (scenario.steps[1] as ExpectStep).expectations;
    const answered = (scenario.steps[2] as ExpectStep).expectations;
    const pool = PORTS.flatMap((p, i) => Array.from({ length: p.weight }, () => i));
    const items = Array.from({ length: TOTAL }, () => {
      const i = pool[Math.floor(random() * pool.length)]!;
      const family: Family = random() < 0.5 ? "ipv4" : "ipv6";
      return { expectation: expectations[i]!, family, expected: PORTS[i]!.verdict };
    });
    // Sweeps at random places of both halves (after item `at`), checked port by port apart from the probes.
    const sweepAt = new Map<number, { expectation: Expectation; family: Family; counts: Readonly<Record<string, number>>; text: string }>();
    for (let at = 0; at < TOTAL; at++) {
      if (random() >= SWEEP_SHARE) continue;
      const w = Math.floor(random() * SWEEPS.length);
      sweepAt.set(at, { expectation: (scenario.steps[3] as ExpectStep).expectations[w]!, family: random() < 0.5 ? "ipv4" : "ipv6", counts: SWEEPS[w]!.counts, text: SWEEPS[w]!.text });
    }

    await using session = await openSession(scenario, { parallel: true });
    await session.apply(scenario.steps[0] as ApplyStep, "apply");
    // The first half in one step: every port probed many times, so the trace cannot tell the probes apart and
    // they run one after another, decided from counters. The second half written as expected open (each
    // verdict is still checked against the port's own) in steps where each port and family is probed once: the
    // trace attributes every packet, a lane's probes run side by side (runner/batches.ts), and a probe without
    // an answer is decided from its own trace.
    const half = TOTAL / 2;
    type Item = { expectation: Expectation; family: Family };
    const withSweep = (item: Item, at: number): Item[] => (sweepAt.has(at) ? [item, sweepAt.get(at)!] : [item]);
    const steps: Item[][] = [items.slice(0, half).flatMap(withSweep)];
    for (const [k, original] of items.slice(half).entries()) {
      const item = { ...original, expectation: answered[expectations.indexOf(original.expectation)]! };
      const last = steps.length > 1 ? steps.at(-1)! : undefined;
      if (last && !last.some((o) => o.expectation === item.expectation && o.family === item.family)) last.push(...withSweep(item, half + k));
      else steps.push(withSweep(item, half + k));
    }
    const all: ExpectationResult[] = [];
    for (const step of steps) all.push(...(await probeEach(session, step)));
    const outcomes = all.filter((o) => o.sweep === undefined);
    const sweeps = all.filter((o) => o.sweep !== undefined);
    const wrongSweeps = sweeps
      .map((o, i) => ({ o, expected: [...sweepAt.values()][i]!.counts }))
      .filter(({ o, expected }) => o.status !== "passed" || JSON.stringify(sortedCounts(o.sweep!.counts)) !== JSON.stringify(sortedCounts(expected)))
      .map(({ o, expected }) => `${o.text} [${o.family}]: ${o.status}, ${o.sweep!.summary} (expected ${JSON.stringify(expected)}); ${o.sweep!.command}`);

    const wrong = outcomes
      .map((o, i) => ({ o, expected: items[i]!.expected }))
      .filter(({ o, expected }) => o.actual !== expected)
      .map(({ o, expected }) => `${o.text} [${o.family}]: ${o.actual} (${o.reason}), expected ${expected}; ${o.evidence.command}`);
    const table = new Map<string, number>();
    for (const [i, o] of outcomes.entries()) {
      const key = `${i < half ? "one by one" : "side by side"}: ${o.actual}${o.evidence.stoppedEarly ? " (early)" : ""}`;
      table.set(key, (table.get(key) ?? 0) + 1);
    }
    console.log(`seed ${seed} (FWSPEC_MIXED_SEED=${seed} replays this order): ${[...table].map(([k, n]) => `${k} ${n}`).join(", ")}`);
    console.log(`seed ${seed}: ${sweeps.length} sweeps mixed in, ${sweeps.length - wrongSweeps.length} with every port as its single probes say`);
    expect(outcomes).toHaveLength(TOTAL);
    expect(sweeps).toHaveLength(sweepAt.size);
    expect(sweeps.length).toBeGreaterThan(10);
    expect(wrong, `seed ${seed}`).toEqual([]);
    expect(wrongSweeps, `seed ${seed}`).toEqual([]);
    const tcpDropped = outcomes.filter((o) => o.actual === "dropped" && o.protocol === "tcp");
    for (const [mode, part] of [["one by one", outcomes.slice(0, half)], ["side by side", outcomes.slice(half)]] as const) {
      const dropped = part.filter((o) => o.actual === "dropped" && o.protocol === "tcp");
      expect(dropped.length, mode).toBeGreaterThan(50);
      const waited = dropped.filter((o) => !o.evidence.stoppedEarly);
      const afterSweep = waited.filter((o) => all[all.indexOf(o) - 1]?.sweep !== undefined).length;
      if (waited.length > 0) console.log(`${mode}: ${waited.length} of ${dropped.length} dropped TCP probe(s) waited out (${afterSweep} right after a sweep): ${waited.slice(0, 3).map((o) => `${o.text} [${o.family}]: ${o.reason} after ${o.evidence.durationMs} ms, counted by ${o.decidedBy.join(", ") || "no rule"}`).join("; ")}`);
    }
    // Waiting out a drop means no evidence was attributable: stray packets from another probe (a tool not
    // really stopped) or a start slower than the evidence window. Both were real bugs once; a few per cent is the budget.
    expect(tcpDropped.filter((o) => !o.evidence.stoppedEarly).length).toBeLessThanOrEqual(tcpDropped.length / 50);
    // Side by side, drops and rejects were decided early by their own trace; a lane's lone TCP probe in a step still runs on
    // counters, a lone UDP one is decided by its own datagram's trace (counters would first wait 300 ms for a slow echo).
    const byTrace = outcomes.slice(half).filter((o) => o.evidence.stoppedEarly && o.reason.includes("(its trace)"));
    expect(byTrace.length).toBeGreaterThan(50);
    const alone = outcomes.slice(0, half);
    expect(alone.filter((o) => o.protocol !== "udp" && o.reason.includes("(its trace)")).map((o) => `${o.text} [${o.family}]: ${o.reason}`)).toEqual([]);
    // A monitor lagging on a loaded machine leaves one to its counters (after their 300 ms), never to a wrong verdict: the budget as for TCP above.
    const udpDropped = alone.filter((o) => o.protocol === "udp" && o.actual === "dropped");
    expect(udpDropped.length).toBeGreaterThan(5);
    expect(udpDropped.filter((o) => o.reason.includes("(its trace)")).length).toBeGreaterThanOrEqual(udpDropped.length - Math.max(1, Math.floor(udpDropped.length / 50)));
    expect(new Set(outcomes.map((o) => o.actual))).toEqual(new Set(["open", "refused", "dropped"]));
  }, 600_000);
});

/** IPv6 TCP REJECT answers reach the prober as soft errors: the early verdict comes from --reject-with. */
const REJECTS = ["icmp6-port-unreachable", "tcp-reset", "icmp6-adm-prohibited", "icmp6-no-route", "icmp6-addr-unreachable"] as const;

describe("early REJECT verdicts over IPv6", () => {
  it("equal what the probe tool reports when it is waited out, for every --reject-with", async () => {
    const ports = REJECTS.map((_, i) => 8090 + i);
    const written = (verdict: string) => defineScenario({
      name: "reject types",
      description: "one REJECT type per port, IPv6",
      hosts: { server: { firewall: true, listen: ports.map((p) => `tcp/${p}`) }, client: {} },
      steps: [
        { apply: { host: "server", commands: REJECTS.map((r, i) => `ip6tables -A INPUT -p tcp --dport ${ports[i]} -j REJECT --reject-with ${r}`) } },
        { expect: ports.map((p) => `client -> server:${p}/tcp6 ${verdict}`) },
      ],
    });
    const scenario = written("blocked");
    // One after another: the counters' path (side by side, the trace decides; compared below).
    const observe = async (s: Scenario, decideEarly: boolean, parallel = false) => {
      await using session = await openSession(s, { decideEarly, parallel });
      await session.apply(s.steps[0] as ApplyStep, "apply");
      return await probeEach(session, (s.steps[1] as ExpectStep).expectations.map((expectation) => ({ expectation, family: "ipv6" as const })));
    };
    const [early, waited] = await Promise.all([observe(scenario, true), observe(scenario, false)]);
    // Written as expected open so they run side by side (batches.ts), after the others: a third lab at once would slow the first two.
    const traced = await observe(written("open"), true, true);
    const table = REJECTS.map((r, i) => ({ reject: r, early: early[i]!.actual, waited: waited[i]!.actual, traced: traced[i]!.actual }));
    console.log(table.map((t) => `${t.reject}: early ${t.early}, waited out ${t.waited}, side by side ${t.traced}`).join("; "));
    for (const t of table) expect(t.early, t.reject).toBe(t.waited);
    for (const t of table) expect(t.traced, t.reject).toBe(t.waited);
    expect(new Set(table.map((t) => t.waited))).toEqual(new Set(["refused", "unreachable"]));
    // The ICMPv6 answers are the ones decided early; tcp-reset is an RST and answers at once.
    for (const [i, r] of REJECTS.entries()) {
      if (r !== "tcp-reset") expect(early[i]!.evidence.stoppedEarly, r).toBeDefined();
      expect(waited[i]!.evidence.stoppedEarly, r).toBeUndefined();
    }
  }, 120_000);
});
