/**
 * Lab reuse must never carry one scenario's changes into the next: scenarios
 * run through the real runner (as `fwspec run` does) on one shared lab, the
 * first changing native nftables, iptables-nft and nft sets, the next
 * expecting a clean host; a change the reset does not undo (an added
 * address, a legacy table on an nft host) gives the next scenario a fresh lab
 * instead of a wrong verdict or a listing a fresh lab would not print;
 * a handshake the first broke resends nothing into the next, a connection
 * it held open ends with it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Progress } from "../progress.ts";
import { defineScenario } from "../scenario/load.ts";
import { runScenarioSet } from "./run-set.ts";
import { planScenario } from "../plan/plan.ts";
import { testLabProvider } from "../testing/session.ts";

const dir = mkdtempSync(path.join(tmpdir(), "fwspec-carryover-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, lines: string[]): string {
  writeFileSync(path.join(dir, name), `${lines.join("\n")}\n`);
  return name;
}

const hosts = {
  server: { firewall: true, listen: ["tcp/8080"] },
  leg: { firewall: true, backend: "legacy", listen: ["tcp/8080"] },
  remote: {},
};

function scenario(name: string, steps: unknown[], family?: "ipv4") {
  return defineScenario({ name, description: `reset carry-over: ${name}`, hosts, ...(family ? { family } : {}), steps } as never, { baseDir: dir });
}

const dirty = script("dirty.sh", [
  // (a) a native nft table with a drop rule for 8080, (c) through an nft set
  "nft add table inet t",
  "nft add set inet t ports '{ type inet_service; }'",
  "nft add element inet t ports '{ 8080 }'",
  "nft add chain inet t in '{ type filter hook input priority 0; }'",
  "nft add rule inet t in tcp dport @ports drop",
]);
// iptables-legacy / ip6tables-legacy drops on an nft-backend host, behind a wrapper the plan cannot see into
const legacyOnNft = script("legacy-on-nft.sh", [
  "for t in iptables ip6tables; do ${t}-legacy -A INPUT -p tcp --dport 8080 -j DROP; done",
]);
const dirtyLegacy = script("dirty-legacy.sh", [
  // on a legacy-backend host: a native table and iptables-nft rules
  "nft add table ip t",
  "nft add chain ip t in '{ type filter hook input priority 0; }'",
  "nft add rule ip t in tcp dport 8080 drop",
  "iptables-nft -A INPUT -p tcp --dport 8080 -j DROP",
  "ip6tables-nft -A INPUT -p tcp --dport 8080 -j DROP",
]);
const address = script("address.sh", ["ip addr add 2001:db8:ffff::77/128 dev lo"]);
// Written so the plan does not see the legacy tool's name (plan/labs.ts usesLegacyTools): the handoff must find the change.
const alternatives = script("alternatives.sh", ["p=/usr/sbin/iptables", 'update-alternatives --quiet --set iptables "$p-legacy"']);

const clean = (name: string) => scenario(name, [{ expect: ["remote -> server:8080 open", "remote -> leg:8080 open"] }]);

async function run(scenarios: ReturnType<typeof scenario>[], lines: string[]) {
  const progress: Progress = { step: (m) => void lines.push(m), info: (m) => void lines.push(m) };
  return runScenarioSet(scenarios.map((s) => planScenario(s)), { provider: await testLabProvider(), progress, labs: 1 });
}

describe("shared-lab reset", () => {
  it("undoes native nftables, iptables-nft tables and nft sets: the next scenario sees a clean host", async () => {
    const lines: string[] = [];
    const reports = await run(
      [
        scenario("dirty", [
          { apply: { host: "server", script: dirty } },
          { apply: { host: "leg", script: dirtyLegacy } },
          { expect: ["remote -> server:8080 dropped", "remote -> leg:8080 dropped"] },
        ]),
        clean("clean after dirty"),
      ],
      lines,
    );
    const cells = (i: number) => reports[i]!.expectations.map((c) => `${c.text} ${c.family} ${c.status}`);
    expect(reports[0]!.status, JSON.stringify(reports[0]!.steps)).toBe("passed");
    expect(cells(0)).toHaveLength(4);
    expect(cells(1).every((c) => c.endsWith("passed")), cells(1).join("\n")).toBe(true);
    expect(cells(1)).toHaveLength(4);
    expect(lines.filter((l) => l.includes("fresh lab")), lines.join("\n")).toEqual([]);
    expect(lines.filter((l) => /lab\(s\)/.test(l))).toEqual([expect.stringMatching(/on 1 lab\(s\)/)]);
  });

  it("legacy tables on an nft host, which cannot be removed: the next scenario gets a fresh lab, whose listings warn of none", async () => {
    const lines: string[] = [];
    const reports = await run(
      [
        scenario("legacy on nft", [{ apply: { host: "server", script: legacyOnNft } }, { expect: ["remote -> server:8080 dropped"] }]),
        scenario("listing after legacy", [
          { run: { host: "server", command: "iptables -S INPUT", excludes: "legacy" } },
          { run: { host: "server", command: "ip6tables -S INPUT", excludes: "legacy" } },
          { expect: ["remote -> server:8080 open"] },
        ]),
      ],
      lines,
    );
    expect(reports.map((r) => r.status), JSON.stringify(reports.map((r) => [r.errors, r.steps.filter((s) => s.status !== "passed")]))).toEqual(["passed", "passed"]);
    expect(lines.filter((l) => l.includes("fresh lab")), lines.join("\n")).toEqual([expect.stringMatching(/iptables-legacy table\(s\) filter, which the boot lacked/)]);
  });

  it("ends the previous scenario's half-open connections: the server's SYN-ACK retransmissions (and the peer's RSTs) do not reach the next scenario's rules", async () => {
    const lines: string[] = [];
    // The server's SYN-ACK dropped on the way out: its request socket stays in SYN-RECV and resends
    // it after 1, 3, 7… s, long after the rule is gone; the peer, its probe stopped, answers with a RST.
    const broken = scenario("half-open", [
      { apply: { host: "server", commands: ["iptables -A OUTPUT -p tcp --sport 8080 --tcp-flags SYN,ACK SYN,ACK -j DROP"] } },
      { expect: ["remote -> server:8080 dropped"] },
    ], "ipv4");
    const next = scenario("after half-open", [
      { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --tcp-flags RST RST", "iptables -A OUTPUT -p tcp --sport 8080 --tcp-flags SYN,ACK SYN,ACK"] } },
      { run: { host: "server", command: "sleep 3.5" } },
      { counters: [{ host: "server", rule: "-A INPUT -p tcp --tcp-flags RST RST", packets: "== 0" }, { host: "server", rule: "-A OUTPUT -p tcp --sport 8080 --tcp-flags SYN,ACK SYN,ACK", packets: "== 0" }] },
    ], "ipv4");
    const reports = await run([broken, next], lines);
    expect(reports[0]!.status, JSON.stringify(reports[0]!.expectations.map((e) => `${e.text} ${e.family} ${e.actual}`))).toBe("passed");
    expect(lines.filter((l) => l.includes("fresh lab")), lines.join("\n")).toEqual([]);
    expect(reports[1]!.counters.map((c) => `${c.selector} ${c.status}${c.status === "passed" ? "" : `: ${c.message}`}`)).toEqual([
      'rule "-A INPUT -p tcp --tcp-flags RST RST" passed',
      'rule "-A OUTPUT -p tcp --sport 8080 --tcp-flags SYN,ACK SYN,ACK" passed',
    ]);
  });

  it("ends the previous scenario's held connections: none of their processes or sockets runs on into the next, on the same lab", async () => {
    const lines: string[] = [];
    const holding = scenario("holding", [
      { hold: { name: "h4", from: "remote", to: "server", port: 8080, family: "ipv4" } },
      { hold: { name: "h6", from: "remote", to: "server", port: 8080, family: "ipv6" } },
      { expect: ["held h4 open", "held h6 open"] },
    ]);
    const after = scenario("after holding", [
      { run: { host: "remote", command: "sh -c '! pgrep -a socat && ! pgrep -a tail && [ ! -e /tmp/fwspec/held ]'" } },
      { run: { host: "server", command: "sh -c '[ -z \"$(ss -Htn state established \"( sport = :8080 )\")\" ]'" } },
      { hold: { name: "h4", from: "remote", to: "server", port: 8080, family: "ipv4" } },
      { expect: ["held h4 open", "remote -> server:8080 open"] },
    ]);
    const reports = await run([holding, after], lines);
    expect(reports.map((r) => r.status), JSON.stringify(reports.map((r) => [r.errors, r.steps.filter((s) => s.status !== "passed")]))).toEqual(["passed", "passed"]);
    expect(lines.filter((l) => /lab\(s\)/.test(l))).toEqual([expect.stringMatching(/on 1 lab\(s\)/)]);
    expect(lines.filter((l) => l.includes("fresh lab")), lines.join("\n")).toEqual([]);
  });

  it("does not carry the previous scenario's neighbour entries into the next: they are emptied and warmed again", async () => {
    const lines: string[] = [];
    // The previous scenario leaves the server's IPv6 neighbour entries pointing at a MAC no host has.
    const poison = script("poison-neighbours.sh", [
      "ip -6 neigh show | while read -r addr dev iface rest; do ip -6 neigh replace \"$addr\" lladdr 02:00:00:00:00:99 dev \"$iface\" nud stale; done",
      "ip -6 neigh show | grep -q 02:00:00:00:00:99",
    ]);
    const listening = { ...hosts, remote: { listen: ["tcp/8000"] } };
    const poisoned = defineScenario({ name: "poisoned", description: "reset carry-over: poisoned", hosts: listening, steps: [{ expect: ["remote -> server:8080/tcp6 open"] }, { apply: { host: "server", script: poison } }] } as never, { baseDir: dir });
    const next = defineScenario({ name: "after poisoned", description: "reset carry-over: after poisoned", hosts: listening, steps: [{ expect: ["server -> remote:8000/tcp6 open"] }] } as never, { baseDir: dir });
    const reports = await run([poisoned, next], lines);
    expect(reports[0]!.status, JSON.stringify(reports[0]!.errors)).toBe("passed");
    expect(lines.filter((l) => l.includes("fresh lab")), lines.join("\n")).toEqual([]);
    expect(reports[1]!.expectations.map((e) => `${e.text} ${e.family} ${e.actual}`)).toEqual(["server -> remote:8000/tcp6 open ipv6 open"]);
  });

  it("does not carry an IPsec policy or a permanent neighbour entry into the next scenario; a listener its script left running gets the next a fresh lab", async () => {
    const lines: string[] = [];
    // The script waits (bounded) until its server listens: the step after it checks that it does.
    const listener = script("background-listener.sh", ["setsid socat TCP-LISTEN:7474,fork,reuseaddr EXEC:cat </dev/null >/dev/null 2>&1 &", "for i in $(seq 50); do ss -ltnH | grep -q ':7474 ' && break; sleep 0.1; done"]);
    const leaving = scenario("leaves state", [
      { apply: { host: "server", commands: [
        "ip xfrm policy add dir in src 0.0.0.0/0 dst 0.0.0.0/0 proto tcp dport 8080 action block",
        "ip -6 xfrm policy add dir in src ::/0 dst ::/0 proto tcp dport 8080 action block",
        "ip neigh replace {{ remote.ipv4 }} lladdr 02:00:00:00:00:99 dev eth0 nud permanent",
      ] } },
      { expect: ["remote -> server:8080/tcp4 dropped", "remote -> server:8080/tcp6 dropped"] },
    ]);
    const leavingListener = scenario("leaves a listener", [{ apply: { host: "leg", script: listener } }, { run: { host: "leg", command: "ss -ltnH", contains: ":7474" } }]);
    const after = scenario("after", [
      { run: { host: "server", command: "ip xfrm policy", excludes: "block" } },
      { run: { host: "server", command: "ip neigh show nud permanent", excludes: "02:00:00:00:00:99" } },
      { run: { host: "leg", command: "ss -ltnH", excludes: ":7474" } },
      { expect: ["remote -> server:8080 open"] },
    ]);
    const reports = await run([leaving, clean("clean after state"), leavingListener, after], lines);
    expect(reports.map((r) => r.status), JSON.stringify(reports.map((r) => [r.errors, r.steps.filter((s) => s.status !== "passed"), r.expectations.map((e) => `${e.text} ${e.family} ${e.actual}`)]))).toEqual(["passed", "passed", "passed", "passed"]);
    expect(lines.filter((l) => l.includes("fresh lab")), lines.join("\n")).toEqual([expect.stringMatching(/after.*leg: tcp\/7474 listen\(s\) there, which no host of the previous scenario declares/)]);
  });

  it("a process its script left running that listens on nothing (a loop that changes rules later) gets the next scenario a fresh lab, where it does not run", async () => {
    const lines: string[] = [];
    // It acts only after its scenario and the handoff are over: 2 s on, a DROP for 8080 inserted, again every second.
    const loop = script("background-loop.sh", ["setsid sh -c 'sleep 2; while :; do iptables -I INPUT 1 -p tcp --dport 8080 -j DROP; sleep 1; done' </dev/null >/dev/null 2>&1 &"]);
    // The lab is started for the first scenario, with its host names; the one that leaves the loop calls that host srvb,
    // and the message names it so (the lab's name beside it).
    const first = scenario("names the lab", [{ expect: ["remote -> server:8080/tcp4 open"] }]);
    const { server: srvb, ...others } = hosts;
    const leaving = defineScenario({ name: "leaves a loop", description: "reset carry-over: leaves a loop", hosts: { srvb, ...others }, steps: [{ apply: { host: "srvb", script: loop } }, { expect: ["remote -> srvb:8080/tcp4 open"] }] } as never, { baseDir: dir });
    const after = scenario("after the loop", [{ run: { host: "server", command: "sleep 3" } }, { expect: ["remote -> server:8080/tcp4 open"] }]);
    const reports = await run([first, leaving, after], lines);
    expect(reports.map((r) => r.status), JSON.stringify(reports.map((r) => [r.errors, r.expectations.map((e) => `${e.text} ${e.family} ${e.actual}`)]))).toEqual(["passed", "passed", "passed"]);
    expect(lines.filter((l) => l.includes("fresh lab")), lines.join("\n")).toEqual([expect.stringMatching(/after the loop.*: srvb \(lab host server\): process\(es\) \d+ \(sh\), \d+ \(sleep\) left running by the previous scenario's commands/)]);
  });

  it("does not carry what a scenario's script left in /run, /tmp and /dev/shm into the next: an 'apply once per boot' stamp applies again, as after a reboot", async () => {
    const lines: string[] = [];
    const once = script("once.sh", [
      "for stamp in /run/firewall.applied /tmp/firewall.applied /run/lock/firewall.applied /dev/shm/firewall.applied; do [ ! -e $stamp ] || { echo already applied; exit 0; }; done",
      "iptables -A INPUT -p tcp --dport 8080 -j DROP",
      "date > /run/firewall.applied",
      "mkdir -p /tmp/firewall.applied",
      // Inside a folder the boot made (tester 36c).
      "touch /run/lock/firewall.applied",
      // A tmpfs outside the writable layer (tester 37a).
      "touch /dev/shm/firewall.applied",
    ]);
    const applies = (name: string) => scenario(name, [{ apply: { host: "server", script: once } }, { expect: ["remote -> server:8080/tcp4 dropped"] }]);
    const reports = await run([applies("first"), applies("second")], lines);
    expect(reports.map((r) => r.expectations.map((e) => `${e.text} ${e.actual}`)), lines.join("\n")).toEqual([["remote -> server:8080/tcp4 dropped dropped"], ["remote -> server:8080/tcp4 dropped dropped"]]);
    expect(lines.filter((l) => l.includes("fresh lab")), lines.join("\n")).toEqual([]);
  });

  it("a file its script wrote outside /etc, /run and /tmp (a stamp in /var/lib, a wrapper in /usr/local/sbin) gets the next scenario a fresh lab, where it is not", async () => {
    const lines: string[] = [];
    const once = script("once-var-lib.sh", [
      "[ ! -e /var/lib/fw/applied ] || { echo already applied; exit 0; }",
      "iptables -A INPUT -p tcp --dport 8080 -j DROP",
      "mkdir -p /var/lib/fw && date > /var/lib/fw/applied",
      "mkdir -p /usr/local/sbin && printf '#!/bin/sh\\nexec /usr/sbin/iptables \"$@\"\\n' > /usr/local/sbin/iptables-wrapped && chmod +x /usr/local/sbin/iptables-wrapped",
    ]);
    const applies = (name: string) => scenario(name, [{ apply: { host: "server", script: once } }, { expect: ["remote -> server:8080/tcp4 dropped"] }]);
    const reports = await run([applies("first"), applies("second")], lines);
    expect(reports.map((r) => r.expectations.map((e) => `${e.text} ${e.actual}`)), lines.join("\n")).toEqual([["remote -> server:8080/tcp4 dropped dropped"], ["remote -> server:8080/tcp4 dropped dropped"]]);
    expect(lines.filter((l) => l.includes("fresh lab")), lines.join("\n")).toEqual([
      expect.stringMatching(/second.*server: \/usr\/local\/sbin\/iptables-wrapped, \/var\/lib\/fw\/applied written, replaced or deleted by the previous scenario's commands outside \/etc, \/run and \/tmp/),
    ]);
  });

  it("does not carry the files a reboot restores into the next scenario: rules a script saved (netfilter-persistent save), a pre-up line, an enabled nftables.service are gone before it", async () => {
    const lines: string[] = [];
    const saving = script("saves.sh", [
      "iptables -A INPUT -p tcp --dport 8080 -j DROP",
      "netfilter-persistent save",
      // Written keeping the file's old mtime (as `cp -p` of a saved copy would): the handoff compares contents, not times.
      "cp -p /etc/network/interfaces /tmp/interfaces",
      "echo 'pre-up ip6tables -A INPUT -p tcp --dport 8080 -j DROP' >> /tmp/interfaces",
      "touch -r /etc/network/interfaces /tmp/interfaces",
      "cp -p /tmp/interfaces /etc/network/interfaces",
      // A ruleset in /etc/nftables.conf and the service that loads it at boot enabled (a link in /etc/systemd/system).
      "echo 'table inet saved { chain input { type filter hook input priority 0; tcp dport 8080 drop; }; }' > /etc/nftables.conf",
      "systemctl enable nftables",
      // The engine's files (bind mounts): written back as the engine wrote them.
      "echo '198.18.99.99 backup-db' >> /etc/hosts",
      "echo 'nameserver 198.18.99.53' >> /etc/resolv.conf",
    ]);
    const saves = scenario("saves its rules", [{ apply: { host: "server", script: saving } }, { expect: ["remote -> server:8080/tcp4 dropped"] }]);
    const reboots = scenario("unsaved rules vanish at reboot", [
      { run: { host: "server", command: "cat /etc/hosts /etc/resolv.conf", excludes: ["backup-db", "198.18.99.53"] } },
      { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } },
      { expect: ["remote -> server:8080/tcp4 dropped"] },
      { reboot: "server" },
      { expect: ["remote -> server:8080 open"] },
    ]);
    const reports = await run([saves, reboots], lines);
    expect(reports.map((r) => r.status), JSON.stringify(reports.map((r) => [r.errors, r.steps.filter((s) => s.status !== "passed"), r.expectations.map((e) => `${e.text} ${e.family} ${e.actual}`)]))).toEqual(["passed", "passed"]);
    expect(lines.filter((l) => l.includes("fresh lab")), lines.join("\n")).toEqual([]);
  });

  it("a file under /etc the handoff does not reset (a folder /etc/nftables.conf includes) gets the next scenario a fresh lab, where it is not", async () => {
    const lines: string[] = [];
    const writes = script("nftables-d.sh", [
      "mkdir -p /etc/nftables.d",
      "printf 'table inet carried {\\n chain input {\\n type filter hook input priority 0;\\n tcp dport 8080 drop\\n }\\n}\\n' > /etc/nftables.d/10-carried.nft",
    ]);
    const leaving = scenario("leaves /etc/nftables.d", [{ apply: { host: "server", script: writes } }, { expect: ["remote -> server:8080/tcp4 open"] }]);
    const after = scenario("includes /etc/nftables.d", [
      { run: { host: "server", command: "ls /etc/nftables.d", exit: 2 } },
      { expect: ["remote -> server:8080/tcp4 open"] },
    ]);
    const reports = await run([leaving, after], lines);
    expect(reports.map((r) => r.status), JSON.stringify(reports.map((r) => [r.errors, r.steps.filter((s) => s.status !== "passed")]))).toEqual(["passed", "passed"]);
    expect(lines.filter((l) => l.includes("fresh lab")), lines.join("\n")).toEqual([expect.stringMatching(/includes \/etc\/nftables\.d.*files under \/etc differ from the image's.*Only in \/etc: nftables\.d/)]);
  });

  it("before a scenario that prints counters, an nft host's table the boot ruleset lacks is gone, as on a fresh lab (where a rule makes it): its policies count nothing before", async () => {
    const lines: string[] = [];
    // The first scenario leaves a filter table (empty after the reset, yet counting: its policies).
    const first = scenario("makes filter", [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j ACCEPT"] } }, { expect: ["remote -> server:8080 open"] }], "ipv4");
    const shows = scenario("shows policy counters", [
      // Before any rule of its own: on a fresh lab no filter table counts this probe.
      { expect: ["remote -> server:8080 open"] },
      { run: { host: "server", command: "iptables -L INPUT -n -v -x", contains: "policy ACCEPT 0 packets" } },
      { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8081 -j DROP"] } },
      { run: { host: "server", command: "iptables -L INPUT -n -v -x", contains: "policy ACCEPT 0 packets" } },
    ], "ipv4");
    const reports = await run([first, shows], lines);
    expect(lines.filter((l) => /lab\(s\)/.test(l))).toEqual([expect.stringMatching(/on 1 lab\(s\)/)]);
    expect(lines.filter((l) => l.includes("fresh lab")), lines.join("\n")).toEqual([]);
    expect(reports.map((r) => r.status), JSON.stringify(reports[1]!.steps.filter((s) => s.status !== "passed"))).toEqual(["passed", "passed"]);
  });

  it("after a handoff an nft host lists no table its boot ruleset lacked, as a fresh lab (plain iptables-save, no counters)", async () => {
    const lines: string[] = [];
    // The first scenario makes filter tables in both families and a mangle table; the boot ruleset has none of them.
    const first = scenario("makes tables", [
      { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j ACCEPT", "ip6tables -A INPUT -p tcp --dport 8080 -j ACCEPT", "iptables -t mangle -A PREROUTING -j ACCEPT"] } },
      { expect: ["remote -> server:8080 open"] },
    ]);
    const lists = scenario("lists as fresh", [
      { run: { host: "server", command: "iptables-save", excludes: ["*filter", "*mangle"], contains: "*nat" } },
      { run: { host: "server", command: "ip6tables-save", excludes: "*filter" } },
    ]);
    const reports = await run([first, lists], lines);
    expect(lines.filter((l) => /lab\(s\)/.test(l))).toEqual([expect.stringMatching(/on 1 lab\(s\)/)]);
    expect(lines.filter((l) => l.includes("fresh lab")), lines.join("\n")).toEqual([]);
    expect(reports.map((r) => r.status), JSON.stringify(reports[1]!.steps.filter((s) => s.status !== "passed"))).toEqual(["passed", "passed"]);
  });

  it("before a scenario that prints counters, a legacy host's table the boot lacks (which cannot be removed) gets the scenario a fresh lab", async () => {
    const lines: string[] = [];
    const first = scenario("makes legacy filter", [{ apply: { host: "leg", commands: ["iptables -A INPUT -p tcp --dport 8080 -j ACCEPT"] } }, { expect: ["remote -> leg:8080 open"] }], "ipv4");
    const shows = scenario("shows legacy policy counters", [
      { expect: ["remote -> leg:8080 open"] },
      { run: { host: "leg", command: "iptables -L INPUT -n -v -x", contains: "policy ACCEPT 0 packets" } },
    ], "ipv4");
    const reports = await run([first, shows], lines);
    expect(reports.map((r) => r.status), JSON.stringify(reports[1]!.steps.filter((s) => s.status !== "passed"))).toEqual(["passed", "passed"]);
    expect(lines.filter((l) => l.includes("fresh lab"))).toEqual([expect.stringMatching(/shows legacy policy counters.*leg: .*legacy/)]);
  });

  it("before a scenario that prints an iptables-save listing (no counters), a legacy host's raw table an earlier one made gets it a fresh lab, whose listing has none (tester 38a)", async () => {
    const lines: string[] = [];
    const first = scenario("makes legacy raw", [{ apply: { host: "leg", commands: ["iptables -t raw -A PREROUTING -p tcp --dport 8081 -j NOTRACK"] } }, { expect: ["remote -> leg:8080 open"] }], "ipv4");
    const lists = scenario("lists legacy tables", [
      { expect: ["remote -> leg:8080 open"] },
      { run: { host: "leg", command: "iptables-save", excludes: "*raw" } },
    ], "ipv4");
    const reports = await run([first, lists], lines);
    expect(reports.map((r) => r.status), JSON.stringify(reports[1]!.steps.filter((s) => s.status !== "passed"))).toEqual(["passed", "passed"]);
    expect(lines.filter((l) => l.includes("fresh lab"))).toEqual([expect.stringMatching(/lists legacy tables.*leg: .*legacy table\(s\) raw/)]);
  });

  it("a legacy listing on an nft host (which makes a legacy table) is the last on its lab: no later scenario's iptables output says legacy tables are present", async () => {
    const lines: string[] = [];
    const lists = scenario("lists legacy", [{ run: { host: "server", command: "iptables-legacy -L INPUT -n" } }, { expect: ["remote -> server:8080 open"] }], "ipv4");
    const after = scenario("after legacy listing", [{ run: { host: "server", command: "iptables -L INPUT -n", excludes: "iptables-legacy tables present" } }], "ipv4");
    const reports = await run([lists, after], lines);
    expect(lines.filter((l) => /lab\(s\)/.test(l))).toEqual([expect.stringMatching(/on 1 lab\(s\)/)]);
    expect(reports.map((r) => r.status), JSON.stringify(reports.map((r) => r.steps.filter((s) => s.status !== "passed")))).toEqual(["passed", "passed"]);
  });

  it("an nft listing on an nft host gets a fresh lab: a used one's reset leaves empty iptables tables and restores nat with every built-in chain", async () => {
    const lines: string[] = [];
    const first = scenario("makes filter", [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j ACCEPT"] } }, { expect: ["remote -> server:8080 open"] }], "ipv4");
    const lists = scenario("nft list as fresh", [
      { run: { host: "server", command: "nft list ruleset", contains: "jump DOCKER_OUTPUT", excludes: ["table ip filter", "hook prerouting"] } },
      { run: { host: "server", command: "nft -s list ruleset", excludes: ["table ip filter", "hook prerouting"] } },
    ], "ipv4");
    const reports = await run([first, lists], lines);
    expect(reports.map((r) => r.status), JSON.stringify(reports.map((r) => r.steps.filter((s) => s.status !== "passed")))).toEqual(["passed", "passed"]);
  });

  it("a change it does not undo (an added address, a switched backend) gives the next scenario a fresh lab, and the run goes on", async () => {
    const lines: string[] = [];
    const reports = await run(
      [
        scenario("address", [{ apply: { host: "server", script: address } }, { expect: ["remote -> server:8080 open"] }]),
        clean("clean after address"),
        scenario("alternatives", [{ apply: { host: "server", script: alternatives } }, { expect: ["remote -> server:8080 open"] }]),
        clean("clean after alternatives"),
      ],
      lines,
    );
    expect(reports.map((r) => r.status), JSON.stringify(reports[0]!.errors)).toEqual(["passed", "passed", "passed", "passed"]);
    expect(reports[1]!.expectations).toHaveLength(4);
    expect(reports[3]!.expectations).toHaveLength(4);
    const fresh = lines.filter((l) => l.includes("fresh lab"));
    expect(fresh).toHaveLength(2);
    expect(fresh[0]).toMatch(/clean after address.*server: links or addresses changed/);
    // update-alternatives wrote its own files, outside /etc: said before the reset, which would find the switched backend.
    expect(fresh[1]).toMatch(/clean after alternatives.*server: \/var\/lib\/dpkg\/alternatives\/iptables, .* written, replaced or deleted by the previous scenario's commands/);
  });
});
