/**
 * The deciding rule is the first packet's, not a retransmission's: with the
 * answer dropped on its way out (an output chain that lets only port 22's
 * answers leave), the client resends its SYN, and conntrack, having seen the
 * dropped SYN-ACK, calls the resent ones `established`. The trace of the first
 * SYN names the port rule that let it in; `ct state established` (which only
 * the resent SYNs met) must not be named — real containers and packets.
 */
import { expect, it } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

it("a SYN-ACK dropped in output: the SYN's own accept is named, not the established rule its retransmissions met", async () => {
  const scenario = defineScenario({
    name: "answer dropped in output",
    description: "output lets only port 22's answers leave",
    family: "ipv4",
    hosts: { server: { firewall: true, backend: "nft", listen: ["tcp/22", "tcp/8080"] }, remote: {} },
    steps: [
      { apply: { host: "server", commands: [
        "nft add table inet filter",
        "nft add chain inet filter input '{ type filter hook input priority 0; policy drop; }'",
        "nft add rule inet filter input ct state established,related accept",
        "nft add rule inet filter input tcp dport '{ 22, 8080 }' accept",
        "nft add chain inet filter output '{ type filter hook output priority 0; policy drop; }'",
        "nft add rule inet filter output tcp sport 22 accept",
      ] } },
      { expect: ["remote -> server:22 open", "remote -> server:8080 dropped"] },
    ],
  }, { baseDir: import.meta.dirname });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider(), timeoutSeconds: 3 });
  const rows = report.scenarios[0]!.expectations.map((e) => `${e.to}:${e.port} ${e.actual} ${e.decision?.source ?? "-"}: ${e.decision?.rule ?? "-"}`);
  expect(rows).toEqual([
    "server:22 open trace: tcp dport { 22, 8080 } accept",
    "server:8080 dropped trace: tcp dport { 22, 8080 } accept",
  ]);
}, 60_000);
