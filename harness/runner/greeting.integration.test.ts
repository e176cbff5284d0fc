/**
 * A connection the firewall lets half-way: `-A INPUT -m conntrack --ctstate
 * ESTABLISHED,RELATED -j DROP` before the ACCEPT for port 22 lets the SYN in
 * and its SYN-ACK out, so the client's `connect()` succeeds, but drops the
 * handshake's last ACK and everything after it: the server never accepts the
 * connection and no data passes. fwspec's listener greets every connection it
 * accepts, so its silence is observed: `dropped`, not `open`, on both
 * families, and the same port is open once the rule accepts instead. The
 * target is asked: it still holds the connection half-open (SYN-RECV); a
 * silent service that accepted it (behind a REDIRECT) is no such case.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

const rules = (established: "DROP" | "ACCEPT") => ["-F INPUT", "-P INPUT DROP", `-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ${established}`, "-A INPUT -p tcp --dport 22 -j ACCEPT", "-A INPUT -p tcp --dport 80 -j ACCEPT"];
const both = (r: readonly string[]) => [...r.map((c) => `iptables ${c}`), ...r.map((c) => `ip6tables ${c}`), "ip6tables -I INPUT -p ipv6-icmp -j ACCEPT"];

it("a connection whose handshake's last ACK is dropped is dropped, not open, over TCP and HTTP (curl connected, then its timeout: tester 42a); accepting ESTABLISHED opens it", async () => {
  const scenario = defineScenario({
    name: "half-open",
    description: "ESTABLISHED turned DROP: the SYN passes, the rest does not",
    hosts: { server: { firewall: true, listen: ["tcp/22", "http/80"] }, client: {} },
    steps: [
      { apply: { host: "server", commands: both(rules("DROP")) } },
      { expect: ["client -> server:22 dropped", "client -> server:80/http dropped"] },
      { apply: { host: "server", commands: both(rules("ACCEPT")) } },
      { expect: ["client -> server:22 open", "client -> server:80/http open"] },
    ],
  }, { baseDir: import.meta.dirname });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const rows = report.scenarios[0]!.expectations.map((e) => ({ check: `${e.protocol} ${e.expected} ${e.family}`, actual: e.actual, ...(e.actual === "dropped" ? { why: /the handshake's last ACK, or what followed it, was dropped/.test(e.reason) } : {}) }));
  expect(rows).toEqual([
    { check: "tcp dropped ipv4", actual: "dropped", why: true },
    { check: "tcp dropped ipv6", actual: "dropped", why: true },
    { check: "http dropped ipv4", actual: "dropped", why: true },
    { check: "http dropped ipv6", actual: "dropped", why: true },
    { check: "tcp open ipv4", actual: "open" },
    { check: "tcp open ipv6", actual: "open" },
    { check: "http open ipv4", actual: "open" },
    { check: "http open ipv6", actual: "open" },
  ]);
}, 120_000);

it("the same half-open connection to a literal address is dropped too; a silent service behind a REDIRECT stays open (it holds the connection)", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fwspec-greeting-"));
  writeFileSync(path.join(dir, "silent.sh"), "setsid socat -t 30 TCP-LISTEN:9000,fork,reuseaddr SYSTEM:'sleep 25' </dev/null >/dev/null 2>&1 &\nsleep 0.3\niptables -t nat -A PREROUTING -p tcp --dport 80 -j REDIRECT --to-ports 9000\n");
  const scenario = defineScenario({
    name: "half-open variants",
    description: "a literal address; a silent service behind a REDIRECT",
    family: "ipv4",
    subnets: { lan: { ipv4: "198.18.31.0/24", ipv6: "2001:db8:31::/64" } },
    hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/80"], addresses: { lan: { ipv4: "198.18.31.10" } } }, client: {} },
    steps: [
      { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -m conntrack --ctstate ESTABLISHED -j DROP"] } },
      { apply: { host: "server", script: "silent.sh" } },
      { expect: ["client -> 198.18.31.10:8080 dropped", "client -> server:80 open"] },
    ],
  } as never, { baseDir: dir });
  try {
    const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
    expect(report.scenarios[0]!.expectations.map((e) => `${e.text}: ${e.actual}`)).toEqual(["client -> 198.18.31.10:8080 dropped: dropped", "client -> server:80 open: open"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
