/** The plan (pure): families, filter, parity probes, held connections, lanes, and which scenarios share a lab. */
import { describe, expect, test } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import { declaresClash, defaultLabs, defaultSpread, labNameFor, needsFreshLab, planLabs, shareable } from "./labs.ts";
import { lanes, planScenario } from "./plan.ts";

const hosts = { server: { firewall: true, listen: ["tcp/8080", "tcp/3000"] }, remote: {} };
const scenario = defineScenario({
  name: "plan",
  description: "one of each",
  hosts,
  steps: [
    { expect: ["remote -> server:8080 open", "remote -> server:3000/tcp4 open"] },
    { hold: { name: "s", from: "remote", to: "server", port: 3000 } },
    { expect: ["held s open"] },
    { counters: [{ host: "server", rule: "-A INPUT -j DROP", packets: "== 0" }] },
  ],
});
const plain = (name: string, listen = ["tcp/8080"]) =>
  defineScenario({ name, description: "d", hosts: { server: { firewall: true, listen }, remote: {} }, steps: [{ expect: ["remote -> server:8080 open"] }] }, { file: `/x/${name}.yaml` });

describe("planScenario", () => {
  const plan = planScenario(scenario);
  const expect0 = plan.steps[0]!;
  test("an expectation of both families is two probes; a single-family one gets a parity probe in the other family's lane", () => {
    if (expect0.kind !== "expect") throw new Error("not an expect step");
    expect(expect0.probes.map((p) => [p.title, p.parity ?? "-", p.watch.join(",")])).toEqual([
      ["remote -> server:8080 open [ipv4]", "-", "server"],
      ["remote -> server:8080 open [ipv6]", "-", "server"],
      ["remote -> server:3000/tcp4 open [ipv4]", "ipv6", "server"],
    ]);
    expect([...lanes(expect0.probes)].map(([f, jobs]) => [f, jobs.map((j) => `${j.probe}:${j.role}`).join(" ")])).toEqual([
      ["ipv4", "0:main 2:main"],
      ["ipv6", "1:main 2:parity"],
    ]);
  });

  test("a flow stated for each family on its own gets no parity probe: the difference is written down (fwspec record writes such pairs)", () => {
    const pair = defineScenario({
      name: "pair",
      description: "both families stated apart",
      hosts,
      steps: [{ expect: ["remote -> server:8080/tcp4 open", "remote -> server:8080/tcp6 dropped", "remote -> server:3000/tcp4 open", "server -> localhost:3000/tcp6 open"] }],
    });
    const step = planScenario(pair).steps[0]!;
    if (step.kind !== "expect") throw new Error("not an expect step");
    expect(step.probes.map((p) => [p.title, p.parity ?? "-"])).toEqual([
      ["remote -> server:8080/tcp4 open [ipv4]", "-"],
      ["remote -> server:8080/tcp6 dropped [ipv6]", "-"],
      ["remote -> server:3000/tcp4 open [ipv4]", "ipv6"],
      ["server -> localhost:3000/tcp6 open [ipv6]", "ipv4"],
    ]);
    // `--family ipv6` leaves the /tcp4 line out, but its difference stays written down (tester 44b); an expectation of
    // both families narrowed to one keeps its parity probe (nothing else states the other family).
    const both = defineScenario({ name: "both", description: "d", hosts, steps: [{ expect: ["remote -> server:8080/tcp4 open", "remote -> server:8080/tcp6 dropped", "remote -> server:3000 open"] }] });
    const six = planScenario(both, { families: ["ipv6"] }).steps[0]!;
    if (six.kind !== "expect") throw new Error("not an expect step");
    expect(six.probes.map((p) => [p.title, p.parity ?? "-"])).toEqual([
      ["remote -> server:8080/tcp6 dropped [ipv6]", "-"],
      ["remote -> server:3000 open [ipv6]", "ipv4"],
    ]);
  });

  test("`parity: off` plans no parity probe (an IPv4-only network that says so)", () => {
    const off = defineScenario({ name: "off", description: "no parity", parity: "off", hosts, steps: [{ expect: ["remote -> server:3000/tcp4 open"] }] });
    const step = planScenario(off).steps[0]!;
    if (step.kind !== "expect") throw new Error("not an expect step");
    expect(step.probes.map((p) => [p.title, p.parity ?? "-"])).toEqual([["remote -> server:3000/tcp4 open [ipv4]", "-"]]);
  });

  test("a held expectation keeps its family, runs in its lane as a held check, and names the firewall hosts on its path (traced, not counted)", () => {
    const held = planScenario(scenario, { families: ["ipv6"] }).steps[2]!;
    if (held.kind !== "expect") throw new Error("not an expect step");
    expect(held.probes.map((p) => [p.family, p.parity ?? "-", p.watch.join(",")])).toEqual([["ipv4", "-", "server"]]);
    expect([...lanes(held.probes)]).toEqual([["ipv4", [{ probe: 0, role: "held" }]]]);
  });

  test.each([
    { options: {}, selected: 5 },
    // The /tcp4 line is left out: it fixes its family.
    { options: { families: ["ipv6" as const] }, selected: 3 },
    { options: { filter: /8080/ }, selected: 2 },
    // The counter check, and every probe before it whose packets it counts.
    { options: { filter: /counters|-A INPUT/ }, selected: 5 },
  ])("$options keeps $selected checks", ({ options, selected }) => {
    expect(planScenario(scenario, options).selected).toBe(selected);
  });

  test("a filter that keeps a counter check keeps the probes it counts (back to the last apply), and no others", () => {
    const counted = defineScenario({
      name: "counted",
      description: "two rounds",
      family: "ipv4",
      hosts,
      steps: [
        { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } },
        { expect: ["remote -> server:8080 dropped"] },
        { counters: [{ host: "server", rule: "-A INPUT -p tcp --dport 8080 -j DROP", packets: ">= 1" }] },
        { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 3000 -j DROP"] } },
        { expect: ["remote -> server:3000 dropped", "remote -> server:8080 dropped"] },
        { counters: [{ host: "server", rule: "-A INPUT -p tcp --dport 3000 -j DROP", packets: ">= 1" }] },
      ],
    });
    const titles = (filter: RegExp) => planScenario(counted, { filter }).steps.flatMap((p) => (p.kind === "expect" ? p.probes.map((x) => x.title) : p.kind === "counters" ? p.checks.map((c) => c.title) : []));
    expect(titles(/dport 3000 -j DROP/)).toEqual(["remote -> server:3000 dropped [ipv4]", "remote -> server:8080 dropped [ipv4]", "server rule \"-A INPUT -p tcp --dport 3000 -j DROP\": packets >= 1 [ipv4]"]);
    expect(titles(/8080 -j DROP": packets/)).toEqual(["remote -> server:8080 dropped [ipv4]", "server rule \"-A INPUT -p tcp --dport 8080 -j DROP\": packets >= 1 [ipv4]"]);
    // A probe alone brings no counter check along.
    expect(titles(/3000 dropped/)).toEqual(["remote -> server:3000 dropped [ipv4]"]);
  });

  test("an apply on another host in between does not reset the counted host: its probes still come along", () => {
    const twoHosts = { server: { firewall: true, listen: ["tcp/8080"] }, gw: { firewall: true }, remote: {} };
    const s = defineScenario({
      name: "across",
      description: "apply elsewhere",
      family: "ipv4",
      hosts: twoHosts,
      steps: [
        { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } },
        { expect: ["remote -> server:8080 dropped"] },
        { apply: { host: "gw", commands: ["iptables -A FORWARD -j ACCEPT"] } },
        { counters: [{ host: "server", rule: "-A INPUT -p tcp --dport 8080 -j DROP", packets: ">= 1" }] },
      ],
    });
    const kept = planScenario(s, { filter: /8080 -j DROP": packets/ }).steps.flatMap((p) => (p.kind === "expect" ? p.probes.map((x) => x.title) : []));
    expect(kept).toEqual(["remote -> server:8080 dropped [ipv4]"]);
  });

  test("the timeout override reaches every probe", () => {
    const p = planScenario(scenario, { timeoutSeconds: 7 });
    expect(p.timeoutSeconds).toBe(7);
    expect(p.steps[0]!.kind === "expect" && p.steps[0]!.probes.every((x) => x.spec.timeoutSeconds === 7)).toBe(true);
  });
});

describe("lab planning", () => {
  test("only apply/expect/counters/hold scenarios, and run steps that leave no state, share a lab", () => {
    expect(shareable(plain("a"))).toBe(true);
    // Held connections end with their scenario (runner/shared-lab.ts): nothing of them reaches the next.
    expect(shareable(scenario)).toBe(true);
    const withReboot = defineScenario({ name: "b", description: "d", hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} }, steps: [{ reboot: "server" }, { expect: ["remote -> server:8080 open"] }] });
    expect(shareable(withReboot)).toBe(false);
    const withRun = (command: string) => defineScenario({ name: "r", description: "d", hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} }, steps: [{ expect: ["remote -> server:8080 open"] }, { run: { host: "server", command } }] });
    expect(shareable(withRun("ip -6 neigh flush all"))).toBe(true);
    expect(shareable(withRun("iptables -S INPUT"))).toBe(true);
    // Counters shown on a firewall host: shareable (the handoff before it zeroes every counter, shared-lab.ts);
    // on another host, which no reset touches, not.
    expect(shareable(withRun("iptables -L INPUT -n -v -x"))).toBe(true);
    const onPeer = defineScenario({ name: "p", description: "d", hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} }, steps: [{ run: { host: "remote", command: "iptables -t nat -L -n -v" } }] });
    expect(shareable(onPeer)).toBe(false);
    expect(shareable(withRun("iptables -Z INPUT"))).toBe(false);
    expect(shareable(withRun("ip -6 addr add 2001:db8:1::7/128 dev eth0"))).toBe(false);
  });

  /** A scenario whose one step runs `command` on its firewall host of `backend`. */
  const on = (backend: "nft" | "legacy", command: string) =>
    defineScenario({ name: "c", description: "d", hosts: { server: { firewall: true, backend, listen: ["tcp/8080"] }, remote: {} }, steps: [{ run: { host: "server", command } }] });

  test("counters shown from tables of the host's other backend, which no handoff zeroes, keep the scenario off shared labs", () => {
    // The host's own backend (the iptables alternatives, or the variant named for it): restored by the handoff.
    expect(shareable(on("nft", "iptables -L INPUT -n -v"))).toBe(true);
    expect(shareable(on("nft", "iptables-nft -L INPUT -n -v"))).toBe(true);
    // A legacy host's listing makes the table it names (none at boot), which no reset removes: not shareable (legacyTableListing).
    expect(shareable(on("legacy", "iptables -L INPUT -n -v"))).toBe(false);
    expect(shareable(on("legacy", "ip6tables-legacy -L INPUT -n -v"))).toBe(false);
    expect(shareable(on("legacy", "iptables-save -c"))).toBe(true);
    // A legacy host's nftables tables (Docker's DNS rules, by iptables-nft) count on: no restore touches them.
    expect(shareable(on("legacy", "nft list ruleset"))).toBe(false);
    expect(shareable(on("legacy", "iptables-nft -t nat -L -n -v"))).toBe(false);
    // An nft host's legacy tables: an earlier scenario's listing creates one, which counts every packet from then on.
    expect(shareable(on("nft", "iptables-legacy -L INPUT -n -v -x"))).toBe(false);
    expect(shareable(on("nft", "ip6tables-legacy -nvL"))).toBe(false);
    // Without counters, either backend's listing reads only.
    expect(shareable(on("legacy", "nft -s list ruleset"))).toBe(true);
  });

  test("an apply with the legacy tools on an nft host keeps the scenario off shared labs: a legacy table, once made, cannot be removed", () => {
    const applying = (backend: "nft" | "legacy", source: Record<string, unknown>) =>
      defineScenario({ name: "a", description: "d", hosts: { server: { firewall: true, backend, listen: ["tcp/8080"] }, remote: {} }, steps: [{ apply: { host: "server", ...source } }, { expect: ["remote -> server:8080 dropped"] }] });
    expect(shareable(applying("nft", { commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] }))).toBe(true);
    expect(shareable(applying("nft", { commands: ["iptables-legacy -A INPUT -p tcp --dport 8080 -j DROP"] }))).toBe(false);
    expect(shareable(applying("nft", { commands: ["sh -c 'ip6tables-legacy -A INPUT -p tcp --dport 8080 -j DROP'"] }))).toBe(false);
    expect(shareable(applying("nft", { commands: ["iptables-legacy-restore --noflush /dev/null"] }))).toBe(false);
    // The legacy tools are a legacy host's own backend: its reset restores their tables.
    expect(shareable(applying("legacy", { commands: ["iptables-legacy -A INPUT -p tcp --dport 8080 -j DROP"] }))).toBe(true);
    expect(shareable(applying("nft", { commands: ["iptables -A INPUT -m comment --comment not-legacy -j ACCEPT"] }))).toBe(true);
  });

  test("an nft listing on an nft host needs a fresh lab: a used one's iptables tables, as its reset leaves them, list unlike a fresh lab's", () => {
    expect(needsFreshLab(on("nft", "nft list ruleset"))).toBe(true);
    expect(needsFreshLab(on("nft", "nft -s list table ip nat"))).toBe(true);
    expect(needsFreshLab(on("legacy", "nft -s list ruleset"))).toBe(false);
    expect(needsFreshLab(on("nft", "iptables -L -n -v"))).toBe(false);
    expect(needsFreshLab(on("nft", "iptables-save -c"))).toBe(false);
  });

  test("a legacy listing on an nft host makes a legacy table no reset removes: not shareable", () => {
    // Every later iptables -L / iptables-save there would print "# Warning: iptables-legacy tables present".
    expect(shareable(on("nft", "iptables-legacy -L INPUT -n"))).toBe(false);
    expect(shareable(on("nft", "ip6tables-legacy -S"))).toBe(false);
    // On a legacy host the listing makes the legacy table it names too: not shareable; an iptables-nft one makes none.
    expect(shareable(on("legacy", "iptables-legacy -L INPUT -n"))).toBe(false);
    expect(shareable(on("legacy", "iptables-nft -L INPUT -n"))).toBe(true);
    const onPeer = defineScenario({ name: "p", description: "d", hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} }, steps: [{ run: { host: "remote", command: "iptables-legacy -S" } }] });
    expect(shareable(onPeer)).toBe(false);
  });

  /** A scenario of hosts `server` (firewall) and `remote`, renamed and with listeners as given; `run: true` adds a run step (not shareable). */
  const shaped = (name: string, o: { server?: string; remote?: string; listen?: string[]; backend?: "nft" | "legacy"; subnet?: string; run?: boolean; command?: string } = {}) => {
    const server = o.server ?? "server";
    const remote = o.remote ?? "remote";
    return defineScenario(
      {
        name,
        description: "d",
        ...(o.subnet ? { subnets: { lan: { ipv4: o.subnet } } } : {}),
        // Written peer first: slots are canonical, not in the order written.
        hosts: { [remote]: {}, [server]: { firewall: true, listen: o.listen ?? ["tcp/8080"], ...(o.backend ? { backend: o.backend } : {}) } },
        steps: [{ expect: [`${remote} -> ${server}:${(o.listen?.[0] ?? "tcp/8080").replace(/^(\w+)\/(\d+)$/, "$2/$1").replace("/tcp", "")} open`] }, ...(o.run || o.command ? [{ run: { host: server, command: o.command ?? "conntrack -F" } }] : [])],
      },
      { file: `/x/${name}.yaml` },
    );
  };
  test.each([
    { case: "other host names, same shape: one lab", list: [shaped("a"), shaped("b", { server: "web", remote: "client" })], labs: 1, groups: [["a", "b"]] },
    { case: "other listeners, same shape: one lab", list: [shaped("a"), shaped("b", { listen: ["udp/53", "http/3000"] })], labs: 1, groups: [["a", "b"]] },
    { case: "another backend: another lab", list: [shaped("a"), shaped("b", { backend: "legacy" })], labs: 1, groups: [["a"], ["b"]] },
    { case: "other declared subnets: other labs", list: [shaped("a", { subnet: "198.18.7.0/24" }), shaped("b", { subnet: "198.18.8.0/24" }), shaped("c", { subnet: "198.18.7.0/24", server: "gw" })], labs: 1, groups: [["a", "c"], ["b"]] },
    { case: "a run step: last on a lab of its shape, after every shareable one", list: [shaped("r", { run: true }), shaped("a"), shaped("b", { server: "web" })], labs: 1, groups: [["a", "b", "r"]] },
    { case: "one not-shareable scenario per lab; the next gets its own", list: [shaped("a"), shaped("r1", { run: true }), shaped("r2", { run: true, remote: "peer" })], labs: 1, groups: [["a", "r1"], ["r2"]] },
    {
      case: "counters no handoff zeroes (a legacy host's nftables): its own fresh lab, not last on a used one",
      list: [shaped("a", { backend: "legacy" }), shaped("n", { backend: "legacy", command: "nft list ruleset" }), shaped("b", { backend: "legacy" })],
      labs: 1,
      groups: [["a", "b"], ["n"]],
    },
    { case: "counters the handoff zeroes: shared", list: [shaped("a", { backend: "legacy" }), shaped("v", { backend: "legacy", command: "iptables -L -n -v" })], labs: 1, groups: [["a", "v"]] },
    { case: "not shareable and no lab of its shape: its own", list: [shaped("a"), shaped("r", { run: true, backend: "legacy" })], labs: 1, groups: [["a"], ["r"]] },
    { case: "labs side by side: a group split, each part may end with one not shareable", list: [shaped("a"), shaped("b"), shaped("c"), shaped("r1", { run: true }), shaped("r2", { run: true })], labs: 4, groups: [["a", "c", "r2"], ["b", "r1"]] },
    { case: "two groups, three labs: the spare lab splits the larger group only (three labs, not four)", list: [shaped("y1", { backend: "legacy" }), shaped("x1"), shaped("x2"), shaped("x3"), shaped("y2", { backend: "legacy" })], labs: 3, groups: [["y1", "y2"], ["x1", "x3"], ["x2"]] },
    { case: "two groups of one size, three labs: the first written is split", list: [shaped("x1"), shaped("y1", { backend: "legacy" }), shaped("x2"), shaped("y2", { backend: "legacy" })], labs: 3, groups: [["x1"], ["x2"], ["y1", "y2"]] },
    { case: "the older cases: listeners and a held connection (shareable: in file order)", list: [plain("a"), plain("b"), plain("c", ["tcp/8080", "udp/53"]), scenario, plain("d")], labs: 1, groups: [["a", "b", "c", "plan", "d"]] },
  ])("$case", ({ list, labs, groups }) => {
    expect(planLabs(list, labs).map((g) => g.map((s) => s.name))).toEqual(groups);
  });

  const many = (prefix: string, n: number, o: Parameters<typeof shaped>[1] = {}) => Array.from({ length: n }, (_, i) => shaped(`${prefix}${i + 1}`, o));
  test.each([
    // Ten of one shape (estimated 1.5 s start, 10 probes, 9 handoffs: 3.7 s) against one of another (1.6 s): the ten
    // would run on alone long after the other; two parts end sooner (3.7 s), three would be four labs on three at a
    // time, one started after another's end (4.3 s).
    { case: "a group longer than its share of the run is split, though not asked to spread", list: [...many("x", 10), shaped("y", { backend: "legacy" })], labs: 3, groups: [["x1", "x3", "x5", "x7", "x9"], ["x2", "x4", "x6", "x8", "x10"], ["y"]] },
    { case: "groups within their share stay whole", list: [...many("x", 3), ...many("y", 3, { backend: "legacy" }), ...many("z", 3, { listen: ["tcp/8080"], subnet: "198.18.7.0/24" })], labs: 3, groups: [["x1", "x2", "x3"], ["y1", "y2", "y3"], ["z1", "z2", "z3"]] },
    { case: "no other work: nothing split (a run of one shape stays on one lab)", list: many("x", 10), labs: 3, groups: [[...many("x", 10).map((s) => s.name)]] },
    { case: "one lab at a time: nothing split", list: [...many("x", 10), shaped("y", { backend: "legacy" })], labs: 1, groups: [[...many("x", 10).map((s) => s.name)], ["y"]] },
    { case: "declared subnets: never split", list: [...many("x", 10, { subnet: "198.18.7.0/24" }), shaped("y", { backend: "legacy" })], labs: 3, groups: [[...many("x", 10).map((s) => s.name)], ["y"]] },
    { case: "the one not shareable goes last on the part with the least work", list: [...many("x", 5), shaped("r", { run: true }), shaped("y", { backend: "legacy" })], labs: 3, groups: [["x1", "x3", "x5"], ["x2", "x4", "r"], ["y"]] },
    // Split both, they would be four labs on three at a time: two parts one after the other on a slot, as long as a whole group.
    { case: "two groups of one size, three labs: not four labs", list: [...many("x", 10), ...many("y", 10, { backend: "legacy" })], labs: 3, groups: [many("x", 10).map((s) => s.name), many("y", 10).map((s) => s.name)] },
  ])("without spreading: $case", ({ list, labs, groups }) => {
    expect(planLabs(list, labs, { spread: false }).map((g) => g.map((s) => s.name))).toEqual(groups);
  });

  test("spread (--labs): two large groups of one size on three labs give three labs, not four (d5c4608)", () => {
    const list = [...many("x", 10), ...many("y", 10, { backend: "legacy" })];
    expect(planLabs(list, 3).map((g) => g.length)).toEqual([5, 5, 10]);
  });

  test.each([
    { spread: 3, sizes: [4, 3, 3] },
    { spread: 5, sizes: [2, 2, 2, 2, 2] },
    { spread: 0, sizes: [10] },
    { spread: 8, sizes: [2, 2, 2, 2, 2] },
  ])("spread across $spread labs with five at a time (--reuse: fewer warm labs than run at a time): $sizes", ({ spread, sizes }) => {
    expect(planLabs(many("x", 10), 5, { spread }).map((g) => g.length)).toEqual(sizes);
  });

  test("declared subnets and addresses are part of the topology; such a group is never split across labs", () => {
    const fixed = (name: string, address: string) =>
      defineScenario(
        { name, description: "d", subnets: { lan: { ipv4: "198.18.7.0/24" } }, hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: { addresses: { lan: { ipv4: address } } } }, steps: [{ expect: ["remote -> server:8080 open"] }] },
        { file: `/x/${name}.yaml` },
      );
    const list = [fixed("a", "198.18.7.10"), fixed("b", "198.18.7.10"), fixed("c", "198.18.7.11"), plain("d")];
    expect(planLabs(list, 4).map((g) => g.map((s) => s.name))).toEqual([["a", "b"], ["c"], ["d"]]);
  });

  test.each([
    { case: "no declared subnet: no clash", subnets: [undefined, "198.18.7.0/24"], clashes: [false, false] },
    { case: "other subnets: no clash", subnets: ["198.18.7.0/24", "198.18.8.0/24", undefined], clashes: [false, false, false] },
    { case: "overlapping subnets of two groups clash", subnets: ["198.18.7.0/24", "198.18.7.128/25", "198.18.9.0/24"], clashes: [true, true, false] },
  ])("declared subnets that clash between groups: $case", ({ subnets, clashes }) => {
    const groups = subnets.map((subnet, i) => [shaped(`g${i}`, subnet ? { subnet } : {})]);
    expect(groups.map((g) => declaresClash(g, groups))).toEqual(clashes);
  });

  test("a lab's name comes from its file name", () => {
    expect(labNameFor(plain("01-Localhost Only"))).toBe("localhost-only");
    expect(labNameFor(scenario)).toBe("inline");
  });
});

describe("labs at a time by default", () => {
  test.each([
    [1, 3],
    [2, 5],
    [4, 5],
    [10, 5],
    [12, 6],
    [16, 8],
    [64, 16],
  ])("%i core(s): %i", (cores, labs) => {
    expect(defaultLabs(cores)).toBe(labs);
  });
});

describe("labs a shape is spread across with --reuse by default", () => {
  test.each([
    [1, 3],
    [2, 3],
    [6, 3],
    [8, 4],
    [16, 8],
  ])("%i core(s): %i", (cores, labs) => {
    expect(defaultSpread(cores)).toBe(labs);
  });
});
