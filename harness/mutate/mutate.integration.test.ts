/**
 * `fwspec mutate` on a real lab: a known-weak scenario (a localhost-only rule
 * pair and a tcp-reset REJECT, checked only from loopback and a peer, with
 * plain `refused`) gets its two survivors reported — `-s 127.0.0.1`→`-i lo`
 * and tcp-reset→icmp-port-unreachable — each with a suggested check; the
 * scenario with the suggestions applied, mechanically, kills both. A native
 * nft input policy's survivor gets a check on a port no rule names with the
 * listener it needs: pasted as is (the loader takes it), it kills the mutant.
 * A source-restricted rule's survivor gets a check from an address the rule
 * matches, with the extra address and subnet to declare: declared, it kills;
 * on a native nft host the check is weighed from that address (a narrower
 * source range before the rule drops it: the probe leaves from past it).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, inject, test } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { DockerLabProvider } from "../lab/provider.ts";
import { defineScenario } from "../scenario/load.ts";
import { mutateScenarios } from "./run.ts";

const RULES = [
  "iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT",
  "iptables -A INPUT -p tcp --dport 8080 -j DROP",
  "iptables -A INPUT -p tcp --dport 8081 -j REJECT --reject-with tcp-reset",
];

const weakChecks = ["server -> localhost:8080 open", "remote -> server:8080 dropped", "remote -> server:8081 refused"];

const scenarioWith = (checks: readonly string[]) => defineScenario({
  name: "weak localhost-only",
  description: "a known-weak scenario",
  family: "ipv4",
  hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/8081"] }, remote: {} },
  steps: [{ apply: { host: "server", commands: RULES } }, { expect: [...checks] }],
});

async function labProvider(): Promise<DockerLabProvider> {
  return new DockerLabProvider({ docker: await connectEngine(), image: inject("fwspecImage"), runId: inject("fwspecRunId"), ownerPid: inject("fwspecOwnerPid") });
}

/** The suggestion applied as a person would: `add \`X\`` appends X; `make \`X\` … \`… V\`` gives X the verdict V. */
function applySuggestion(checks: readonly string[], suggestion: string): string[] {
  const add = /^add `([^`]+)`/.exec(suggestion);
  if (add) return [...checks, add[1]!];
  const make = /^make `([^`]+)` .*`… (\S+)`$/.exec(suggestion);
  if (make) return checks.map((c) => (c === make[1] ? c.replace(/\S+$/, make[2]!) : c));
  throw new Error(`cannot apply: ${suggestion}`);
}

test("a weak scenario's survivors come with suggestions that, once added, kill them", async () => {
  const provider = await labProvider();
  const operators = ["loopback-iface", "reject-type"];

  const weak = await mutateScenarios([scenarioWith(weakChecks)], { provider, operators });
  const survivors = weak.scenarios[0]!.mutants;
  expect(survivors.map((m) => `${m.operator} ${m.status}: ${m.changes.map((c) => `${c.before} → ${c.after}`).join("")}`)).toEqual([
    "reject-type survived: iptables -A INPUT -p tcp --dport 8081 -j REJECT --reject-with tcp-reset → iptables -A INPUT -p tcp --dport 8081 -j REJECT --reject-with icmp-port-unreachable",
    "loopback-iface survived: iptables -A INPUT -p tcp --dport 8080 -s 127.0.0.1 -j ACCEPT → iptables -A INPUT -p tcp --dport 8080 -i lo -j ACCEPT",
  ]);
  expect(survivors.map((m) => m.detail)).toEqual([
    "make `remote -> server:8081 refused` (line 1) say which refusal: `… refused:rst`",
    "add `server -> server:8080/tcp4 dropped` (the host's own non-loopback address arrives on lo too, from a non-loopback source)",
  ]);
  expect(weak.score).toBe(0);

  const strong = survivors.reduce((checks, m) => applySuggestion(checks, m.detail), weakChecks);
  expect(strong).toEqual(["server -> localhost:8080 open", "remote -> server:8080 dropped", "remote -> server:8081 refused:rst", "server -> server:8080/tcp4 dropped"]);
  const after = await mutateScenarios([scenarioWith(strong)], { provider, operators });
  expect(after.scenarios[0]!.mutants.map((m) => `${m.operator} ${m.status}: ${m.detail}`)).toEqual([
    "reject-type killed: `remote -> server:8081 refused:rst` [ipv4] (line 1): refused with an ICMP port unreachable, but `refused:rst` wants a TCP reset (REJECT --reject-with tcp-reset). A REJECT rule answered its SYN with icmp-port-unreachable: server INPUT: -A INPUT -p tcp -m tcp --dport 8081 -j REJECT --reject-with icmp-port-unreachable",
    "loopback-iface killed: `server -> server:8080/tcp4 dropped` [ipv4] (line 1): open, expected dropped",
  ]);
  expect(after.score).toBe(100);
}, 240_000);

test("a policy survivor's suggestion is a check the loader takes as pasted, listener and all, and it kills the mutant", async () => {
  const provider = await labProvider();
  const dir = mkdtempSync(join(tmpdir(), "fwspec-policy-"));
  try {
    writeFileSync(join(dir, "fw.nft"), "flush ruleset\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tiif lo accept\n\t\ttcp dport 22 accept\n\t\ttcp dport 80 accept\n\t}\n}\n");
    const policy = (listen: readonly string[], checks: readonly string[]) => defineScenario({
      name: "policy drop", description: "every listener's port accepted by a rule", family: "ipv4",
      hosts: { server: { firewall: true, listen: [...listen] }, client: {} },
      steps: [{ apply: { host: "server", nft: "fw.nft" } }, { expect: [...checks] }],
    }, { baseDir: dir });
    const checks = ["client -> server:22 open", "client -> server:80 open"];
    const weak = await mutateScenarios([policy(["tcp/22", "tcp/80"], checks)], { provider, operators: ["policy"] });
    const [survivor] = weak.scenarios[0]!.mutants;
    expect(`${survivor?.status}: ${survivor?.detail}`).toBe("survived: add `client -> server:9999/tcp4 dropped` (with `listen: [tcp/9999]` on server; a port no rule names: the input policy decides it)");
    // Pasted as is: the check, and the listener the suggestion names (defineScenario runs the loader's checks, listeners too).
    const [, check] = /^add `([^`]+)`/.exec(survivor!.detail!)!;
    const [, listener] = /`listen: \[(\S+)\]`/.exec(survivor!.detail!)!;
    const after = await mutateScenarios([policy(["tcp/22", "tcp/80", listener!], [...checks, check!])], { provider, operators: ["policy"] });
    expect(after.scenarios[0]!.mutants.map((m) => m.status)).toEqual(["killed"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 240_000);

test("a source-restricted rule's survivor: the suggested check leaves from an address the rule matches, declared as suggested, and kills the mutant", async () => {
  const provider = await labProvider();
  const rules = ["ip6tables -A INPUT -s 2001:db8:5e1::5 -p tcp --dport 22 -j ACCEPT", "ip6tables -A INPUT -p tcp --dport 22 -j DROP"];
  const restricted = (remote: { addresses?: { lan: { extra: string[] } } }, subnets: { lan: { ipv6: string } } | undefined, checks: readonly string[]) => defineScenario({
    name: "source-restricted", description: "ssh only from 2001:db8:5e1::5", family: "ipv6",
    ...(subnets ? { subnets } : {}),
    hosts: { server: { firewall: true, listen: ["tcp/22"] }, remote },
    // A step that may send traffic: the unreached rule is not proven equivalent from its counter, so its mutant runs.
    steps: [{ apply: { host: "server", commands: rules } }, { run: { host: "remote", command: "sleep 0" } }, { expect: [...checks] }],
  });
  const checks = ["remote -> server:22 dropped"];
  const weak = await mutateScenarios([restricted({}, undefined, checks)], { provider, operators: ["accept-drop"] });
  const survivor = weak.scenarios[0]!.mutants.find((m) => m.status === "survived");
  // Was: `add \`remote -> server:22/tcp6 open\``, from remote's own address, which the rule never matches (the check fails as written).
  expect(survivor?.detail).toBe("add `remote@[2001:db8:5e1::5] -> server:22/tcp6 open` (remote needs the address 2001:db8:5e1::5, which the rule's source matches: `addresses: { lan: { extra: [\"2001:db8:5e1::5\"] } }` on remote, with `subnets: { lan: { ipv6: 2001:db8:5e1::/64 } }`)");
  // Pasted as the suggestion says: the check, the extra address and the subnet.
  const [, check] = /^add `([^`]+)`/.exec(survivor!.detail!)!;
  const [, extra] = /extra: \["([^"]+)"\]/.exec(survivor!.detail!) as unknown as [string, string];
  const [, subnet] = /`subnets: \{ lan: \{ ipv6: (\S+) \} \}`/.exec(survivor!.detail!) as unknown as [string, string];
  const after = await mutateScenarios([restricted({ addresses: { lan: { extra: [extra] } } }, { lan: { ipv6: subnet } }, [...checks, check!])], { provider, operators: ["accept-drop"] });
  expect(after.scenarios[0]!.mutants.map((m) => m.status)).toEqual(["killed", "killed"]);
}, 300_000);

test("native nft source matches: a survivor's suggested check is weighed from the address it leaves from, and declared as suggested it kills", async () => {
  const provider = await labProvider();
  const dir = mkdtempSync(join(tmpdir(), "fwspec-nft-saddr-"));
  try {
    // ssh from 198.18.7.0/25, but not from its first /28.
    writeFileSync(join(dir, "fw.nft"), "flush ruleset\ntable inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tip saddr 198.18.7.0/28 drop\n\t\tip saddr 198.18.7.0/25 tcp dport 22 accept\n\t}\n}\n");
    const restricted = (remote: { addresses?: { lan: { extra: string[] } } }, subnets: { lan: { ipv4: string } } | undefined, checks: readonly string[]) => defineScenario({
      name: "nft source-restricted", description: "ssh only from 198.18.7.0/25 past its first /28", family: "ipv4",
      ...(subnets ? { subnets } : {}),
      hosts: { server: { firewall: true, listen: ["tcp/22"] }, remote },
      // A step that may send traffic: the unreached rules are not proven equivalent from their counters, so their mutants run.
      steps: [{ apply: { host: "server", nft: "fw.nft" } }, { run: { host: "remote", command: "sleep 0" } }, { expect: [...checks] }],
    }, { baseDir: dir });
    const checks = ["remote -> server:22 dropped"];
    const weak = await mutateScenarios([restricted({}, undefined, checks)], { provider, operators: ["accept-drop"] });
    const survivors = weak.scenarios[0]!.mutants;
    const declare = (address: string) => `\`addresses: { lan: { extra: [${address}] } }\` on remote, with \`subnets: { lan: { ipv4: 198.18.7.0/24 } }\``;
    expect(survivors.map((m) => `${m.id} ${m.status}: ${m.detail}`)).toEqual([
      `accept-drop@fw.nft:5 survived: add \`remote@198.18.7.10 -> server:22/tcp4 dropped\` (remote needs the address 198.18.7.10, which the rule's source matches: ${declare("198.18.7.10")})`,
      // Was: `remote@198.18.7.10 -> server:22/tcp4 open`, an address the /28 before drops: the check failed as written.
      `accept-drop@fw.nft:6 survived: add \`remote@198.18.7.25 -> server:22/tcp4 open\` (with this change it is dropped; remote needs the address 198.18.7.25 to leave from: ${declare("198.18.7.25")})`,
    ]);
    // Pasted as the suggestions say: the checks, the extra addresses and the subnet.
    const added = survivors.map((m) => /^add `([^`]+)`/.exec(m.detail!)![1]!);
    const extra = survivors.map((m) => /extra: \[([^\]]+)\]/.exec(m.detail!)![1]!);
    const after = await mutateScenarios([restricted({ addresses: { lan: { extra } } }, { lan: { ipv4: "198.18.7.0/24" } }, [...checks, ...added])], { provider, operators: ["accept-drop"] });
    expect(after.scenarios[0]!.mutants.map((m) => `${m.id} ${m.status}`)).toEqual(["accept-drop@fw.nft:5 killed", "accept-drop@fw.nft:6 killed"]);
    // The unweighed suggestion on real packets: from 198.18.7.10 the rules as written drop it, so the scenario fails.
    const unweighed = await mutateScenarios([restricted({ addresses: { lan: { extra: ["198.18.7.10"] } } }, { lan: { ipv4: "198.18.7.0/24" } }, [...checks, "remote@198.18.7.10 -> server:22/tcp4 open"])], { provider, operators: ["accept-drop"] });
    expect(unweighed.scenarios[0]!.skipped).toMatch(/^the original scenario does not pass \(failed: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
