/** hostsOnPath (pure, table-driven): the firewall hosts whose rules can see a probe's packets, read and named. */
import { describe, expect, test } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import type { Expectation } from "../scenario/model.ts";
import { hostsOnPath } from "./plan.ts";

const routed = defineScenario({
  name: "routed",
  description: "a router between wan and lan, firewalls on both sides",
  networks: ["wan", "lan"],
  subnets: { lan: { ipv4: "198.18.2.0/24" } },
  hosts: {
    router: { firewall: true, router: true, networks: ["wan", "lan"], listen: ["tcp/22"] },
    web: { firewall: true, networks: ["lan"], listen: ["tcp/8080"], addresses: { lan: { ipv4: "198.18.2.10" } } },
    pc: { firewall: true, networks: ["lan"], listen: ["tcp/22"] },
    remote: { networks: ["wan"] },
    both: { firewall: true, networks: ["wan", "lan"], listen: ["tcp/22"] },
  },
  steps: [{ expect: ["pc -> web:8080 open", "remote -> web:8080 open", "pc -> localhost:22 open", "router -> web:8080 open", "remote -> both:22 open", "pc -> 198.18.2.10:8080 open"] }],
} as never);

const expectations = routed.steps.flatMap((s) => (s.kind === "expect" ? s.expectations : [])) as Expectation[];

describe("hostsOnPath", () => {
  test.each([
    ["pc -> web:8080 open", ["web", "pc"]],
    ["remote -> web:8080 open", ["router", "web"]],
    ["pc -> localhost:22 open", ["pc"]],
    ["router -> web:8080 open", ["router", "web"]],
    ["remote -> both:22 open", ["both"]],
    ["pc -> 198.18.2.10:8080 open", ["router", "web", "pc", "both"]],
  ])("%s: %j", (text, hosts) => {
    const e = expectations.find((x) => x.text === text)!;
    expect(hostsOnPath(routed, e).sort()).toEqual([...hosts].sort());
  });
});
