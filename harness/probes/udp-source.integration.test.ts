/**
 * A UDP probe is answered from the address it was sent to (docker/fwspec-udp-echo binds each address a host
 * holds, again whenever the kernel announces an address change; lab/prepare.ts and a `run` step wait until it
 * has: fwspec-listen settled): a router's address on its other network, a host's extra address, an address a
 * scenario's own `run` step added, both families, with nothing filtering. A reply from a wildcard socket left
 * from the host's main address towards the prober, which the prober's connected socket dropped: these probes
 * read `dropped` before.
 */
import { describe, expect, it } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import type { ExpectStep, RunStep } from "../scenario/model.ts";
import type { ScenarioSession } from "../runner/session.ts";
import { openSession, probeEach } from "../testing/session.ts";

/** Each of the step's probes in each family: `<expectation> [<family>] <verdict>` (with the reason unless open). */
async function probeCells(session: ScenarioSession, step: ExpectStep): Promise<string[]> {
  const results = await probeEach(session, step.expectations.flatMap((expectation) => expectation.families.map((family) => ({ expectation, family }))));
  return results.map((r) => `${r.text} [${r.family}] ${r.actual}${r.actual === "open" ? "" : ` (${r.reason})`}`);
}

describe("UDP answers", () => {
  it("leave from the address probed: a router's other side, an extra address", async () => {
    const scenario = defineScenario({
      name: "udp answer source",
      description: "UDP and TCP to a router's far-side address and to an extra address",
      networks: ["lan", "dmz"],
      subnets: { lan: { ipv4: "198.18.91.0/24", ipv6: "2001:db8:91::/64" }, dmz: { ipv4: "198.18.92.0/24", ipv6: "2001:db8:92::/64" } },
      hosts: {
        client: { networks: ["lan"], addresses: { lan: { ipv4: "198.18.91.10", ipv6: "2001:db8:91::10" } } },
        router: {
          firewall: true,
          router: true,
          networks: ["lan", "dmz"],
          listen: ["udp/53", "tcp/8080"],
          addresses: { lan: { ipv4: "198.18.91.2", ipv6: "2001:db8:91::2", extra: ["198.18.91.99", "2001:db8:91::99"] }, dmz: { ipv4: "198.18.92.2", ipv6: "2001:db8:92::2" } },
        },
      },
      steps: [
        {
          expect: [
            "client -> 198.18.92.2:53/udp open",
            "client -> [2001:db8:92::2]:53/udp open",
            "client -> 198.18.91.99:53/udp open",
            "client -> [2001:db8:91::99]:53/udp open",
            "client -> router:53/udp open",
            "client -> 198.18.92.2:8080 open",
          ],
        },
      ],
    } as never);
    await using session = await openSession(scenario);
    const cells = await probeCells(session, scenario.steps[0] as ExpectStep);
    expect(cells.filter((c) => !c.endsWith(" open")), cells.join("\n")).toEqual([]);
    expect(cells).toHaveLength(7);
  });

  it("leave from an address a run step added after the listeners started", async () => {
    const scenario = defineScenario({
      name: "udp answer from an added address",
      description: "a run step adds an address of each family to the server, then UDP to each",
      networks: ["lan"],
      subnets: { lan: { ipv4: "198.18.93.0/24", ipv6: "2001:db8:93::/64" } },
      hosts: { client: { networks: ["lan"] }, server: { networks: ["lan"], listen: ["udp/53"] } },
      steps: [
        // nodad: the IPv6 address is usable at once (a tentative one answers nothing, whoever listens).
        { run: { host: "server", command: ["sh", "-c", "ip addr add 198.18.93.77/24 dev eth0 && ip -6 addr add 2001:db8:93::77/64 dev eth0 nodad"] } },
        { expect: ["client -> 198.18.93.77:53/udp open", "client -> [2001:db8:93::77]:53/udp open", "client -> server:53/udp open"] },
      ],
    } as never);
    await using session = await openSession(scenario);
    const ran = await session.run(scenario.steps[0] as RunStep, "add addresses");
    expect(ran.status, ran.message).toBe("passed");
    const cells = await probeCells(session, scenario.steps[1] as ExpectStep);
    expect(cells.filter((c) => !c.endsWith(" open")), cells.join("\n")).toEqual([]);
    expect(cells).toHaveLength(4);
  });
});
