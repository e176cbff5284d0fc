/**
 * A UDP probe that gets no answer on a host the nftables trace watches is
 * decided from the trace of its own datagram (a DROP rule took it), not after
 * the 300 ms wait counters need (an echo comes from a process, and counters
 * cannot tell whose packet moved them); on a legacy host, which no trace
 * watches, counters still decide it, as on an nft host when the echo, not the
 * request, is dropped (the trace marks packets to the probe's destination
 * only). Answered and refused probes are as before.
 */
import { describe, expect, it } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

// 5356: the request is let in, its echo dropped on the way out, which the trace (marking packets to the probe's destination) does not show.
const rules = (tool: string) => [`${tool} -A INPUT -p udp --dport 5354 -j DROP`, `${tool} -A INPUT -p udp --dport 5355 -j REJECT`, `${tool} -A OUTPUT -p udp --sport 5356 -j DROP`];

describe("UDP probes with no answer", () => {
  it("are decided from their own datagram's trace on an nft host, from counters on a legacy host; every verdict as expected", async () => {
    const listen = ["udp/5353", "udp/5354", "udp/5355", "udp/5356"];
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
            "client -> nftbox:5356/udp dropped",
            "client -> legbox:5353/udp open",
            "client -> legbox:5354/udp dropped",
            "client -> legbox:5355/udp refused",
            "client -> legbox:5356/udp dropped",
          ],
        },
      ],
    });
    const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
    const cells = report.scenarios[0]!.expectations;
    expect(cells.map((c) => `${c.text} ${c.family} ${c.status}`).filter((c) => !c.endsWith("passed"))).toEqual([]);
    expect(cells).toHaveLength(16);
    for (const c of cells.filter((x) => x.actual === "dropped")) {
      // The echo dropped on its way out: not in the trace, so counters decide, on the nft host too (the decision: the OUTPUT DROP).
      const words = c.text.includes("nftbox:5354") ? /\(its trace\) took its first packet$/ : /\(\+1\) counted the packet$/;
      expect(c.reason, `${c.text} ${c.family}`).toMatch(words);
      // Stopped on that evidence, before its timeout (the echo's drop leaves the request's own decision an accept: the
      // counters name the OUTPUT DROP as taking the answer, on the nft host too, whose trace sees the request let in only).
      const echoDropped = new RegExp(`^stopped after \\d+ ms: a DROP rule \\(${c.to} OUTPUT: -A OUTPUT -p udp -m udp --sport 5356 -j DROP\\) took the answer on its way back`);
      expect(c.evidence.stoppedEarly, `${c.text} ${c.family}`).toMatch(c.text.includes(":5356/") ? echoDropped : /^stopped after \d+ ms: a DROP rule took its datagram/);
    }
  });
});
