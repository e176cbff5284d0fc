/**
 * Sweeps against single probes, port by port, on a mixed range (open,
 * admitted with nothing listening, REJECT tcp-reset, REJECT port-unreachable,
 * REJECT admin-prohibited and host-prohibited / no-route, an explicit DROP
 * rule, the DROP policy) on both families: every port's verdict must equal the
 * single probe's, the admitted port must be told from the REJECTed one by
 * evidence, the sweep must leave the ruleset as it was, a failing sweep must
 * list exactly the ports that broke it, and rules iptables-save cannot show
 * (a native nft REJECT) must give "cannot tell", never a guess.
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

const FIRST = 8070;
const LAST = 8100;

function rules(family: Family): string[] {
  const c = family === "ipv4" ? "iptables" : "ip6tables";
  const v4 = family === "ipv4";
  return [
    `${c} -A INPUT -i lo -j ACCEPT`,
    `${c} -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT`,
    `${c} -A INPUT -p ${v4 ? "icmp" : "ipv6-icmp"} -j ACCEPT`,
    `${c} -A INPUT -p tcp -m multiport --dports 8080,8081,8087 -j ACCEPT`,
    `${c} -A INPUT -p tcp --dport 8082 -j REJECT --reject-with tcp-reset`,
    `${c} -A INPUT -p tcp --dport 8083 -j REJECT`,
    `${c} -A INPUT -p tcp --dport 8084 -j REJECT --reject-with ${v4 ? "icmp-admin-prohibited" : "icmp6-adm-prohibited"}`,
    `${c} -A INPUT -p tcp --dport 8085 -j REJECT --reject-with ${v4 ? "icmp-host-prohibited" : "icmp6-no-route"}`,
    `${c} -A INPUT -p tcp --dport 8086 -j DROP`,
    `${c} -A INPUT -p udp -m multiport --dports 5353,5356,5357 -j ACCEPT`,
    `${c} -A INPUT -p udp --dport 5354 -j DROP`,
    `${c} -A INPUT -p udp --dport 5355 -j REJECT`,
    // Ports nmap knows several payloads for (TFTP, NTP): each gets one datagram, or the REJECT's second count reads 69 as refused.
    `${c} -A INPUT -p udp --dport 69 -j ACCEPT`,
    `${c} -A INPUT -p udp --dport 123 -j REJECT`,
    `${c} -P INPUT DROP`,
  ];
}

/**
 * What each port is, by construction. A UDP sweep sends every port one empty datagram (no nmap payloads): a
 * listener must answer that, as a single probe's datagram is (the socat listener before did not, and the sweep said
 * something else than the single probe's `open`). 69 (TFTP) and 123 (NTP), for which nmap has several payloads, got
 * two datagrams each before: 69, admitted, read as refused.
 */
const OUTCOMES: Readonly<Record<number, string>> = { 8080: "open", 8081: "admitted", 8082: "refused", 8083: "refused", 8084: "unreachable", 8085: "unreachable", 8087: "open", 5353: "open", 5355: "refused", 5356: "admitted", 5357: "open", 69: "admitted", 123: "refused" };
const UDP = [69, 123, ...Array.from({ length: 11 }, (_, i) => 5350 + i)];

