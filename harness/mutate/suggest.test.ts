/**
 * Suggestions for iptables survivors (pure): every suggestion names a real
 * port, or says in words what check is needed — never `undefined` — for
 * rules with a source port (ufw's DHCPv6 rule), a port list, or no port.
 */
import { describe, expect, test } from "vitest";
import type { Scenario } from "../scenario/model.ts";
import { mutantsOf } from "./mutants.ts";
import { selectOperators } from "./operators.ts";
import { suggestCheck } from "./suggest.ts";

const rules = [
  "*filter",
  ":INPUT DROP [0:0]",
  "-A INPUT -s fe80::/10 -d fe80::/10 -p udp -m udp --sport 547 --dport 546 -j ACCEPT",
  "-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT",
  "-A INPUT -s 2001:db8::5 -j DROP",
  "-A INPUT -s 2001:db8::6 -j REJECT",
  "-A INPUT -s ::1/128 -j ACCEPT",
  "COMMIT",
].join("\n");

const fw: Scenario = {
  file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2,
  hosts: [{ name: "server", firewall: true, listen: [] } as never, { name: "remote", firewall: false, listen: [] } as never],
  steps: [{ kind: "apply", host: "server", sources: [{ kind: "restore", family: "ipv6", path: "/p/rules.v6", content: rules }], location: { file: "/p/s.yaml", line: 3, column: 1 } }],
};

describe("suggestions for iptables survivors", () => {
  test.each([
    ["port", "port@rules.v6:3 --dport 546→547", "add a check on port 547: `remote -> server:547/udp6 open` (with `listen: [udp/547]` on server)"],
    ["port", "port@rules.v6:3 --sport 547→548", "no probe can catch it: the rule's source port 547 became 548, and a probe cannot choose its source port (fwspec probes come from ephemeral ports); a check needs traffic sent from source port 547, or accept it as a known gap"],
    ["port", "port@rules.v6:4 --dports 443→444", "add a check on port 444: `remote -> server:444/tcp6 open` (with `listen: [tcp/444]` on server)"],
    ["accept-drop", "accept-drop@rules.v6:3", "add `remote -> server:546/udp6 open` (the rule also matches only source port 547, which a probe cannot choose)"],
    ["accept-drop", "accept-drop@rules.v6:5", "add `remote -> server:9999/tcp6 dropped`"],
    ["delete", "delete@rules.v6:7", "add `server -> localhost:9999/tcp6 open` (with `listen: [tcp/9999]` on server)"],
    ["drop-reject", "drop-reject@rules.v6:6", "add `remote -> server:9999/tcp6 refused`"],
    ["swap", "swap@rules.v6:5", "add a probe the reordered rules both match: `remote -> server:9999/tcp6 dropped`"],
    ["loopback-iface", "loopback-iface@rules.v6:7", "add `server -> server:9999/tcp6 blocked` (the host's own non-loopback address arrives on lo too, from a non-loopback source)"],
  ])("%s: %s", (op, id, want) => {
    const all = mutantsOf(fw, selectOperators([op]));
    const m = all.find((x) => x.id === id);
    expect(m, all.map((x) => x.id).join(", ")).toBeDefined();
    const got = suggestCheck(m!, fw);
    expect(got).not.toMatch(/undefined/);
    expect(got).toBe(want);
  });
});

describe("a suggestion the scenario already has", () => {
  const check = { from: "remote", to: { kind: "host", host: "server" }, port: 9999, protocol: "tcp", families: ["ipv4", "ipv6"], expected: "dropped", text: "remote -> server:9999 dropped", location: { file: "/p/s.yaml", line: 9, column: 9 } };
  const withCheck: Scenario = { ...fw, steps: [...fw.steps, { kind: "expect", expectations: [check], location: { file: "/p/s.yaml", line: 8, column: 1 } } as never] };
  test.each([
    // The check held with the mutant, so repeating it would not catch it: say so instead.
    ["accept-drop", "accept-drop@rules.v6:5", withCheck, "the scenario already checks `remote -> server:9999 dropped` (line 9) and it held with this change: no TCP/UDP probe from remote tells it apart (it matters for other traffic: ICMP, related or invalid packets, another source); check it with a `run` step that sends such traffic, or accept it as a known gap"],
    ["swap", "swap@rules.v6:5", withCheck, "the scenario already checks `remote -> server:9999 dropped` (line 9) and it held with this change: no TCP/UDP probe from remote tells it apart (it matters for other traffic: ICMP, related or invalid packets, another source); check it with a `run` step that sends such traffic, or accept it as a known gap"],
    // A check in the other family only, or with another verdict, is not the same check.
    ["accept-drop", "accept-drop@rules.v6:5", { ...withCheck, steps: [...fw.steps, { kind: "expect", expectations: [{ ...check, families: ["ipv4"] }], location: check.location } as never] }, "make `remote -> server:9999 dropped` (line 9) both families (`family: both`, or no 4/6 suffix), or add it for ipv6"],
    ["drop-reject", "drop-reject@rules.v6:6", withCheck, "add `remote -> server:9999/tcp6 refused`"],
  ])("%s: %s", (op, id, scenario, want) => {
    const m = mutantsOf(scenario, selectOperators([op])).find((x) => x.id === id);
    expect(m).toBeDefined();
    expect(suggestCheck(m!, scenario)).toBe(want);
  });
});
