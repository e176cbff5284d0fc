/**
 * NAT on a router, with real packets: DNAT (port forwarding), MASQUERADE and
 * REDIRECT with iptables `-t nat` on both families, judged by who answered and
 * which source the server saw (`answered-by`, `seen-from`), counter checks on
 * nat-table rules; all scenarios on one shared lab, as `fwspec run` runs them.
 * And the reset between scenarios: a NAT mapping that traffic keeps alive
 * through the reset must not survive it.
 */
import { describe, expect, it } from "vitest";
import type { ExpectationResult } from "../model/results.ts";
import { planScenario } from "../plan/plan.ts";
import { parseAnswer } from "../probes/answer.ts";
import type { Progress } from "../progress.ts";
import { defineScenario } from "../scenario/load.ts";
import type { ApplyStep } from "../scenario/model.ts";
import { testLabProvider } from "../testing/session.ts";
import { runScenarioSet } from "./run-set.ts";
import { ScenarioSession } from "./session.ts";
import { SharedLab } from "./shared-lab.ts";

const hosts = {
  client: { networks: ["lan"] },
  router: { firewall: true, router: true, networks: ["lan", "dmz"], listen: ["tcp/80", "tcp/8080", "udp/53"] },
  backend: { networks: ["dmz"], listen: ["tcp/8080", "udp/5353", "http/3000"] },
};

function scenario(name: string, steps: unknown[]) {
  return defineScenario({ name, description: `NAT: ${name}`, networks: ["lan", "dmz"], hosts, steps } as never);
}

/** Both families' rule for one iptables line with `{{ backend.FAMILY }}` in it. */
function both(rule: string): string[] {
  return [`iptables ${rule.replaceAll("FAMILY", "ipv4").replace(/\[(\{\{[^}]+\}\})\]/g, "$1")}`, `ip6tables ${rule.replaceAll("FAMILY", "ipv6")}`];
}

const DNAT = [
  ...both("-t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination '[{{ backend.FAMILY }}]:8080'"),
  ...both("-t nat -A PREROUTING -p udp --dport 53 -j DNAT --to-destination '[{{ backend.FAMILY }}]:5353'"),
  ...both("-t nat -A PREROUTING -p tcp --dport 81 -j DNAT --to-destination '[{{ backend.FAMILY }}]:3000'"),
];
const MASQUERADE = [...both("-t nat -A POSTROUTING -d {{ dmz.FAMILY }} -j MASQUERADE")];
const REDIRECT = [...both("-t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080")];

const cells = (rs: readonly ExpectationResult[]) => rs.map((r) => `${r.text} [${r.family}] ${r.status}${r.explanation ? ` (${r.explanation})` : ""}`);

