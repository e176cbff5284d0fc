import { describe, expect, test } from "vitest";
import { InputError } from "../errors.ts";
import { planScenario } from "../plan/plan.ts";
import { defineScenario } from "../scenario/load.ts";
import type { ScenarioInput } from "../scenario/schema.ts";
import { flowMatrix, flowTitle, matrixScenario } from "./matrix.ts";

const apply = { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } };
const scenario = (hosts: ScenarioInput["hosts"], extra: Partial<ScenarioInput> = {}) =>
  defineScenario({ name: "m", description: "d", hosts, steps: [apply, { expect: ["remote -> server:8080 dropped"] }], ...extra });

describe("the flow matrix", () => {
  test.each<[string, ReturnType<typeof scenario>, string[]]>([
    [
      "a firewall host: every peer to each listener, and its own loopback and address",
      scenario({ server: { firewall: true, listen: ["tcp/8080", "udp/5353", "http/3000"] }, remote: {} }),
      [
        "server -> localhost:8080/tcp", "server -> server:8080/tcp", "server -> localhost:5353/udp", "server -> server:5353/udp",
        "server -> localhost:3000/http", "server -> server:3000/http",
        "remote -> server:8080/tcp", "remote -> server:5353/udp", "remote -> server:3000/http",
      ],
    ],
    [
      "a host that is no firewall: peers only (its own loopback says nothing about rules)",
      scenario({ server: { firewall: true, listen: ["tcp/8080"] }, remote: {}, db: { listen: ["tcp/5432"] } }),
      ["server -> localhost:8080/tcp", "server -> server:8080/tcp", "server -> db:5432/tcp", "remote -> server:8080/tcp", "remote -> db:5432/tcp", "db -> server:8080/tcp"],
    ],
    [
      "networks: no shared network and no router, no flow",
      scenario({ server: { firewall: true, listen: ["tcp/8080"], networks: ["a"] }, remote: { networks: ["a"] }, far: { listen: ["tcp/22"], networks: ["b"] } }, { networks: ["a", "b"], steps: [apply, { expect: ["remote -> server:8080 dropped"] }] }),
      ["server -> localhost:8080/tcp", "server -> server:8080/tcp", "remote -> server:8080/tcp"],
    ],
    [
      "networks joined by a router: flows across it",
      scenario({ server: { firewall: true, listen: ["tcp/8080"], networks: ["a"] }, gw: { firewall: true, router: true, networks: ["a", "b"] }, far: { networks: ["b"] } }, { networks: ["a", "b"], steps: [apply, { expect: ["far -> server:8080 dropped"] }] }),
      ["server -> localhost:8080/tcp", "server -> server:8080/tcp", "gw -> server:8080/tcp", "far -> server:8080/tcp"],
    ],
  ])("%s", (_, s, flows) => {
    expect(flowMatrix(s).map(flowTitle)).toEqual(flows);
  });

  // The office gateway: wan 8080 is DNAT'd to web:80 on the LAN; no host listens on 8080, only the scenario's expectation names it.
  const gateway = (lines: string[], extra: Partial<ScenarioInput> = {}) => defineScenario({
    name: "gw", description: "d", family: "ipv4", networks: ["wan", "lan"],
    hosts: { gw: { firewall: true, router: true, networks: ["wan", "lan"], listen: ["tcp/22"] }, web: { networks: ["lan"], listen: ["tcp/80"] }, internet: { networks: ["wan"] } },
    steps: [{ apply: { host: "gw", commands: ["iptables -A INPUT -p tcp --dport 22 -j DROP"] } }, { expect: lines }],
    ...extra,
  });
  const withFamilies = (s: ReturnType<typeof gateway>) => flowMatrix(s, undefined, [s]).map((f) => `${flowTitle(f)} ${f.families.join("+")}`);
  const LISTENED = [
    "gw -> localhost:22/tcp ipv4+ipv6", "gw -> gw:22/tcp ipv4+ipv6", "gw -> web:80/tcp ipv4+ipv6",
    "web -> gw:22/tcp ipv4+ipv6", "internet -> gw:22/tcp ipv4+ipv6", "internet -> web:80/tcp ipv4+ipv6",
  ];

  test.each<[string, string[], string[]]>([
    ["a port served only through DNAT that an expectation names: probed, in the families the expectation probes", ["internet -> gw:8080 open answered-by web:80 seen-from internet"], [...LISTENED, "internet -> gw:8080/tcp ipv4"]],
    ["an expectation on a listener's flow: not twice", ["internet -> gw:22 dropped", "web -> gw:22/tcp6 open"], LISTENED],
    ["the same flow named in each family: one flow in both", ["internet -> gw:8080/tcp4 open answered-by web:80", "internet -> gw:8080/tcp6 open answered-by web:80", "internet -> gw:8080 open answered-by web:80"], [...LISTENED, "internet -> gw:8080/tcp ipv4+ipv6"]],
    ["the loopback of a host that is no firewall, when an expectation names it", ["web -> localhost:80 open"], [...LISTENED, "web -> localhost:80/tcp ipv4"]],
    ["an address target, a chosen source and a sweep are not matrix flows", ["internet -> 198.18.50.2:8080 open", "internet@198.18.50.100 -> gw:8081 open answered-by web:80", "internet -> gw:1000-1100 blocked"], LISTENED],
  ])("the scenario's own expectations: %s", (_, lines, flows) => {
    const s = gateway(lines, lines.some((e) => e.includes("@")) ? { hosts: { gw: { firewall: true, router: true, networks: ["wan", "lan"], listen: ["tcp/22"] }, web: { networks: ["lan"], listen: ["tcp/80"] }, internet: { networks: ["wan"], addresses: { wan: { ipv4: "198.18.50.100" } } } }, subnets: { wan: { ipv4: "198.18.50.0/24" } } } : {});
    expect(withFamilies(s)).toEqual(flows);
  });

  test("an expectation's flow is probed in its families only", () => {
    const s = gateway(["internet -> gw:8080 open answered-by web:80 seen-from internet"]);
    const last = planScenario(matrixScenario(s, flowMatrix(s, undefined, [s]))).steps.at(-1)!;
    const titles = last.kind === "expect" ? last.probes.map((p) => p.title) : [];
    expect(titles.filter((t) => t.includes(":8080"))).toEqual(["internet -> gw:8080/tcp [ipv4]"]);
    expect(titles).toHaveLength(LISTENED.length * 2 + 1);
  });

  test("record's matrix (no named scenarios): the listeners' flows only; over the limit, the counts say which flows are in one family", () => {
    const s = gateway(["internet -> gw:8080 open answered-by web:80 seen-from internet"]);
    expect(withFamilies(s)).toHaveLength(LISTENED.length + 1);
    expect(flowMatrix(s).map((f) => `${flowTitle(f)} ${f.families.join("+")}`)).toEqual(LISTENED);
    expect(() => flowMatrix(s, 12, [s])).toThrow("the flow matrix of gw has 13 probes (7 flows, 6 of them in both families: 3 hosts, 2 listeners), more than the limit of 12");
  });

  test("more probes than the limit is bad input naming the counts", () => {
    const s = scenario({ server: { firewall: true, listen: ["tcp/8080", "tcp/8081"] }, remote: {} });
    expect(flowMatrix(s, 12)).toHaveLength(6);
    expect(() => flowMatrix(s, 11)).toThrow(InputError);
    expect(() => flowMatrix(s, 11)).toThrow("the flow matrix of m has 12 probes (6 flows × 2 families: 2 hosts, 2 listeners), more than the limit of 11");
  });

  test("no listener anywhere is bad input", () => {
    const s = defineScenario({ name: "quiet", description: "d", hosts: { server: { firewall: true }, remote: {} }, steps: [{ apply: apply.apply }] });
    expect(() => flowMatrix(s)).toThrow(/no flow to probe/);
  });

  test("the matrix scenario: the set-up steps in order, checks left out, one expect step probing both families without parity probes", () => {
    const s = defineScenario({
      name: "m", description: "d", family: "ipv4",
      hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
      steps: [apply, { expect: ["remote -> server:8080 dropped"] }, { counters: [{ host: "server", rule: "-A INPUT -p tcp --dport 8080 -j DROP", packets: ">= 1" }] }, { run: { host: "server", command: "true" } }, { hold: { name: "s", from: "remote", to: "server", port: 8080 } }, { reboot: "server" }],
    });
    const m = matrixScenario(s, flowMatrix(s), "m [a]");
    expect(m.name).toBe("m [a]");
    expect(m.steps.map((x) => x.kind)).toEqual(["apply", "run", "hold", "reboot", "expect"]);
    const plan = planScenario(m);
    const last = plan.steps.at(-1)!;
    const probes = last.kind === "expect" ? last.probes : [];
    expect(probes.map((p) => p.title)).toEqual([
      "server -> localhost:8080/tcp [ipv4]", "server -> localhost:8080/tcp [ipv6]", "server -> server:8080/tcp [ipv4]", "server -> server:8080/tcp [ipv6]",
      "remote -> server:8080/tcp [ipv4]", "remote -> server:8080/tcp [ipv6]",
    ]);
    expect(probes.every((p) => p.parity === undefined)).toBe(true);
  });
});
