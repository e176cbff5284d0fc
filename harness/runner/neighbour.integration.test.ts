/**
 * IPv6 neighbour discovery is ICMPv6, filtered by the rules under test: an
 * INPUT policy DROP that accepts TCP 22 but no ICMPv6 leaves the host
 * unreachable from its link over IPv6 (a real peer's neighbour lookup is
 * dropped), on a legacy host and an nft host alike. fwspec observes that from
 * the first probe on (no IPv6 neighbour warm-up hides it) and says why: the
 * client never sent its SYN, no rule is named as taking it. With types 135
 * and 136 accepted the same port is open. IPv4 (ARP) is unaffected. Behind a
 * router, the router's lookup of the target is what fails: said as such, the
 * packet got as far as the router (asked once the probe has ended, also when
 * probes run side by side).
 */
import { expect, it } from "vitest";
import { run } from "../api.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";

const STRICT = ["-P INPUT DROP", "-A INPUT -i lo -j ACCEPT", "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", "-A INPUT -p tcp --dport 22 -j ACCEPT"];
const ND = ["-A INPUT -p ipv6-icmp --icmpv6-type 135 -j ACCEPT", "-A INPUT -p ipv6-icmp --icmpv6-type 136 -j ACCEPT"];
const commands = (rules: readonly string[]) => rules.map((r) => `ip6tables ${r}`);

it("a host whose IPv6 rules drop neighbour discovery is dropped over IPv6 from the first probe, with the reason; accepting types 135 and 136 opens it", async () => {
  const scenario = defineScenario({
    name: "neighbour discovery",
    description: "INPUT DROP without ICMPv6, then with neighbour discovery accepted",
    hosts: { legacybox: { firewall: true, backend: "legacy", listen: ["tcp/22", "udp/53"] }, nftbox: { firewall: true, backend: "nft", listen: ["tcp/22"] }, client: {} },
    steps: [
      { apply: { host: "legacybox", commands: commands(STRICT) } },
      { apply: { host: "nftbox", commands: commands(STRICT) } },
      // Twice, and over UDP: a neighbour entry still INCOMPLETE (a timeout) and one FAILED by then (the client's own `No route to host`) read alike.
      { expect: ["client -> legacybox:22 open", "client -> nftbox:22 open", "client -> legacybox:22 open", "client -> legacybox:53/udp open"] },
      { apply: { host: "legacybox", commands: commands(ND) } },
      { apply: { host: "nftbox", commands: commands(ND) } },
      { expect: ["client -> legacybox:22/tcp6 open", "client -> nftbox:22/tcp6 open"] },
    ],
  }, { baseDir: import.meta.dirname });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const rows = report.scenarios[0]!.expectations.map((e) => ({
    check: `line ${e.line}: ${e.to} ${e.family}`,
    actual: e.actual,
    never: e.family === "ipv6" && e.actual === "dropped" ? /could not learn the link-layer address of 2001:db8:[0-9a-f:]+ \(its neighbour entry (INCOMPLETE|FAILED)\)/.test(e.explanation ?? "") : undefined,
    // Its packet never left: no rule is named as taking it.
    ...(e.actual === "dropped" ? { decision: e.decision?.rule } : {}),
  }));
  expect(rows).toEqual([
    { check: expect.stringContaining("legacybox ipv4"), actual: "open", never: undefined },
    { check: expect.stringContaining("legacybox ipv6"), actual: "dropped", never: true, decision: undefined },
    { check: expect.stringContaining("nftbox ipv4"), actual: "open", never: undefined },
    { check: expect.stringContaining("nftbox ipv6"), actual: "dropped", never: true, decision: undefined },
    { check: expect.stringContaining("legacybox ipv4"), actual: "open", never: undefined },
    { check: expect.stringContaining("legacybox ipv6"), actual: "dropped", never: true, decision: undefined },
    { check: expect.stringContaining("legacybox ipv4"), actual: "open", never: undefined },
    { check: expect.stringContaining("legacybox ipv6"), actual: "dropped", never: true, decision: undefined },
    { check: expect.stringContaining("legacybox ipv6"), actual: "open", never: undefined },
    { check: expect.stringContaining("nftbox ipv6"), actual: "open", never: undefined },
  ]);
}, 120_000);

