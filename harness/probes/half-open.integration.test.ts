/**
 * A probe whose answer is dropped on its way back leaves its target holding
 * the connection half-open (SYN-RECV), and the target's kernel resends that
 * answer for about a minute. Each resend counts on the rule that drops it:
 * a later probe must not take that count for its own evidence (a UDP probe
 * was stopped early on a `tcp sport 6002` rule's resend, and named it as the
 * rule that decided). The half-open connection is ended once its probe has.
 */
import { join } from "node:path";
import { expect, it } from "vitest";
import { run } from "../api.ts";
import { PROJECT_ROOT } from "../env/images.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

it("does not take an earlier probe's resent answers for a later probe's evidence", async () => {
  const scenario = defineScenario({
    name: "answers dropped on their way out",
    description: "an earlier probe's resent SYN-ACK is not a later probe's evidence",
    family: "ipv4",
    hosts: { server: { firewall: true, backend: "nft", listen: ["tcp/6002", "udp/5353"] }, client: {} },
    steps: [
      { apply: { host: "server", nft: join(PROJECT_ROOT, "fixtures/trace/answer-dropped-out.nft") } },
      // The UDP probe has no counter to decide it: it waits out its 2 s, within which the 6002 SYN-ACK is resent.
      { expect: ["client -> server:6002 dropped", "client -> server:5353/udp dropped"] },
    ],
  });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const s = report.scenarios[0]!;
  expect(s.status).toBe("passed");
  const udp = s.expectations.find((e) => e.port === 5353)!;
  const evidence = JSON.stringify({ decidedBy: udp.decidedBy, stoppedEarly: udp.evidence.stoppedEarly, reason: udp.reason });
  expect(evidence).not.toMatch(/sport 6002/);
});

it("ends the half-open connection a DNAT left on the host behind the router, not only on the target probed", async () => {
  const scenario = defineScenario({
    name: "a port forward whose answers are dropped",
    description: "the backend's resent SYN-ACK is not a later probe's evidence",
    family: "ipv4",
    networks: ["lan", "dmz"],
    hosts: {
      client: { networks: ["lan"] },
      router: { firewall: true, router: true, backend: "nft", networks: ["lan", "dmz"], listen: ["tcp/80"] },
      backend: { networks: ["dmz"], listen: ["tcp/8080", "udp/5353"] },
    },
    steps: [
      {
        apply: {
          host: "router",
          commands: [
            "iptables -t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination {{ backend.ipv4 }}:8080",
            "iptables -A FORWARD -p tcp --sport 8080 -j DROP",
            // The UDP answer is dropped by a rule that counts nothing: the probe waits out its 2 s, across the resend.
            "nft add table inet quiet",
            "nft 'add chain inet quiet answers { type filter hook forward priority 10; }'",
            "nft add rule inet quiet answers udp sport 5353 drop",
          ],
        },
      },
      { expect: ["client -> router:80 dropped", "client -> backend:5353/udp dropped"] },
    ],
  });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const s = report.scenarios[0]!;
  expect(s.status, JSON.stringify([s.errors, s.steps.map((x) => x.message)])).toBe("passed");
  const udp = s.expectations.find((e) => e.port === 5353)!;
  expect(JSON.stringify({ decidedBy: udp.decidedBy, stoppedEarly: udp.evidence.stoppedEarly })).not.toMatch(/sport 8080/);
});

it("ends the half-open connection its target holds on another port of its own (a REDIRECT), not only on the port probed", async () => {
  const scenario = defineScenario({
    name: "a redirect whose answers are dropped",
    description: "the target's resent SYN-ACK from the redirected port is not a later probe's evidence",
    family: "ipv4",
    hosts: { server: { firewall: true, listen: ["tcp/7000", "tcp/8081", "udp/5353"] }, client: { firewall: true } },
    steps: [
      { apply: { host: "server", commands: ["iptables -t nat -A PREROUTING -p tcp --dport 7000 -j REDIRECT --to-ports 8081"] } },
      // The prober drops the answers from 7000 (the REDIRECT's reply, rewritten back); the UDP answer is dropped by a rule
      // that counts nothing, so that probe waits out its 2 s, across the SYN-ACK's first resend (1 s).
      { apply: { host: "client", commands: ["iptables -A INPUT -p tcp --sport 7000 -j DROP"] } },
      { apply: { host: "server", commands: ["nft add table inet quiet", "nft 'add chain inet quiet out { type filter hook output priority 10; }'", "nft add rule inet quiet out udp sport 5353 drop"] } },
      { expect: ["client -> server:7000 dropped", "client -> server:5353/udp dropped"] },
    ],
  });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const s = report.scenarios[0]!;
  expect(s.status, JSON.stringify([s.errors, s.steps.map((x) => x.message)])).toBe("passed");
  const udp = s.expectations.find((e) => e.port === 5353)!;
  expect(JSON.stringify({ decidedBy: udp.decidedBy, stoppedEarly: udp.evidence.stoppedEarly, reason: udp.reason })).not.toMatch(/sport 7000/);
});
