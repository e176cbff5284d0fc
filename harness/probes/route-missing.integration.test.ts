/**
 * A literal-address target the prober has no route to (two routers away:
 * lab hosts get routes to networks one router away only) never meets a
 * firewall: over IPv4 the packet goes to the engine's gateway, which nothing
 * answers (the next hop unresolved), over IPv6 the prober's own kernel has no
 * route. Either is an error naming the missing route, never a `dropped`
 * that holds whatever the rules say (a tester's vacuous pass).
 */
import { expect, it } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

it("a target no route leads to is an error, not dropped", async () => {
  const scenario = defineScenario({
    name: "a literal address two routers away",
    description: "no route: an error",
    networks: ["neta", "netb", "netc"],
    subnets: { neta: { ipv4: "198.18.80.0/24", ipv6: "2001:db8:80::/64" }, netb: { ipv4: "198.18.81.0/24", ipv6: "2001:db8:81::/64" }, netc: { ipv4: "198.18.82.0/24", ipv6: "2001:db8:82::/64" } },
    hosts: {
      r1: { firewall: true, router: true, networks: ["neta", "netb"] },
      r2: { firewall: true, router: true, networks: ["netb", "netc"] },
      ha: { networks: ["neta"] },
      hc: { networks: ["netc"], addresses: { netc: { ipv4: "198.18.82.10", ipv6: "2001:db8:82::10" } }, listen: ["tcp/22"] },
    },
    steps: [{ expect: ["ha -> 198.18.82.10:22 dropped", "ha -> [2001:db8:82::10]:22 dropped"] }],
  });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const results = report.scenarios[0]!.expectations;
  expect(results.map((e) => [e.family, e.actual])).toEqual([["ipv4", "error"], ["ipv6", "error"]]);
  expect(results[0]!.reason).toMatch(/^ha sent the probe's packet toward 198\.18\.80\.1, which no lab host holds .* the lab has no route from ha to 198\.18\.82\.10/);
  expect(results[1]!.reason).toMatch(/^ha has no route to 2001:db8:82::10 .*not even a default/);
});

it("a blackhole route a run step added is said as such, not as output not understood", async () => {
  const scenario = defineScenario({
    name: "a blackhole route",
    description: "the prober's own kernel refuses the connect",
    hosts: { client: {}, server: { listen: ["tcp/22"] } },
    steps: [
      { run: { host: "client", command: "ip route add blackhole {{ server.ipv4 }}/32" } },
      { expect: ["client -> server:22/tcp4 blocked"] },
    ],
  });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const e = report.scenarios[0]!.expectations[0]!;
  expect(e.actual).toBe("error");
  expect(e.reason).toMatch(/^client routes 198\.\S+ into a blackhole .* no firewall rule was tested$/);
});