describe("NAT on a router (iptables -t nat, both families)", () => {
  it("DNAT reaches the backend, MASQUERADE shows the router as source, REDIRECT stays on the router; the next scenario sees none of it", async () => {
    const lines: string[] = [];
    const progress: Progress = { step: (m) => void lines.push(m), info: (m) => void lines.push(m) };
    const scenarios = [
      scenario("dnat and masquerade", [
        { expect: ["client -> router:80 open answered-by router seen-from client"] },
        { apply: { host: "router", commands: DNAT } },
        {
          expect: [
            "client -> router:80 open answered-by backend:8080 seen-from client",
            "client -> router:53/udp open answered-by backend:5353 seen-from client",
            "client -> router:81/http open answered-by backend:3000 seen-from client",
            "client -> router:8080 open answered-by router",
            // must fail: the router no longer answers its port 80
            "client -> router:80 open answered-by router",
          ],
        },
        { apply: { host: "router", commands: MASQUERADE } },
        {
          expect: [
            "client -> router:80 open answered-by backend:8080 seen-from router",
            "client -> router:53/udp open answered-by backend:5353 seen-from router",
            "client -> router:81/http open answered-by backend:3000 seen-from router",
            // must fail: the backend sees the router now
            "client -> router:80 open seen-from client",
          ],
        },
      ]),
      scenario("redirect", [
        { apply: { host: "router", commands: REDIRECT } },
        { expect: ["client -> router:80 open answered-by router:8080 seen-from client"] },
        { counters: [{ host: "router", rule: "-t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 8080", family: "both", packets: ">= 1" }] },
      ]),
      scenario("after nat", [{ expect: ["client -> router:80 open answered-by router seen-from client", "client -> router:53/udp open answered-by router"] }]),
    ];
    const reports = await runScenarioSet(scenarios.map((s) => planScenario(s)), { provider: await testLabProvider(), progress, labs: 1 });
    const [nat, redirect, after] = reports;
    expect(lines.filter((l) => /lab\(s\)/.test(l))).toEqual([expect.stringMatching(/on 1 lab\(s\)/)]);
    expect(nat!.errors).toEqual([]);
    const failed = nat!.expectations.filter((r) => r.status !== "passed");
    expect(failed.map((r) => `${r.text} [${r.family}]`).sort(), cells(nat!.expectations).join("\n")).toEqual(
      ["client -> router:80 open answered-by router [ipv4]", "client -> router:80 open answered-by router [ipv6]", "client -> router:80 open seen-from client [ipv4]", "client -> router:80 open seen-from client [ipv6]"],
    );
    expect(failed.map((r) => r.answerMismatch)).toEqual([
      expect.stringMatching(/^answered by backend:8080, not router:80$/),
      expect.stringMatching(/^answered by backend:8080, not router:80$/),
      expect.stringMatching(/^backend saw the source \S+ \(router\), not client's ipv4 address/),
      expect.stringMatching(/^backend saw the source \S+ \(router\), not client's ipv6 address/),
    ]);
    // A UDP probe reads exactly the echo and the padded identity line: socat ends on that count, not on its timeout.
    const udp = nat!.expectations.filter((r) => r.protocol === "udp" && r.actual === "open");
    expect(udp.length).toBeGreaterThan(0);
    for (const r of udp) expect(r.evidence.stdout.length, r.evidence.command).toBe(Number(/readbytes=(\d+)/.exec(r.evidence.command)![1]));
    // every open probe names who answered
    expect(nat!.expectations.every((r) => r.actual !== "open" || /^\S+:\d+ saw \S+ \(\w+\)$/.test(r.answer ?? "")), cells(nat!.expectations).join("\n")).toBe(true);
    expect(redirect!.status, cells(redirect!.expectations).join("\n") + JSON.stringify(redirect!.counters)).toBe("passed");
    expect(redirect!.counters.map((c) => `${c.family} ${c.status}`)).toEqual(["ipv4 passed", "ipv6 passed"]);
    expect(after!.status, cells(after!.expectations).join("\n")).toBe("passed");
    expect(after!.expectations).toHaveLength(4);
  });
});

/** The same UDP port forwarding in a native nftables table (reset by deleting the table, after the rules reset). */
const NFT_DNAT = [
  "nft add table ip fwspec_nat",
  "nft add chain ip fwspec_nat pre '{ type nat hook prerouting priority -100; }'",
  "nft add rule ip fwspec_nat pre udp dport 53 dnat to {{ backend.ipv4 }}:5353",
];

const SENDER = `mkfifo /tmp/tick 2>/dev/null
setsid bash -c 'echo $$ > /tmp/keep.pid; exec 9<>/tmp/tick; while :; do echo x; read -r -t 0.003 -u 9 _; done | socat -u - "$1"' keep "$1" </dev/null >/dev/null 2>&1 &
sleep 0.2`;

describe("NAT state and the shared-lab reset", () => {
  it.each([
    { how: "iptables -t nat", commands: DNAT },
    { how: "a native nft table", commands: NFT_DNAT },
  ])("a DNAT mapping ($how) kept alive by traffic during the reset does not survive into the next scenario", async ({ commands }) => {
    const dnat = scenario("dnat kept alive", [{ apply: { host: "router", commands } }]);
    const next = scenario("next", [{ expect: ["client -> router:53/udp open answered-by router"] }]);
    await using shared = await SharedLab.start(await testLabProvider(), dnat, `nat-leak-${commands === DNAT ? "ipt" : "nft"}`);
    const client = shared.lab.host("client");
    const router = shared.lab.addressFor(client, shared.lab.host("router"), "ipv4");
    // One datagram from the fixed source port 40000 to router:53; the answer's identity line says who got it.
    const send = ["socat", "-t", "1", "-T", "1", "-", `UDP:${router}:53,sourceport=40000,reuseaddr`];
    const whoAnswers = async (when: string) => {
      const r = await client.exec(["timeout", "5", "sh", "-c", 'printf x | exec "$@"', "send", ...send]);
      return parseAnswer("udp", r)?.host ?? `${when}: no answer (exit ${r.exitCode}): ${r.stdout} ${r.stderr}`;
    };
    {
      await using s = new ScenarioSession(dnat, await shared.lease(dnat));
      await s.apply(dnat.steps[0] as ApplyStep, "apply");
      expect(await whoAnswers("before the reset")).toBe("backend");
    }
    // A sender on that source port keeps the mapping busy while the next scenario's reset runs:
    // one socat, a datagram every 3 ms (bash's read -t on a fifo is a sleep without a process).
    await client.run(["sh", "-c", SENDER, "keep", send.at(-1)!], "starting the sender");
    const backend = shared.lab.addressFor(shared.lab.host("router"), shared.lab.host("backend"), "ipv4");
    const mapped = await shared.lab.host("router").run(["conntrack", "-L", "-p", "udp", "--orig-port-src", "40000"], "reading conntrack");
    expect(mapped.stdout, "the sender's flow is forwarded to the backend before the reset").toContain(`src=${backend} dst=`);
    await shared.lease(next);
    await client.run(["sh", "-c", 'kill -KILL -- -"$(cat /tmp/keep.pid)"; sleep 0.2; ! kill -0 -- -"$(cat /tmp/keep.pid)" 2>/dev/null'], "stopping the sender");
    expect(await whoAnswers("after the reset")).toBe("router");
  });
});

describe("Docker's embedded DNS and the nat table", () => {
  it("a scenario that flushes nat breaks name resolution in the host; the reset puts Docker's DNS rules back (it never flushes nat)", async () => {
    const flush = scenario("flush nat", [{ apply: { host: "router", commands: ["iptables -t nat -F"] } }]);
    const next = scenario("next", [{ expect: ["client -> router:80 open answered-by router"] }]);
    await using shared = await SharedLab.start(await testLabProvider(), flush, "nat-dns");
    const router = shared.lab.host("router");
    // The backend's container name, which Docker's embedded DNS (127.0.0.11, DNAT rules in nat) resolves.
    const name = /docker exec (\S+) /.exec(shared.lab.host("backend").repro(["true"]))![1]!;
    const resolves = async () => (await router.exec(["timeout", "3", "getent", "hosts", name])).exitCode === 0;
    expect(await resolves(), "resolves at boot").toBe(true);
    {
      await using s = new ScenarioSession(flush, await shared.lease(flush));
      await s.apply(flush.steps[0] as ApplyStep, "apply");
      expect(await resolves(), "resolves after iptables -t nat -F").toBe(false);
    }
    await shared.lease(next);
    expect((await router.run(["iptables", "-t", "nat", "-S"], "reading nat")).stdout).toContain("DOCKER_OUTPUT");
    expect(await resolves(), "resolves after the reset").toBe(true);
  });
});

describe("a port forward used from its own network (hairpin NAT)", () => {
  it("without a SNAT the target answers the prober directly: dropped, said as such, no chain named for the answer; with a masquerade open (tester 44b)", async () => {
    const { run } = await import("../api.ts");
    const forward = "iptables -t nat -A PREROUTING -i lan0 -p tcp --dport 8080 -j DNAT --to-destination {{ nas.ipv4 }}:80";
    const hairpin = defineScenario({
      name: "hairpin", description: "the laptop uses the router's port forward to a server on its own network", family: "ipv4", networks: ["lan", "wan"],
      hosts: { gw: { firewall: true, router: true, networks: ["lan", "wan"], interfaces: { lan: "lan0", wan: "wan0" }, listen: ["tcp/8080"] }, laptop: { networks: ["lan"] }, nas: { networks: ["lan"], listen: ["tcp/80"] } },
      steps: [
        { apply: { host: "gw", commands: [forward] } },
        { expect: ["laptop -> gw:8080 open answered-by nas:80"] },
        { apply: { host: "gw", commands: ["iptables -t nat -A POSTROUTING -o lan0 -s {{ laptop.lan.ipv4 }} -d {{ nas.ipv4 }} -j MASQUERADE"] } },
        { expect: ["laptop -> gw:8080 open answered-by nas:80 seen-from gw"] },
      ],
    } as never);
    const report = await run({ scenarios: [hairpin] }, { provider: await testLabProvider() });
    const [without, withSnat] = report.scenarios[0]!.expectations;
    // As a person writes it first (the forward should work from inside too): it fails, and says why.
    expect({ actual: without?.actual, hairpin: without?.decision?.hairpin }, JSON.stringify(without)).toEqual({ actual: "dropped", hairpin: "nas" });
    expect(without?.explanation).toMatch(/nas, on the prober's own network, answered it directly \(no SNAT on gw: hairpin NAT\)/);
    expect({ status: withSnat?.status, hairpin: withSnat?.decision?.hairpin }).toEqual({ status: "passed", hairpin: undefined });
  }, 120_000);
});
