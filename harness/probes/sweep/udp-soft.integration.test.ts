/**
 * ICMP net and host unreachable (ICMPv6 no route, address unreachable) are
 * soft errors for UDP: Linux never reports them to a plain socket, so a UDP
 * client sees no reply, and a single probe reads `dropped`. A swept port
 * that got the same answer reads the same (it read `unreachable`: a tester
 * saw a sweep pass as unreachable where the single probe of that port
 * failed as dropped). Real containers and packets.
 */
import { expect, it } from "vitest";
import { run } from "../../api.ts";
import { defineScenario } from "../../scenario/load.ts";
import { testLabProvider } from "../../testing/session.ts";

it("a swept UDP port answered with a soft ICMP error reads dropped, as its single probe does; port unreachable still refused", async () => {
  const scenario = defineScenario({
    name: "UDP rejects a client never sees",
    description: "soft ICMP errors read as no reply, swept or probed alone",
    hosts: { server: { firewall: true, listen: ["udp/137", "udp/138", "udp/139"] }, client: {} },
    steps: [
      { apply: { host: "server", commands: [
        "iptables -A INPUT -p udp --dport 137 -j REJECT --reject-with icmp-host-unreachable",
        "iptables -A INPUT -p udp --dport 138 -j REJECT --reject-with icmp-net-unreachable",
        "iptables -A INPUT -p udp --dport 139 -j REJECT",
        "ip6tables -A INPUT -p udp --dport 137 -j REJECT --reject-with icmp6-addr-unreachable",
        "ip6tables -A INPUT -p udp --dport 138 -j REJECT --reject-with icmp6-no-route",
        "ip6tables -A INPUT -p udp --dport 139 -j REJECT",
      ] } },
      { expect: ["client -> server:137-138/udp dropped", "client -> server:137/udp dropped", "client -> server:138/udp dropped", "client -> server:139/udp refused"] },
    ],
  });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const s = report.scenarios[0]!;
  expect(s.status, JSON.stringify([s.errors, s.expectations.map((e) => `${e.text} ${e.family} ${e.actual} ${e.reason}`)])).toBe("passed");
  const swept = s.expectations.filter((e) => e.sweep);
  expect(swept).toHaveLength(2);
  for (const e of swept) expect(e.sweep?.counts, e.family).toEqual({ dropped: 2 });
});
