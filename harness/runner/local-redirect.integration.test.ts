/**
 * A host probing itself behind a local REDIRECT (nat OUTPUT), with real
 * packets: the packet leaves by lo, is rewritten to another local port and
 * comes back in at prerouting under a new trace id. The verdict names the
 * filter rule that took it there (INPUT on lo, DROP or ACCEPT) and the REDIRECT
 * as its rewrite, as for a remote probe (scenarios/nat/31), on an iptables-nft
 * host (both families: ip6tables-nft's REDIRECT prints no nft text) and in a
 * native nft output nat chain (`redirect to :N`); a dropped one is stopped
 * early on that evidence (rules/trace-loopback.ts). A nat OUTPUT DNAT of the
 * host's own packet to another host sends it out, not back in on lo: no
 * filter chain took it there (the output hook still shows `oif "lo"`); its
 * packet to another host that a REDIRECT (or a DNAT to its own address)
 * keeps on it comes back in on lo (the output hook still shows the route to
 * that host). A held connection's later packets pass no nat chain: bound for
 * the other host by their trace yet seen back in on lo, they decide nothing.
 */
import { describe, expect, it } from "vitest";
import { run } from "../api.ts";
import type { ExpectationResult } from "../model/results.ts";
import { decidedLine } from "../report/failure.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

const both = (rule: string) => [`iptables ${rule}`, `ip6tables ${rule}`];
const listen = ["tcp/8080", "tcp/8081", "tcp/9091"];
const scenario = defineScenario({
  name: "local redirect",
  description: "a host's own connection redirected by nat OUTPUT to another local port",
  hosts: {
    server: { firewall: true, listen },
    fw: { firewall: true, backend: "nft", listen },
    client: { listen: ["tcp/80", "tcp/81", "tcp/82", "tcp/83"] },
  },
  steps: [
    {
      apply: {
        host: "server",
        commands: [
          ...both("-t nat -A OUTPUT -p tcp --dport 8080 -j REDIRECT --to-ports 8081"),
          ...both("-t nat -A OUTPUT -p tcp --dport 9090 -j REDIRECT --to-ports 9091"),
          ...both("-t nat -A OUTPUT -p tcp --dport 81 -j REDIRECT --to-ports 8081"),
          ...both("-t nat -A OUTPUT -p tcp --dport 83 -j REDIRECT --to-ports 8080"),
          ...both("-A INPUT -i lo -p tcp --dport 8081 -j DROP"),
          ...both("-A INPUT -i lo -p tcp --dport 9091 -j ACCEPT"),
          "iptables -t nat -A OUTPUT -p tcp --dport 7070 -j DNAT --to-destination {{ client.ipv4 }}:80",
          "ip6tables -t nat -A OUTPUT -p tcp --dport 7070 -j DNAT --to-destination '[{{ client.ipv6 }}]:80'",
          "iptables -t nat -A OUTPUT -p tcp --dport 82 -j DNAT --to-destination {{ server.ipv4 }}:8081",
          "ip6tables -t nat -A OUTPUT -p tcp --dport 82 -j DNAT --to-destination '[{{ server.ipv6 }}]:8081'",
        ],
      },
    },
    {
      apply: {
        host: "fw",
        commands: [
          "nft add table inet lab",
          "nft add chain inet lab out '{ type nat hook output priority -100; policy accept; }'",
          "nft add chain inet lab input '{ type filter hook input priority 0; policy accept; }'",
          "nft add rule inet lab out tcp dport 8080 redirect to :8081",
          "nft add rule inet lab out tcp dport 9090 redirect to :9091",
          "nft add rule inet lab input iifname lo tcp dport 8081 drop",
          "nft add rule inet lab input iifname lo tcp dport 9091 accept",
        ],
      },
    },
    { hold: { name: "s4", from: "server", to: "client", port: 83, family: "ipv4" } },
    { hold: { name: "s6", from: "server", to: "client", port: 83, family: "ipv6" } },
    { apply: { host: "server", commands: both("-A INPUT -i lo -p tcp --dport 8080 -j DROP") } },
    {
      expect: [
        "server -> server:8080 dropped", "server -> server:9090 open answered-by server:9091", "server -> localhost:9090 open answered-by server:9091",
        "fw -> fw:8080 dropped", "fw -> localhost:9090 open answered-by fw:9091", "server -> server:7070 open answered-by client:80",
        "server -> client:81 dropped", "server -> client:82 dropped", "held s4 dropped", "held s6 dropped",
      ],
    },
  ],
}, { baseDir: import.meta.dirname });