it.each([false, true])("behind a router: a target dropping the router's neighbour solicitations is dropped at the router, with the reason (parallel probes: %s)", async (parallelProbes) => {
  const scenario = defineScenario({
    name: "neighbour discovery behind a router",
    description: "the backend drops ICMPv6, so the router cannot find it over IPv6",
    networks: ["lan", "dmz"],
    hosts: { client: { networks: ["lan"] }, router: { firewall: true, router: true, networks: ["lan", "dmz"] }, backend: { firewall: true, networks: ["dmz"], listen: ["tcp/22", "tcp/8080"] } },
    steps: [
      { apply: { host: "backend", commands: commands(STRICT) } },
      { expect: ["client -> backend:22 open", "client -> backend:8080/tcp6 open"] },
      { apply: { host: "backend", commands: commands(ND) } },
      { expect: ["client -> backend:22/tcp6 open"] },
    ],
  }, { baseDir: import.meta.dirname });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider(), parallelProbes });
  const rows = report.scenarios[0]!.expectations.map((e) => ({
    check: `${e.to}:${e.port} ${e.family}`,
    actual: e.actual,
    ...(e.actual === "dropped" ? { decision: e.decision?.rule, atRouter: /reached router \(the router on its path\) and went no further: router could not learn the link-layer address of 2001:db8:/.test(e.explanation ?? "") } : {}),
  }));
  expect(rows).toEqual([
    { check: "backend:22 ipv4", actual: "open" },
    { check: "backend:22 ipv6", actual: "dropped", decision: undefined, atRouter: true },
    { check: "backend:8080 ipv6", actual: "dropped", decision: undefined, atRouter: true },
    { check: "backend:22 ipv6", actual: "open" },
  ]);
}, 120_000);

it("a target whose rules accept solicitations but drop the prober's advertisements: its answer never left it, said as such, no rule named; a later probe its rules drop keeps its own rule", async () => {
  // As guides write it: neighbour solicitations accepted, advertisements forgotten. The server learns the client from
  // the client's own solicitation (the first probe is open); once the server's entry is gone while the client still
  // holds the server's, the client sends no solicitation, and the server's lookup for its answer goes unanswered.
  const NS_ONLY = [...STRICT, "-A INPUT -p ipv6-icmp --icmpv6-type 135 -j ACCEPT"];
  const scenario = defineScenario({
    name: "advertisements dropped",
    description: "the target's INPUT takes the prober's neighbour advertisements",
    hosts: { legacybox: { firewall: true, backend: "legacy", listen: ["tcp/22", "tcp/8080"] }, nftbox: { firewall: true, backend: "nft", listen: ["tcp/22", "tcp/8080"] }, nativebox: { firewall: true, listen: ["tcp/22"] }, client: {} },
    steps: [
      { apply: { host: "legacybox", commands: commands(NS_ONLY) } },
      { apply: { host: "nftbox", commands: commands(NS_ONLY) } },
      // The same in a native nft table, decided by its trace (tester 44a: blamed on a chain on the way back).
      { apply: { host: "nativebox", nft: "../../fixtures/nftables/nd-solicit-only.nft" } },
      { expect: ["client -> legacybox:22/tcp6 open", "client -> nftbox:22/tcp6 open", "client -> nativebox:22/tcp6 open"] },
      { run: { host: "legacybox", command: "ip -6 neigh flush all" } },
      { run: { host: "nftbox", command: "ip -6 neigh flush all" } },
      { run: { host: "nativebox", command: "ip -6 neigh flush all" } },
      { expect: ["client -> legacybox:22/tcp6 dropped", "client -> nftbox:22/tcp6 dropped", "client -> nativebox:22/tcp6 dropped"] },
      // The :22 probes' SYN-ACKs, resent for a minute (after 1 s, 3 s, …), would make the entry INCOMPLETE again and be
      // taken for the next probe's answer: they are ended with the check.
      { run: { host: "client", command: "sleep 2" } },
      { expect: ["client -> legacybox:8080/tcp6 dropped", "client -> nftbox:8080/tcp6 dropped"] },
    ],
  }, { baseDir: import.meta.dirname });
  const report = await run({ scenarios: [scenario] }, { provider: await testLabProvider() });
  const rows = report.scenarios[0]!.expectations.map((e) => ({
    check: `${e.to} ${e.family} ${e.actual}`,
    decision: e.decision?.rule,
    back: /reached (legacybox|nftbox|nativebox), whose answer never left: \1 could not learn the link-layer address of 2001:db8:[0-9a-f:]+ on its way back to client \(its neighbour entry (INCOMPLETE|FAILED)\)/.test(`${e.explanation ?? ""} ${e.reason}`) || /\(its target\) had no link-layer address for 2001:db8:[0-9a-f:]+ on its way back to client/.test(e.reason),
  }));
  expect(rows).toEqual([
    { check: "legacybox ipv6 open", decision: "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", back: false },
    { check: "nftbox ipv6 open", decision: "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", back: false },
    { check: "nativebox ipv6 open", decision: "tcp dport { 22, 8080 } accept", back: false },
    { check: "legacybox ipv6 dropped", decision: undefined, back: true },
    { check: "nftbox ipv6 dropped", decision: undefined, back: true },
    { check: "nativebox ipv6 dropped", decision: undefined, back: true },
    { check: "legacybox ipv6 dropped", decision: "policy DROP", back: false },
    { check: "nftbox ipv6 dropped", decision: "policy DROP", back: false },
  ]);
}, 120_000);
