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