describe("sweeps", () => {
  it("classify every port of a mixed range as single probes do, on both families", async () => {
    const scenario = defineScenario({
      name: "sweep vs single probes",
      description: "a default-DROP host with open, admitted, REJECTed and DROPped ports",
      hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/8087", "udp/5353", "udp/5357"] }, client: {} },
      steps: [
        { apply: { host: "server", commands: [...rules("ipv4"), ...rules("ipv6")] } },
        { expect: [`client -> server:${FIRST}-${LAST} blocked except 8080,8081,8087`, `client -> server:${FIRST}-${LAST} dropped except 8080`] },
        // A native nft table (hooked before iptables) whose counted rule resets 8081; 8082, 8083 stay iptables' REJECTs.
        { apply: { host: "server", commands: ["nft add table inet counted", "nft 'add chain inet counted input { type filter hook input priority -20; }'", "nft add rule inet counted input tcp dport 8081 counter reject with tcp reset"] } },
        { expect: ["client -> server:8081-8083 refused"] },
      ],
    });
    await using session = await openSession(scenario);
    await session.apply(scenario.steps[0] as ApplyStep, "apply");
    const server = session.lab.host("server");
    const digest = (await readRules(server)).loaded.digest;
    const ports = Array.from({ length: LAST - FIRST + 1 }, (_, i) => FIRST + i);

    for (const [family, protocol, swept] of [["ipv4", "tcp", ports], ["ipv6", "tcp", ports], ["ipv4", "udp", UDP], ["ipv6", "udp", UDP]] as const) {
      const spec = { from: "client", to: { kind: "host" as const, host: "server" }, ports: swept, protocol, family, timeoutSeconds: 2 };
      const sweep = await runSweep(session.lab, spec, { watch: ["server"], early: true });
      const wrong: string[] = [];
      for (const port of swept) {
        const single = await observe(session.lab, { from: "client", to: spec.to, port, protocol, family, timeoutSeconds: 2 }, { watch: ["server"], latest: new Map(), early: true });
        const f = sweep.findings.get(port);
        if (f?.verdict !== single.result.verdict) wrong.push(`${family} ${port}: sweep ${f?.verdict} (${f?.answer}: ${f?.evidence}), single ${single.result.verdict} (${single.result.reason})`);
        const outcome = OUTCOMES[port] ?? "dropped";
        if (f?.outcome !== outcome) wrong.push(`${family} ${port}: outcome ${f?.outcome}, expected ${outcome} (${f?.evidence})`);
      }
      console.log(`${protocol} ${family}: ${sweep.durationMs} ms; ${sweep.notes.join("; ")}`);
      expect(wrong).toEqual([]);
      if (protocol === "udp") continue;
      // The deciding rule, per port: the explicit DROP for 8086, the policy for the rest; the REJECT for 8082.
      expect(sweep.findings.get(8086)!.rules).toEqual([expect.stringMatching(/#9 .*--dport 8086 -j DROP/)]);
      expect(sweep.findings.get(8090)!.rules).toEqual([expect.stringMatching(/policy DROP/)]);
      expect(sweep.findings.get(8082)!.rules).toEqual([expect.stringMatching(/--dport 8082 -j REJECT --reject-with tcp-reset/)]);
      expect(sweep.findings.get(8081)!.evidence).toMatch(/kernel/);
    }
    // Reading counters and sending packets changed no rule.
    expect((await readRules(server)).loaded.digest).toBe(digest);

    // Through the runner: one check per sweep and family; the failing one names exactly the ports that broke it.
    const [pass4, pass6, fail4, fail6] = await session.probe((scenario.steps[1] as ExpectStep).expectations.flatMap((e) => (["ipv4", "ipv6"] as const).map((f) => plannedProbe(scenario, e, f))));
    const show = (r: ExpectationResult | undefined) => `${r?.status}: ${r?.reason}; ${r?.sweep?.broken.map((b) => `${b.port} ${b.observed}: ${b.evidence}`).join(" | ")}`;
    for (const r of [pass4, pass6]) expect(r?.status, show(r)).toBe("passed");
    for (const r of [fail4, fail6]) {
      expect(r?.status, show(r)).toBe("failed");
      expect(r?.sweep?.broken.map((b) => b.port)).toEqual([8081, 8082, 8083, 8084, 8085, 8087]);
      expect(r?.sweep?.broken.every((b) => b.single !== undefined && b.repro.includes("nmap"))).toBe(true);
    }
    expect(pass4?.sweep?.summary).toMatch(/^8070-8100\/tcp ipv4: 24 dropped, /);
    expect(pass4?.sweep?.summary).toContain("port 8081 admitted (nothing listening)");
    expect((await readRules(server)).loaded.digest).toBe(digest);

    // A REJECT in a native nft table without counters: iptables-save cannot see it, so an RST there cannot be attributed.
    await server.run(["nft", "-f", "-"], "adding a native nft table", {
      stdin: "table inet native {\n chain input {\n  type filter hook input priority -10;\n  tcp dport 8090 reject with tcp reset\n }\n}\n",
    });
    const hidden = await runSweep(session.lab, { from: "client", to: { kind: "host", host: "server" }, ports: [8080, 8081, 8082, 8090, 8091], protocol: "tcp", family: "ipv4", timeoutSeconds: 2 }, { watch: ["server"], early: true });
    const outcome = (p: number) => hidden.findings.get(p)?.outcome;
    expect([8080, 8081, 8082, 8090, 8091].map(outcome), [...hidden.findings.values()].map((f) => `${f.port} ${f.outcome}: ${f.evidence}`).join("\n")).toEqual(["open", "undetermined", "refused", "undetermined", "dropped"]);
    expect(hidden.findings.get(8090)!.evidence).toMatch(/cannot tell.*native/);

    // A counted native `reject with tcp reset` sends the RST its port got: refused, by that rule, in one batch (was: read
    // as a port-unreachable REJECT, the batch split to single ports, the port `undetermined` and the sweep an error).
    await session.apply(scenario.steps[2] as ApplyStep, "apply");
    const refused = await session.probe((scenario.steps[3] as ExpectStep).expectations.flatMap((e) => (["ipv4", "ipv6"] as const).map((f) => plannedProbe(scenario, e, f))));
    for (const r of refused) {
      expect(r?.status, show(r)).toBe("passed");
      expect(r?.sweep?.summary).toMatch(/: port 8081 refused, port 8082 refused, port 8083 refused$/);
    }
    const counted = await runSweep(session.lab, { from: "client", to: { kind: "host", host: "server" }, ports: [8081, 8082, 8083], protocol: "tcp", family: "ipv4", timeoutSeconds: 2 }, { watch: ["server"], early: true });
    expect(counted.findings.get(8081)).toMatchObject({ outcome: "refused", rules: [expect.stringMatching(/inet counted input #1 tcp dport 8081 counter reject with tcp reset/)] });
    expect(counted.findings.get(8082)).toMatchObject({ outcome: "refused", rules: [expect.stringMatching(/--dport 8082 -j REJECT --reject-with tcp-reset/)] });
    // One batch, and one per RST port to tell which of the two reset rules took which.
    expect(counted.notes[0]).toBe("3 batch(es) of nmap");

    // A native table whose every reject counts hides no REJECT: an RST no rule counted is the kernel's (8081 admitted,
    // nothing listening), not "cannot tell" as for the counter-less table above.
    await server.run(["sh", "-c", "nft delete table inet native && nft flush chain inet counted input && nft add rule inet counted input tcp dport 8083 counter reject with tcp reset"], "keeping only counted native rejects");
    const visible = await runSweep(session.lab, { from: "client", to: { kind: "host", host: "server" }, ports: [8081, 8082, 8083], protocol: "tcp", family: "ipv4", timeoutSeconds: 2 }, { watch: ["server"], early: true });
    expect([8081, 8082, 8083].map((p) => visible.findings.get(p)?.outcome), [...visible.findings.values()].map((f) => `${f.port} ${f.outcome}: ${f.evidence}`).join("\n")).toEqual(["admitted", "refused", "refused"]);
    expect(visible.findings.get(8083)!.rules).toEqual([expect.stringMatching(/inet counted input #1 tcp dport 8083 counter reject with tcp reset/)]);

    // ICMPv6 dropped (neighbour discovery too, a real misconfiguration): the peers' kernels still hold each
    // other's neighbour entries from the warm-up, so single probes get through; the sweep must see the same,
    // not take the host for down because nmap's own neighbour-discovery ping got no answer.
    await server.run(["ip6tables", "-I", "INPUT", "1", "-p", "ipv6-icmp", "-j", "DROP"], "dropping ICMPv6");
    const to = { kind: "host" as const, host: "server" };
    const noNd = await runSweep(session.lab, { from: "client", to, ports: [8080, 8086], protocol: "tcp", family: "ipv6", timeoutSeconds: 2 }, { watch: ["server"], early: true });
    const single = await observe(session.lab, { from: "client", to, port: 8080, protocol: "tcp", family: "ipv6", timeoutSeconds: 2 }, { watch: ["server"], latest: new Map(), early: true });
    expect(single.result.verdict).toBe("open");
    expect([8080, 8086].map((p) => noNd.findings.get(p)?.verdict)).toEqual(["open", "dropped"]);
  }, 240_000);
});
