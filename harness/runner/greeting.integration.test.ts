/**
 * A connection the firewall lets half-way: `-A INPUT -m conntrack --ctstate
 * ESTABLISHED,RELATED -j DROP` before the ACCEPT for port 22 lets the SYN in
 * and its SYN-ACK out, so the client's `connect()` succeeds, but drops the
 * handshake's last ACK and everything after it: the server never accepts the
 * connection and no data passes. fwspec's listener greets every connection it
 * accepts, so its silence is observed: `dropped`, not `open`, on both
 * families, and the same port is open once the rule accepts instead.
 */
import { expect, it } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

const rules = (established: "DROP" | "ACCEPT") => ["-F INPUT", "-P INPUT DROP", `-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ${established}`, "-A INPUT -p tcp --dport 22 -j ACCEPT"];
const both = (r: readonly string[]) => [...r.map((c) => `iptables ${c}`), ...r.map((c) => `ip6tables ${c}`), "ip6tables -I INPUT -p ipv6-icmp -j ACCEPT"];

it("a connection whose handshake's last ACK is dropped is dropped, not open; accepting ESTABLISHED opens it", async () => {
  const scenario = defineScenario({
    name: "half-open",
    description: "ESTABLISHED turned DROP: the SYN passes, the rest does not",
    hosts: { server: { firewall: true, listen: ["tcp/22"] }, client: {} },
    steps: [
      { apply: { host: "server", commands: both(rules("DROP")) } },
      { expect: ["client -> server:22 dropped"] },
      { apply: { host: "server", commands: both(rules("ACCEPT")) } },
      { expect: ["client -> server:22 open"] },
    ],
  }, { baseDir: import.meta.dirname });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const rows = report.scenarios[0]!.expectations.map((e) => ({ check: `${e.expected} ${e.family}`, actual: e.actual, ...(e.actual === "dropped" ? { why: /the handshake's last ACK, or what followed it, was dropped/.test(e.reason) } : {}) }));
  expect(rows).toEqual([
    { check: "dropped ipv4", actual: "dropped", why: true },
    { check: "dropped ipv6", actual: "dropped", why: true },
    { check: "open ipv4", actual: "open" },
    { check: "open ipv6", actual: "open" },
  ]);
}, 120_000);
