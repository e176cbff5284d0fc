/**
 * A UDP probe is answered from the address it was sent to (docker/fwspec-udp-echo binds each address a host
 * holds; lab/prepare.ts starts the listeners again once the addresses are in place): a router's address on its
 * other network and a host's extra address, both families, with nothing filtering. A reply from a wildcard
 * socket left from the host's main address towards the prober, which the prober's connected socket dropped:
 * these probes read `dropped` before.
 */
import { describe, expect, it } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import type { ExpectStep } from "../scenario/model.ts";
import { openSession, probeEach } from "../testing/session.ts";

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
    const step = scenario.steps[0] as ExpectStep;
    const results = await probeEach(session, step.expectations.flatMap((expectation) => expectation.families.map((family) => ({ expectation, family }))));
    const cells = results.map((r) => `${r.text} [${r.family}] ${r.actual}${r.actual === "open" ? "" : ` (${r.reason})`}`);
    expect(cells.filter((c) => !c.endsWith(" open")), cells.join("\n")).toEqual([]);
    expect(results).toHaveLength(7);
  });
});
