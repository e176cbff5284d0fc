/**
 * The lab with real containers and real packets: rules applied inside a
 * firewall host, probes from its loopback and from a peer, observed verdicts.
 */
import pRetry from "p-retry";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { CommandError } from "../errors.ts";
import { OUTPUT_KEPT_BYTES } from "./agent.ts";
import type { Family, Protocol, Verdict } from "../model/types.ts";
import { proveListeners } from "../probes/listeners.ts";
import { normaliseAddress } from "../probes/answer.ts";
import { type ProbeResult, runProbe, startProbe } from "../probes/probe.ts";
import { applyRules, type LoadedRuleset, readLoaded, resetRules } from "../rules/apply.ts";
import { readCounters } from "../rules/read.ts";
import { counterDeltas } from "../rules/delta.ts";
import { findRules } from "../rules/match.ts";
import type { RuleSource } from "../scenario/model.ts";
import { firewallHost, listeners, peer, startTestLab } from "../testing/lab.ts";
import type { StartedLab } from "./lab.ts";

let lab: StartedLab;
let baseline: LoadedRuleset;

beforeAll(async () => {
  lab = await startTestLab("lab-it", [
    firewallHost("server", listeners("tcp/8080", "tcp/8081", "udp/5353", "http/3000")),
    peer("remote"),
  ]);
  await proveListeners(lab);
  baseline = await readLoaded(lab.host("server"));
});

afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
});

beforeEach(async () => {
  await resetRules(lab.host("server"), baseline);
});

const cmds = (...lines: string[]): RuleSource => ({ kind: "commands", commands: lines.map((l) => l.split(" ")) });

function probe(from: "server" | "remote", port: number, family: Family, protocol: Protocol = "tcp"): Promise<ProbeResult> {
  const to = from === "server" ? ({ kind: "localhost" } as const) : ({ kind: "host", host: "server" } as const);
  return runProbe(lab, { from, to, port, protocol, family, timeoutSeconds: 2 });
}

function verdictOf(r: ProbeResult): Verdict {
  // On failure vitest shows the evidence too.
  expect(r.evidence.command).toMatch(/^docker exec /);
  return r.verdict;
}

describe("localhost-only port 8080", () => {
  it.each(["ipv4", "ipv6"] as const)("is open on the server's loopback and dropped from a peer (%s)", async (family) => {
    const server = lab.host("server");
    await applyRules(server, [
      cmds(
        "iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT",
        "iptables -A INPUT -p tcp --dport 8080 -j DROP",
        "ip6tables -A INPUT -p tcp --dport 8080 -s ::1 -j ACCEPT",
        "ip6tables -A INPUT -p tcp --dport 8080 -j DROP",
      ),
    ]);
    expect(verdictOf(await probe("server", 8080, family))).toBe("open");
    const remote = await probe("remote", 8080, family);
    expect(remote.verdict, remote.evidence.stderr).toBe("dropped");
    expect(verdictOf(await probe("remote", 8081, family))).toBe("open");
  });

  it("IPv4-only rules leave the port open over IPv6", async () => {
    await applyRules(lab.host("server"), [cmds("iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT", "iptables -A INPUT -p tcp --dport 8080 -j DROP")]);
    expect(verdictOf(await probe("remote", 8080, "ipv4"))).toBe("dropped");
    expect(verdictOf(await probe("remote", 8080, "ipv6"))).toBe("open");
  });
});