describe("a local probe behind a nat OUTPUT REDIRECT", () => {
  it("names the filter rule on lo that took the redirected packet and the REDIRECT that rewrote it", async () => {
    const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider(), freshLabs: true });
    expect(report.summary.errors).toBe(0);
    const all = report.scenarios[0]!.expectations;
    const at = (text: string, family: string): ExpectationResult => all.find((e) => e.text === text && e.family === family)!;
    expect(all.map((e) => `${e.text} ${e.family} ${e.status}`).filter((s) => !s.endsWith(" passed"))).toEqual([]);
    // On a failure, what the check observed (its evidence, reason, counters, trace), not only that its decision is missing.
    const seen = (text: string, family: string) => `${text} ${family}: ${JSON.stringify(at(text, family), null, 1)}`;
    for (const family of ["ipv4", "ipv6"]) {
      const dropped = at("server -> server:8080 dropped", family);
      expect(dropped.decision, seen("server -> server:8080 dropped", family)).toMatchObject({ host: "server", table: "filter", path: ["INPUT"], rule: "-A INPUT -i lo -p tcp -m tcp --dport 8081 -j DROP", action: "drop", source: "trace" });
      expect(dropped.decision?.rewrites, family).toEqual([expect.stringMatching(/^nat OUTPUT: -A OUTPUT -p tcp -m tcp --dport 8080 -j REDIRECT --to-ports 8081 \[handle \d+\]/)]);
      expect(dropped.evidence.stoppedEarly, family).toMatch(/took its/);
      expect(decidedLine(dropped.decision!), family).toMatch(/rewritten by nat OUTPUT: .*REDIRECT --to-ports 8081/);
      for (const text of ["server -> server:9090 open answered-by server:9091", "server -> localhost:9090 open answered-by server:9091"]) {
        expect(at(text, family).decision, `${text} ${family}`).toMatchObject({ host: "server", table: "filter", path: ["INPUT"], rule: "-A INPUT -i lo -p tcp -m tcp --dport 9091 -j ACCEPT", action: "accept" });
        expect(at(text, family).decision?.rewrites, `${text} ${family}`).toEqual([expect.stringMatching(/^nat OUTPUT: -A OUTPUT -p tcp -m tcp --dport 9090 -j REDIRECT --to-ports 9091 \[handle \d+\]/)]);
      }
      // A DNAT of its own packet to another host: the output hook still shows oif "lo" (ip6 nat has no POSTROUTING line), nothing comes back.
      expect(at("server -> server:7070 open answered-by client:80", family).decision, family).toMatchObject({ host: "server", table: "none", rule: "no filter chain", action: "accept",
        rewrites: [expect.stringMatching(/^nat OUTPUT: -A OUTPUT -p tcp -m tcp --dport 7070 -j DNAT --to-destination \S+:80 \[handle \d+\]/)] });
      // Its own packet to another host kept on the host by the REDIRECT: the output hook still shows the route to that host (oif "eth0").
      expect(at("server -> client:81 dropped", family).decision, seen("server -> client:81 dropped", family)).toMatchObject({ host: "server", table: "filter", path: ["INPUT"], rule: "-A INPUT -i lo -p tcp -m tcp --dport 8081 -j DROP", action: "drop",
        rewrites: [expect.stringMatching(/^nat OUTPUT: -A OUTPUT -p tcp -m tcp --dport 81 -j REDIRECT --to-ports 8081 \[handle \d+\]/)] });
      // … or a DNAT to one of its own addresses.
      expect(at("server -> client:82 dropped", family).decision, seen("server -> client:82 dropped", family)).toMatchObject({ host: "server", table: "filter", path: ["INPUT"], rule: "-A INPUT -i lo -p tcp -m tcp --dport 8081 -j DROP", action: "drop",
        rewrites: [expect.stringMatching(/^nat OUTPUT: -A OUTPUT -p tcp -m tcp --dport 82 -j DNAT --to-destination \S+:8081 \[handle \d+\]/)] });
      // A held connection's data passes no nat chain (conntrack applies the REDIRECT): its trace shows client:83, yet it came back in on lo.
      expect(at(`held s${family.at(-1)} dropped`, family).decision, family).toBeUndefined();
      expect(at("fw -> fw:8080 dropped", family).decision, family).toMatchObject({ host: "fw", table: "inet lab", path: ["input"], rule: "iifname \"lo\" tcp dport 8081 drop", action: "drop", rewrites: [expect.stringMatching(/^inet lab out: tcp dport 8080 redirect to :8081 \[handle \d+\]/)] });
      expect(at("fw -> localhost:9090 open answered-by fw:9091", family).decision, family).toMatchObject({ host: "fw", table: "inet lab", rule: "iifname \"lo\" tcp dport 9091 accept", action: "accept", rewrites: [expect.stringMatching(/redirect to :9091/)] });
    }
  });
});
