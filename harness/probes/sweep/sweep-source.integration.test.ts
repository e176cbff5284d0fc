/**
 * Sweeps from a chosen source address (`client@198.18.33.200 -> server:20-30
 * blocked except 22`), real containers: the rules admit or reset some ports
 * only for the client's extra address, so the sweep from that address and the
 * sweep from the client's own address must see different ports, each port as
 * a single probe bound to the same source sees it (TCP on both families, UDP
 * on IPv4), and the repro command names the source (nmap -S ADDRESS -e IFACE).
 */
import { describe, expect, it } from "vitest";
import type { ExpectationResult } from "../../model/results.ts";
import type { Family } from "../../model/types.ts";
import { plannedProbe } from "../../plan/plan.ts";
import { readRules } from "../../rules/read.ts";
import { defineScenario } from "../../scenario/load.ts";
import type { ApplyStep, ExpectStep } from "../../scenario/model.ts";
import { openSession } from "../../testing/session.ts";
import { observe } from "../observe.ts";
import { runSweep } from "./sweep.ts";

const EXTRA = { ipv4: "198.18.33.200", ipv6: "2001:db8:33::200" } as const;

function rules(family: Family): string[] {
  const c = family === "ipv4" ? "iptables" : "ip6tables";
  const extra = EXTRA[family];
  return [
    `${c} -A INPUT -i lo -j ACCEPT`,
    `${c} -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
    `${c} -A INPUT -p ${family === "ipv4" ? "icmp" : "ipv6-icmp"} -j ACCEPT`,
    `${c} -A INPUT -s ${extra} -p tcp --dport 22 -j ACCEPT`,
    `${c} -A INPUT -s ${extra} -p tcp --dport 23 -j REJECT --reject-with tcp-reset`,
    `${c} -A INPUT -p tcp --dport 24 -j REJECT --reject-with tcp-reset`,
    `${c} -A INPUT -s ${extra} -p udp --dport 53 -j ACCEPT`,
    `${c} -P INPUT DROP`,
  ];
}

describe("a sweep from a chosen source address", () => {
  it("leaves from that address: the firewall tells it from the host's own, port by port as single probes from it", async () => {
    const scenario = defineScenario({
      name: "sweep from a source",
      description: "ports admitted or reset only for the client's extra address",
      networks: ["lan"],
      subnets: { lan: { ipv4: "198.18.33.0/24", ipv6: "2001:db8:33::/64" } },
      hosts: {
        server: { firewall: true, listen: ["tcp/22", "udp/53"], addresses: { lan: { ipv4: "198.18.33.10", ipv6: "2001:db8:33::10" } } },
        client: { addresses: { lan: { ipv4: "198.18.33.20", ipv6: "2001:db8:33::20", extra: [EXTRA.ipv4, EXTRA.ipv6] } } },
      },
      steps: [
        { apply: { host: "server", commands: [...rules("ipv4"), ...rules("ipv6")] } },
        {
          expect: [
            `client@${EXTRA.ipv4} -> server:20-30 blocked except 22`,
            `client@[${EXTRA.ipv6}] -> server:20-30 blocked except 22`,
            "client -> server:20-30 blocked",
            `client@${EXTRA.ipv4} -> server:50-55/udp blocked except 53`,
            "client -> server:50-55/udp4 blocked",
          ],
        },
      ],
    });
    await using session = await openSession(scenario);
    await session.apply(scenario.steps[0] as ApplyStep, "apply");
    const server = session.lab.host("server");
    const digest = (await readRules(server)).loaded.digest;
    const to = { kind: "host" as const, host: "server" };

    // Port by port against single probes bound to the same source.
    for (const [family, protocol, ports] of [["ipv4", "tcp", [20, 21, 22, 23, 24, 25]], ["ipv6", "tcp", [20, 21, 22, 23, 24, 25]], ["ipv4", "udp", [52, 53, 54]]] as const) {
      const source = EXTRA[family];
      const sweep = await runSweep(session.lab, { from: "client", source, to, ports, protocol, family, timeoutSeconds: 2 }, { watch: ["server"], early: true });
      expect(sweep.command).toMatch(new RegExp(`nmap .*-S ${source.replace(/\./g, "\\.")} -e \\S+ `));
      const wrong: string[] = [];
      for (const port of ports) {
        const single = await observe(session.lab, { from: "client", source, to, port, protocol, family, timeoutSeconds: 2 }, { watch: ["server"], latest: new Map(), early: true });
        const f = sweep.findings.get(port);
        if (f?.verdict !== single.result.verdict) wrong.push(`${family} ${protocol} ${port}: sweep ${f?.verdict} (${f?.answer}: ${f?.evidence}), single ${single.result.verdict} (${single.result.reason})`);
      }
      expect(wrong).toEqual([]);
      if (protocol === "tcp") {
        expect(sweep.findings.get(22)!.outcome).toBe("open");
        expect(sweep.findings.get(23)!.rules).toEqual([expect.stringMatching(new RegExp(`-s ${source.replace(/\./g, "\\.")}(/(32|128))? .*--dport 23 -j REJECT`))]);
      } else {
        expect(sweep.findings.get(53)!.outcome).toBe("open");
      }
    }

    // Through the runner: every sweep passes, and the two sources see 22 and 23 differently.
    const expectations = (scenario.steps[1] as ExpectStep).expectations;
    const results = await session.probe(expectations.flatMap((e) => e.families.map((f) => plannedProbe(scenario, e, f))));
    const label = (r: ExpectationResult) => `${r.text} [${r.family}]`;
    const show = (r: ExpectationResult | undefined) => `${r && label(r)} ${r?.status}: ${r?.reason}; ${r?.sweep?.summary}; ${r?.sweep?.broken.map((b) => `${b.port} ${b.observed}: ${b.evidence}`).join(" | ")}`;
    for (const r of results) expect(r?.status, show(r)).toBe("passed");
    const summary = (title: RegExp) => results.find((r) => title.test(label(r)))?.sweep?.summary ?? "";
    expect(summary(/^client@198\.18\.33\.200 -> server:20-30 /)).toBe("20-30/tcp ipv4: 8 dropped, port 23 refused, port 24 refused, port 22 open");
    expect(summary(/^client -> server:20-30 .*\[ipv4\]/)).toMatch(/^20-30\/tcp ipv4: 10 dropped, port 24 refused$/);
    expect(summary(/^client@\[2001:db8:33::200\] -> server:20-30 /)).toBe("20-30/tcp ipv6: 8 dropped, port 23 refused, port 24 refused, port 22 open");
    expect(summary(/^client@198\.18\.33\.200 -> server:50-55\/udp /)).toMatch(/53 open/);
    expect(summary(/^client -> server:50-55\/udp4 /)).toMatch(/^50-55\/udp ipv4: 6 dropped$/);
    expect((await readRules(server)).loaded.digest).toBe(digest);
  }, 240_000);
});