describe("REJECT flavours", () => {
  it.each([
    ["default REJECT → refused", "iptables -A INPUT -p tcp --dport 8080 -j REJECT", "ip6tables -A INPUT -p tcp --dport 8080 -j REJECT", "refused"],
    ["tcp-reset → refused", "iptables -A INPUT -p tcp --dport 8080 -j REJECT --reject-with tcp-reset", "ip6tables -A INPUT -p tcp --dport 8080 -j REJECT --reject-with tcp-reset", "refused"],
    ["admin-prohibited → unreachable", "iptables -A INPUT -p tcp --dport 8080 -j REJECT --reject-with icmp-admin-prohibited", "ip6tables -A INPUT -p tcp --dport 8080 -j REJECT --reject-with icmp6-adm-prohibited", "unreachable"],
    ["host-unreachable → unreachable", "iptables -A INPUT -p tcp --dport 8080 -j REJECT --reject-with icmp-host-unreachable", "ip6tables -A INPUT -p tcp --dport 8080 -j REJECT --reject-with icmp6-addr-unreachable", "unreachable"],
  ] as const)("%s: a peer's probe on IPv4 and IPv6 gives the named verdict", async (_name, v4, v6, expected) => {
    await applyRules(lab.host("server"), [cmds(v4, v6)]);
    expect(verdictOf(await probe("remote", 8080, "ipv4"))).toBe(expected);
    expect(verdictOf(await probe("remote", 8080, "ipv6"))).toBe(expected);
  });

  it("twenty quick probes in a row at a REJECT port are all refused (no ICMP rate limiting)", async () => {
    await applyRules(lab.host("server"), [cmds("iptables -A INPUT -p tcp --dport 8080 -j REJECT")]);
    const verdicts: Verdict[] = [];
    for (let i = 0; i < 20; i++) verdicts.push((await probe("remote", 8080, "ipv4")).verdict);
    expect(verdicts).toEqual(Array(20).fill("refused"));
  });

  it("a closed port is refused, and so is a REJECT rule: only the counters tell them apart", async () => {
    expect(verdictOf(await probe("remote", 9, "ipv4"))).toBe("refused");
  });
});

describe("UDP", () => {
  it("is open when the nonce comes back and dropped when a rule eats it", async () => {
    expect(verdictOf(await probe("remote", 5353, "ipv4", "udp"))).toBe("open");
    expect(verdictOf(await probe("remote", 5353, "ipv6", "udp"))).toBe("open");
    await applyRules(lab.host("server"), [cmds("iptables -A INPUT -p udp --dport 5353 -j DROP")]);
    expect(verdictOf(await probe("remote", 5353, "ipv4", "udp"))).toBe("dropped");
    expect(verdictOf(await probe("remote", 5353, "ipv6", "udp"))).toBe("open");
  });
});

describe("HTTP", () => {
  it("answers 200 over curl and is refused by REJECT", async () => {
    expect(verdictOf(await probe("remote", 3000, "ipv6", "http"))).toBe("open");
    await applyRules(lab.host("server"), [cmds("iptables -A INPUT -p tcp --dport 3000 -j REJECT")]);
    expect(verdictOf(await probe("remote", 3000, "ipv4", "http"))).toBe("refused");
  });
});

describe("counters", () => {
  it("a DROP rule's counter grows with a peer's probe and not with a loopback probe", async () => {
    const server = lab.host("server");
    await applyRules(server, [cmds("iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT", "iptables -A INPUT -p tcp --dport 8080 -j DROP")]);
    const selector = { kind: "text", rule: "-A INPUT -p tcp --dport 8080 -j DROP" } as const;
    const before = await readCounters(server);
    expect(findRules(before.ipv4, selector)).toHaveLength(1);

    expect(verdictOf(await probe("server", 8080, "ipv4"))).toBe("open");
    const afterLoopback = await readCounters(server);
    const dropAfterLoopback = counterDeltas(before.ipv4, afterLoopback.ipv4).find((d) => d.rule.target === "DROP");
    expect(dropAfterLoopback?.packets).toBe(0);

    expect(verdictOf(await probe("remote", 8080, "ipv4"))).toBe("dropped");
    const afterPeer = await readCounters(server);
    const dropAfterPeer = counterDeltas(afterLoopback.ipv4, afterPeer.ipv4).find((d) => d.rule.target === "DROP");
    expect(dropAfterPeer?.packets).toBeGreaterThanOrEqual(1);
  });
});

