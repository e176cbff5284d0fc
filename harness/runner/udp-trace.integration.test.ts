/**
 * A UDP probe that gets no answer on a host the nftables trace watches is
 * decided from the trace of its own datagram (a DROP rule took it), not after
 * the 300 ms wait counters need (an echo comes from a process, and counters
 * cannot tell whose packet moved them); on a legacy host, which no trace
 * watches, counters still decide it. Answered and refused probes are as before.
 */
import { describe, expect, it } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

const rules = (tool: string) => [`${tool} -A INPUT -p udp --dport 5354 -j DROP`, `${tool} -A INPUT -p udp --dport 5355 -j REJECT`];

describe("UDP probes with no answer", () => {
  it("are decided from their own datagram's trace on an nft host, from counters on a legacy host; every verdict as expected", async () => {
    const listen = ["udp/5353", "udp/5354", "udp/5355"];
    const scenario = defineScenario({
      name: "udp by trace",
      description: "UDP open, dropped and refused on an nft host and a legacy host",
      hosts: { nftbox: { firewall: true, listen }, legbox: { firewall: true, backend: "legacy", listen }, client: {} },
      steps: [
        { apply: { host: "nftbox", commands: [...rules("iptables"), ...rules("ip6tables")] } },
        { apply: { host: "legbox", commands: [...rules("iptables"), ...rules("ip6tables")] } },
        {
          expect: [
            "client -> nftbox:5353/udp open",
            "client -> nftbox:5354/udp dropped",
            "client -> nftbox:5355/udp refused",
            "client -> legbox:5353/udp open",
            "client -> legbox:5354/udp dropped",
            "client -> legbox:5355/udp refused",
          ],
        },
      ],
    });
    const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
    const cells = report.scenarios[0]!.expectations;
    expect(cells.map((c) => `${c.text} ${c.family} ${c.status}`).filter((c) => !c.endsWith("passed"))).toEqual([]);
    expect(cells).toHaveLength(12);
    for (const c of cells.filter((x) => x.actual === "dropped")) {
      const words = c.text.includes("nftbox") ? /\(its trace\) took its first packet$/ : /\(\+1\) counted the packet$/;
      expect(c.reason, `${c.text} ${c.family}`).toMatch(words);
      expect(c.evidence.stoppedEarly, `${c.text} ${c.family}`).toMatch(/^stopped after \d+ ms: a DROP rule took its datagram/);
    }
  });
});