describe("apply", () => {
  it("a rule with a syntax error fails the apply with iptables' message and keeps nothing", async () => {
    const server = lab.host("server");
    const error = await applyRules(server, [cmds("iptables -A INPUT -p tcp --dport 8080 -j ACCEPT", "iptables -A INPUT -p tcp --dport eighty -j DROP")]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    const failure = (error as CommandError).failure;
    expect(failure.command.join(" ")).toBe("iptables -A INPUT -p tcp --dport eighty -j DROP");
    expect(failure.exitCode).not.toBe(0);
    expect(failure.stderr).toMatch(/eighty/);
    expect((await readLoaded(server)).digest).toBe(baseline.digest);
  });

  it("a script that fails half-way is rolled back", async () => {
    const server = lab.host("server");
    const script: RuleSource = { kind: "script", path: "half.sh", content: "iptables -A INPUT -p tcp --dport 8080 -j DROP\nfalse\niptables -A INPUT -j DROP\n" };
    await expect(applyRules(server, [script])).rejects.toBeInstanceOf(CommandError);
    expect((await readLoaded(server)).digest).toBe(baseline.digest);
    expect(verdictOf(await probe("remote", 8080, "ipv4"))).toBe("open");
  });

  it("restore files are checked with --test, loaded atomically, and recorded", async () => {
    const server = lab.host("server");
    const bad: RuleSource = { kind: "restore", family: "ipv4", path: "bad.v4", content: "*filter\n-A INPUT -p tcp --dport 8080 -j NOPE\nCOMMIT\n" };
    await expect(applyRules(server, [bad])).rejects.toBeInstanceOf(CommandError);
    const good: RuleSource = { kind: "restore", family: "ipv6", path: "good.v6", content: "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 8080 -j DROP\nCOMMIT\n" };
    const { applied, counters } = await applyRules(server, [good]);
    expect(counters.ipv6.rules.find((r) => r.text.includes("--dport 8080 -j DROP"))?.packets).toBe(0);
    expect(applied.loaded.ipv6).toMatch(/-A INPUT -p tcp -m tcp --dport 8080 -j DROP/);
    expect(applied.loaded.digest).not.toBe(baseline.digest);
    expect(verdictOf(await probe("remote", 8080, "ipv6"))).toBe("dropped");
    expect(verdictOf(await probe("remote", 8080, "ipv4"))).toBe("open");
  });

  it("refuses a host that is not a firewall host", async () => {
    await expect(applyRules(lab.host("remote"), [cmds("iptables -A INPUT -j DROP")])).rejects.toThrow(/not a firewall host/);
  });

  it("a staged command's failure is told apart from a failure to stage it", async () => {
    const server = lab.host("server");
    await expect(server.runStaged("true\n", "/proc/fwspec-nope/x.sh", ["sh", "-e", "/proc/fwspec-nope/x.sh"], "rules script x.sh")).rejects.toThrow(/writing \/proc\/fwspec-nope\/x.sh failed/);
    const failing = await server.runStaged("echo half >&2\nexit 197\n", "/tmp/fwspec/exit197.sh", ["sh", "-e", "/tmp/fwspec/exit197.sh"], "rules script exit197.sh").catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(CommandError);
    expect((failing as CommandError).message).toMatch(/rules script exit197.sh failed/);
    expect((failing as CommandError).failure.command).toEqual(["sh", "-e", "/tmp/fwspec/exit197.sh"]);
  });
});

describe("reset to the boot ruleset", () => {
  it("puts back every table a scenario changed (filter, a flushed nat, a new mangle rule) and verifies it", async () => {
    const server = lab.host("server");
    await applyRules(server, [cmds("iptables -A INPUT -p tcp --dport 8080 -j DROP", "iptables -t nat -F", "ip6tables -t mangle -A PREROUTING -j MARK --set-mark 1")]);
    expect((await readLoaded(server)).digest).not.toBe(baseline.digest);
    const after = await resetRules(server, baseline);
    expect(after.loaded.digest).toBe(baseline.digest);
    expect(after.loaded.ipv4).toMatch(/-A OUTPUT -d 127\.0\.0\.11\/32 -j DOCKER_OUTPUT/);
    expect(after.loaded.ipv6).not.toMatch(/MARK/);
    expect(verdictOf(await probe("remote", 8080, "ipv4"))).toBe("open");
  });

  it("returns the counters as of the reset", async () => {
    const server = lab.host("server");
    await applyRules(server, [cmds("iptables -A INPUT -p tcp --dport 8081 -j ACCEPT")]);
    expect(verdictOf(await probe("remote", 8081, "ipv4"))).toBe("open");
    const after = await resetRules(server, baseline);
    const now = await readCounters(server);
    expect(counterDeltas(after.counters.ipv4, now.ipv4).filter((d) => d.packets > 0)).toEqual([]);
    expect(after.counters.ipv4.rules.some((r) => r.text.includes("8081"))).toBe(false);
  });
});

describe("reset with every counter zeroed (before a scenario that prints counters)", () => {
  const counted = (r: { chains: readonly { packets: number }[]; rules: readonly { packets: number }[] }) => [...r.chains, ...r.rules].filter((c) => c.packets > 0).length;
  // Docker's DNS rules in nat (booted, never changed by a filter rule) count a packet to 127.0.0.11, on loopback.
  const countedByNat = async () => {
    await lab.host("server").exec(["ping", "-c", "1", "-W", "1", "127.0.0.11"]);
  };

  it("zeroes the counters of tables nobody changed, which a plain reset leaves counting", async () => {
    const server = lab.host("server");
    await applyRules(server, [cmds("iptables -A INPUT -p tcp --dport 8081 -j ACCEPT")]);
    await countedByNat();
    expect(verdictOf(await probe("remote", 8081, "ipv4"))).toBe("open");
    const plain = await resetRules(server, baseline);
    expect(plain.counters.ipv4.rules.filter((r) => r.table === "nat" && r.packets > 0).length).toBeGreaterThan(0);

    await applyRules(server, [cmds("iptables -A INPUT -p tcp --dport 8081 -j ACCEPT", "ip6tables -A INPUT -p tcp --dport 8081 -j ACCEPT")]);
    await countedByNat();
    expect(verdictOf(await probe("remote", 8081, "ipv6"))).toBe("open");
    expect(verdictOf(await probe("remote", 8081, "ipv4"))).toBe("open");
    // The reading the reset returns is taken in the same command as the restore: nothing counted in between.
    const zeroed = await resetRules(server, baseline, { zeroCounters: true });
    expect(zeroed.loaded.digest).toBe(baseline.digest);
    expect(counted(zeroed.counters.ipv4)).toBe(0);
    expect(counted(zeroed.counters.ipv6)).toBe(0);
    // Docker's DNS rules in nat are back as booted.
    expect(zeroed.loaded.ipv4).toMatch(/-A OUTPUT -d 127\.0\.0\.11\/32 -j DOCKER_OUTPUT/);
  });
});

describe("a probe stopped early (fwspec-probe stop)", () => {
  const spec = (port: number, family: Family, protocol: Protocol = "tcp", timeoutSeconds = 2) => ({ from: "remote", to: { kind: "host", host: "server" }, port, protocol, family, timeoutSeconds }) as const;
  // Only probe tools match (a limited command runs under no `timeout` process; light anyway).
  const tools = async () => (await lab.host("remote").exec(["sh", "-c", "ps -eo args= | grep -E '^(timeout|nc|socat) ' || true"], { light: true })).stdout.trim();

  it.each([
    ["tcp", 8080, "ipv4"],
    ["tcp", 8080, "ipv6"],
    ["udp", 5353, "ipv4"],
  ] as const)("leaves no tool running behind it (%s %s %s): a stray retransmission would count in the next probe's window", async (protocol, port, family) => {
    await applyRules(lab.host("server"), [cmds(`${family === "ipv4" ? "iptables" : "ip6tables"} -A INPUT -p ${protocol} --dport ${port} -j DROP`)]);
    const remote = lab.host("remote");
    const address = lab.addressFor(remote, lab.host("server"), family);
    // A long timeout: the tool must still be running when `ps` looks, however loaded the machine is
    // (with 2 s, a UDP probe had ended by itself once at load 15); stop() ends it long before.
    const started = await startProbe(remote, address, spec(port, family, protocol, 30), 20);
    expect("pending" in started).toBe(true);
    if (!("pending" in started)) return;
    expect(await tools()).not.toBe("");
    const stopped = await started.pending.stop();
    expect("stopped" in stopped).toBe(true);
    expect(await tools()).toBe("");
  });

  it("ends its grace when the ICMPv6 error came: the kernel retries a SYN refused by ICMPv6, so the tool would wait on", async () => {
    const remote = lab.host("remote");
    const address = lab.addressFor(remote, lab.host("server"), "ipv6");
    await applyRules(lab.host("server"), [cmds("ip6tables -A INPUT -p tcp --dport 8080 -j REJECT")]);
    // A grace far past the tool's 2 s: without the ICMP check the tool's own timeout ends it
    // within the grace (exit 1, "timed out"); with it, the probe is pending, and stopped it says
    // the ICMPv6 error came.
    const started = await startProbe(remote, address, spec(8080, "ipv6"), 15_000);
    expect("pending" in started).toBe(true);
    if (!("pending" in started)) return;
    const stopped = await started.pending.stop();
    expect(stopped).toMatchObject({ stopped: true });
    expect("stderr" in stopped ? stopped.stderr : "").toMatch(/icmp destination unreachable received: ipv4 \+\d+, ipv6 \+[1-9]/);
  });

  it("waited out, reports the answer that came later (the retransmitted SYN after the DROP is gone)", async () => {
    const remote = lab.host("remote");
    const address = lab.addressFor(remote, lab.host("server"), "ipv4");
    await applyRules(lab.host("server"), [cmds("iptables -A INPUT -p tcp --dport 8080 -j DROP")]);
    const started = await startProbe(remote, address, spec(8080, "ipv4"), 20);
    if (!("pending" in started)) throw new Error("expected a pending probe");
    // The rule goes while the tool waits: its retransmitted SYN a second later is answered.
    await resetRules(lab.host("server"), baseline);
    const answered = await started.pending.wait();
    expect(answered.verdict).toBe("open");
  });
});

describe("the UDP listener (docker/fwspec-udp-echo)", () => {
  // socat UDP6-RECVFROM,fork, the listener before, now and then handed one datagram to two children: the
  // second swallowed the datagrams that came next and answered the first sender, so probes sent at once went
  // unanswered (with this loop on that listener: 9, 12 and 17 of 2 000; a CI run's mixed-order check saw both families'
  // UDP probes dropped). Four probes at once, two per family, for many rounds: every one answered.
  it("answers every probe of many sent at once, each its own nonce, over both families", async () => {
    const remote = lab.host("remote");
    const server = lab.host("server");
    const script = [
      'v4=$1 v6=$2 rounds=$3 missed=0 i=0',
      'ask() { printf %s "$1" | timeout -k 1 5 socat -t 2 -T 2 - "UDP:$2:5353,readbytes=$3" 2>/dev/null | grep -c "^$1\\$"; }',
      'while [ "$i" -lt "$rounds" ]; do',
      '  i=$((i + 1)); n="fwspec-$i-000000000"; len=$((${#n} + 1 + 129))',
      '  ask "${n}a" "$v4" "$len" >/tmp/a & ask "${n}b" "[$v6]" "$len" >/tmp/b & ask "${n}c" "$v4" "$len" >/tmp/c & ask "${n}d" "[$v6]" "$len" >/tmp/d & wait',
      '  for f in a b c d; do [ "$(cat /tmp/$f)" = 1 ] || { missed=$((missed + 1)); echo "round $i probe $f unanswered"; }; done',
      'done',
      'echo "$((rounds * 4)) probes, $missed unanswered"',
    ].join("\n");
    // A probe reads its nonce back and the 129-byte identity: it ends on that count, in milliseconds.
    const r = await remote.exec(["timeout", "240", "sh", "-c", script, "udp-at-once", lab.addressFor(remote, server, "ipv4"), lab.addressFor(remote, server, "ipv6"), "500"], { timeoutSeconds: 250 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n").at(-1)).toBe("2000 probes, 0 unanswered");
  }, 300_000);
});

describe("the TCP listener (docker/fwspec-tcp-echo)", () => {
  // One process for every connection (socat's `fork` started a relay, a shell and `cat` per connection: about
  // 2.5 ms of CPU each): connections held at once over both families each get their own identity line with the
  // peer the server saw, and their own echo; `ss -K` ends them there and the listener goes on.
  it("greets and echoes connections held at once over both families, in one process, and outlives `ss -K`", async () => {
    const remote = lab.host("remote");
    const server = lab.host("server");
    const v4 = lab.addressFor(remote, server, "ipv4");
    const v6 = lab.addressFor(remote, server, "ipv6");
    const hold = [
      'd=$(mktemp -d) v4=$1 v6=$2',
      // Each sends its name, then holds the connection open until its file `go` appears (bounded).
      'for i in 1 2 3 4 5 6; do a=$v4; [ $((i % 2)) = 0 ] && a=$v6; { echo "hello $i"; while [ ! -e "$d/go" ]; do sleep 0.05; done; } | timeout 20 nc -N "$a" 8080 > "$d/$i" & done',
      'echo "$d"',
    ].join("\n");
    const dir = (await remote.run(["sh", "-c", `${hold}\n`, "hold", v4, v6], "holding six connections", { timeoutSeconds: 10 })).stdout.trim();
    const established = async () => Number((await server.run(["sh", "-c", "ss -H -t -n state established '( sport = :8080 )' | wc -l"], "counting connections")).stdout.trim());
    await pRetry(async () => expect(await established()).toBe(6), { retries: 40, minTimeout: 50, maxTimeout: 50 });
    // The group of port 8080's listener is one process while six connections are open.
    const group = await server.run(["sh", "-c", "p=$(ss -H -ltnp 'sport = :8080' | sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p' | head -n 1); ps -o comm= -g \"$(ps -o pgid= -p \"$p\" | tr -d ' ')\""], "listing the listener's group");
    expect(group.stdout.trim().split("\n")).toEqual(["fwspec-tcp-echo"]);
    // Each got the identity line naming its own source, then its echo.
    await pRetry(async () => {
      const seen = await remote.run(["sh", "-c", 'cd "$1" && for i in 1 2 3 4 5 6; do printf "%s|" "$(tr "\\n" " " < $i)"; done', "seen", dir], "reading what came back");
      const lines = seen.stdout.split("|").slice(0, 6);
      lines.forEach((l, i) => expect(l).toMatch(new RegExp(`^fwspec server 8080 (\\S+) \\d+ hello ${i + 1} $`)));
      expect(lines.map((l) => normaliseAddress(l.split(" ")[3]!))).toEqual([1, 2, 3, 4, 5, 6].map((i) => (i % 2 === 0 ? normaliseAddress(lab.addressFor(server, remote, "ipv6")) : lab.addressFor(server, remote, "ipv4"))));
    }, { retries: 40, minTimeout: 50, maxTimeout: 50 });
    // Ended on the server: its peers' nc end, the listener still answers.
    await server.run(["ss", "-K", "-t", "state", "established", "( sport = :8080 )"], "ending the connections");
    await pRetry(async () => expect((await remote.exec(["sh", "-c", "pgrep -c -x nc || true"])).stdout.trim()).toBe("0"), { retries: 40, minTimeout: 50, maxTimeout: 50 });
    await remote.run(["sh", "-c", 'touch "$1/go"', "go", dir], "releasing the holders");
    expect(verdictOf(await probe("remote", 8080, "ipv4"))).toBe("open");
    expect(verdictOf(await probe("remote", 8080, "ipv6"))).toBe("open");
  }, 60_000);
});

describe("UDP listeners and addresses added later (fwspec-listen settled)", () => {
  it("binds an address added after the start; settled waits for it and names one the listener has not bound", async () => {
    const server = lab.host("server");
    const pid = (await server.run(["sh", "-c", "pgrep -f '^/usr/bin/perl /usr/local/sbin/fwspec-udp-echo server 5353'"], "finding the UDP listener")).stdout.trim();
    expect(pid).toMatch(/^\d+$/);
    // Stopped, the listener cannot take the kernel's announcement: settled waits its 5 s and says what is missing.
    await server.run(["kill", "-STOP", pid], "pausing the UDP listener");
    try {
      await server.run(["ip", "addr", "add", "198.18.255.77/32", "dev", "lo"], "adding an address");
      const waited = await server.exec(["fwspec-listen", "settled"], { timeoutSeconds: 15 });
      expect(waited.exitCode).toBe(4);
      expect(waited.stderr).toContain("udp/5353 198.18.255.77");
    } finally {
      await server.run(["kill", "-CONT", pid], "resuming the UDP listener");
    }
    // Running again, it reads the announcement waiting for it and binds the address.
    const settled = await server.exec(["fwspec-listen", "settled"], { timeoutSeconds: 15 });
    expect(settled, settled.stderr).toMatchObject({ exitCode: 0 });
    expect((await server.run(["cat", "/run/fwspec-udp/5353"], "reading what the listener bound")).stdout.split("\n")).toContain("198.18.255.77");
    // Removed, its socket goes too.
    await server.run(["ip", "addr", "del", "198.18.255.77/32", "dev", "lo"], "removing the address");
    await pRetry(async () => {
      const bound = (await server.run(["cat", "/run/fwspec-udp/5353"], "reading what the listener bound")).stdout.split("\n");
      if (bound.includes("198.18.255.77")) throw new Error("still bound");
    }, { retries: 20, minTimeout: 50, maxTimeout: 50 });
    // A point-to-point address (`ip -o addr` prints `198.18.255.78 peer 198.18.255.79/32`) is bound as any other.
    await server.run(["ip", "addr", "add", "198.18.255.78", "peer", "198.18.255.79/32", "dev", "lo"], "adding a point-to-point address");
    try {
      const peerSettled = await server.exec(["fwspec-listen", "settled"], { timeoutSeconds: 15 });
      expect(peerSettled, peerSettled.stderr).toMatchObject({ exitCode: 0 });
      expect((await server.run(["cat", "/run/fwspec-udp/5353"], "reading what the listener bound")).stdout.split("\n")).toContain("198.18.255.78");
    } finally {
      await server.run(["ip", "addr", "del", "198.18.255.78", "peer", "198.18.255.79/32", "dev", "lo"], "removing the point-to-point address");
    }
  }, 60_000);
});

describe("the command channel (fwspec-agent)", () => {
  it("passes argv words as they are and returns output byte for byte", async () => {
    const remote = lab.host("remote");
    const words = ["two words", "", "quote ' and \" and $HOME", "new\nline", "ünïcödé", "*"];
    const r = await remote.exec(["printf", "[%s]\\n", ...words]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(words.map((w) => `[${w}]\n`).join(""));
  });

  it("keeps trailing newlines, stdin, stderr and the exit status apart", async () => {
    const r = await lab.host("remote").exec(["sh", "-c", 'cat; printf "\\n\\n"; echo oops >&2; exit 7'], { stdin: "in\n\n" });
    expect(r).toMatchObject({ exitCode: 7, stdout: "in\n\n\n\n", stderr: "oops\n" });
    const empty = await lab.host("remote").exec(["true"]);
    expect(empty).toMatchObject({ exitCode: 0, stdout: "", stderr: "" });
  });

  it("runs commands side by side through one channel per host (its exec, or an attach: no exec per command)", async () => {
    const remote = lab.host("remote");
    await remote.exec(["true"]);
    const docker = await connectEngine();
    const running = async () => (await Promise.all(((await docker.getContainer(remote.id).inspect()).ExecIDs ?? []).map((e) => docker.getExec(e).inspect().then((x) => x.Running, () => false)))).filter(Boolean).length;
    const before = await running();
    // Each waits until all six have started: only commands running at once can all end.
    const dir = (await remote.run(["mktemp", "-d"], "making a directory")).stdout.trim();
    let ended = false;
    const all = Promise.all(Array.from({ length: 6 }, (_, i) => remote.exec(["sh", "-c", 'touch "$1/$2"; while [ "$(ls "$1" | wc -l)" -lt 6 ]; do sleep 0.02; done; echo "$2"', "wait", dir, String(i)], { timeoutSeconds: 20 }))).finally(() => (ended = true));
    // The most execs seen running while the six run (one exec per command would show up to six more).
    let most = 0;
    while (!ended) most = Math.max(most, await running());
    const results = await all;
    expect(results.map((r) => r.stdout)).toEqual(["0\n", "1\n", "2\n", "3\n", "4\n", "5\n"]);
    // The lab's one exec channel may be this host's (lab.ts: the others are attached).
    expect(before).toBeLessThanOrEqual(1);
    expect(most).toBe(before);
  });

  it("carries large outputs and concurrent commands without mixing them up", async () => {
    const remote = lab.host("remote");
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => remote.exec(["sh", "-c", 'head -c "$1" /dev/zero | tr "\\0" "$2"', "gen", String(50_000 + i), String.fromCharCode(97 + i)])));
    results.forEach((r, i) => {
      expect(r.stdout.length).toBe(50_000 + i);
      expect(new Set(r.stdout)).toEqual(new Set([String.fromCharCode(97 + i)]));
    });
  });

  it("a command printing more than fwspec reads back fails with what it printed and a hint; the channel goes on", async () => {
    const remote = lab.host("remote");
    const over = OUTPUT_KEPT_BYTES + 1;
    const error = await remote.exec(["head", "-c", String(over), "/dev/zero"]).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CommandError);
    expect((error as CommandError).message).toContain(`printed ${over} bytes on stdout and 0 on stderr on remote`);
    expect((error as CommandError).hint).toMatch(/send the bulk to a file/);
    expect((error as CommandError).failure.stdout.length).toBeLessThan(5000);
    // Exactly the limit is carried whole.
    const whole = await remote.exec(["sh", "-c", 'head -c "$1" /dev/zero | tr "\\0" x', "gen", String(OUTPUT_KEPT_BYTES)]);
    expect(whole.stdout.length).toBe(OUTPUT_KEPT_BYTES);
    // One that would never stop printing is stopped (at twice the limit) and fails the same way.
    const flood = await remote.exec(["yes"]).then(() => undefined, (e: unknown) => e);
    expect(flood).toBeInstanceOf(CommandError);
    expect((flood as CommandError).failure.exitCode).toBe(137);
    expect((flood as CommandError).message).toMatch(/`yes` printed \d+ bytes on stdout and 0 on stderr on remote, more than the 64 MiB of each fwspec reads back \(a command is stopped at twice that\)/);
    expect(await remote.exec(["echo", "next"])).toMatchObject({ exitCode: 0, stdout: "next\n" });
  });
});

describe("errors are never verdicts", () => {
  it("a probe whose tool is missing gives error, not blocked", async () => {
    const lonely = await startTestLab("no-nc", [firewallHost("server", listeners("tcp/8080")), peer("remote")]);
    await using _ = lonely;
    await lonely.host("remote").run(["rm", "-f", "/usr/bin/nc", "/bin/nc", "/usr/bin/nc.openbsd", "/bin/nc.openbsd"], "removing nc");
    const r = await runProbe(lonely, { from: "remote", to: { kind: "host", host: "server" }, port: 8080, protocol: "tcp", family: "ipv4", timeoutSeconds: 1 });
    expect(r.verdict).toBe("error");
    expect(r.reason).toMatch(/could not run/);
  });
});
