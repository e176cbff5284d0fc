/**
 * Rulesets the real tools wrote (fixtures/generated/, PROVENANCE.md), run as
 * `fwspec run` runs the shipped scenarios 43 and 44 on real containers:
 * firewalld 1.3.3's `table inet firewalld` loaded with nft -f, and ufw
 * 0.36.2's iptables-save output restored on an iptables-nft host. Every
 * verdict passes and names its deciding rule from the nftables trace: the
 * firewalld chain (filter_IN_public_allow, the zone's reject) or the ufw
 * chain (ufw-user-limit-accept, ufw-user-limit, the INPUT policy).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../api.ts";
import { PROJECT_ROOT } from "../env/images.ts";
import { undecidedVerdicts } from "../report/undecided.ts";
import { validateFiles } from "../scenario/validate-files.ts";
import { testLabProvider } from "../testing/session.ts";

const FILES = ["scenarios/nftables/43-firewalld-generated.yaml", "scenarios/nftables/44-ufw-generated-iptables-nft.yaml"].map((p) => join(PROJECT_ROOT, p));
// filter_INPUT jumps to filter_INPUT_ZONES, which goes (goto) to the zone's chain: the path shows every chain passed.
const ALLOW = ["filter_INPUT", "filter_INPUT_ZONES", "filter_IN_public", "filter_IN_public_allow"];
const ZONE_REJECT = { path: ["filter_INPUT", "filter_INPUT_ZONES", "filter_IN_public"], rule: "reject with icmpx admin-prohibited" };

/** `file expectation family` → the decision's path, rule and policy flag (the same in both families unless the family is named). */
const EXPECTED: readonly [string, { path: readonly string[]; rule: string; policy?: boolean }][] = [
  ["43 remote -> server:22 open", { path: ALLOW, rule: "tcp dport 22 accept" }],
  ["43 remote -> server:80/http open", { path: ALLOW, rule: "tcp dport 80 accept" }],
  ["43 remote -> server:8080 unreachable", ZONE_REJECT],
  ["43 remote -> server:5353/udp unreachable", ZONE_REJECT],
  ["43 remote -> server:9090 unreachable", ZONE_REJECT],
  ["43 admin -> server:9090/tcp4 open ipv4", { path: ALLOW, rule: "ip saddr @admins tcp dport 9090 accept" }],
  ["43 admin -> server:9090/tcp6 unreachable ipv6", ZONE_REJECT],
  ["43 server -> localhost:8080 open", { path: ["filter_INPUT"], rule: 'iifname "lo" accept' }],
  // The host's own SYN out: no rule decides it; filter_OUTPUT's policy lets it out (firewalld's nat_POSTROUTING filters nothing).
  ["43 server -> remote:8000 open", { path: ["filter_OUTPUT"], rule: "policy accept", policy: true }],
  ["43 remote -> server:22/tcp6 open ipv6", { path: ALLOW, rule: "tcp dport 22 accept" }],
  // Routed through the server: connections held through the apply, a new one, reverse-path filtering.
  ["43 held fwd4 open ipv4", { path: ["filter_FORWARD"], rule: "ct state { established, related } accept" }],
  ["43 held fwd6 open ipv6", { path: ["filter_FORWARD"], rule: "ct state { established, related } accept" }],
  ["43 admin -> backend:8000 unreachable", { path: ["filter_FORWARD", "filter_FORWARD_ZONES", "filter_FWD_public"], rule: "reject with icmpx admin-prohibited" }],
  ["43 remote@[2001:db8:143::100] -> [2001:db8:43::2]:22 dropped ipv6", { path: ["filter_PREROUTING"], rule: "meta nfproto ipv6 fib saddr . mark . iif oif missing drop" }],
  ["44 remote -> server:22 open ipv4", { path: ["INPUT", "ufw-before-input", "ufw-user-input", "ufw-user-limit-accept"], rule: "-A ufw-user-limit-accept -j ACCEPT" }],
  ["44 remote -> server:22 open ipv6", { path: ["INPUT", "ufw6-before-input", "ufw6-user-input", "ufw6-user-limit-accept"], rule: "-A ufw6-user-limit-accept -j ACCEPT" }],
  ["44 remote -> server:22 refused:icmp ipv4", { path: ["INPUT", "ufw-before-input", "ufw-user-input", "ufw-user-limit"], rule: "-A ufw-user-limit -j REJECT --reject-with icmp-port-unreachable" }],
  ["44 remote -> server:22 refused:icmp ipv6", { path: ["INPUT", "ufw6-before-input", "ufw6-user-input", "ufw6-user-limit"], rule: "-A ufw6-user-limit -j REJECT --reject-with icmp6-port-unreachable" }],
  ["44 remote -> server:8080 dropped ipv4", { path: ["INPUT", "ufw-before-input", "ufw-user-input"], rule: "-A ufw-user-input -p tcp -m tcp --dport 8080 -j DROP" }],
  ["44 remote -> server:9090 dropped", { path: ["INPUT"], rule: "policy DROP", policy: true }],
  ["44 server -> localhost:8080 open ipv6", { path: ["INPUT", "ufw6-before-input"], rule: "-A ufw6-before-input -i lo -j ACCEPT" }],
  ["44 remote -> server:137/udp dropped ipv4", { path: ["INPUT", "ufw-after-input", "ufw-skip-to-policy-input"], rule: "-A ufw-skip-to-policy-input -j DROP" }],
  ["44 remote -> server:445 dropped ipv6", { path: ["INPUT", "ufw6-after-input", "ufw6-skip-to-policy-input"], rule: "-A ufw6-skip-to-policy-input -j DROP" }],
  ["44 remote -> server:68/udp4 dropped", { path: ["INPUT", "ufw-after-input", "ufw-skip-to-policy-input"], rule: "-A ufw-skip-to-policy-input -j DROP" }],
  ["44 remote -> server:546/udp6 dropped", { path: ["INPUT", "ufw6-after-input", "ufw6-skip-to-policy-input"], rule: "-A ufw6-skip-to-policy-input -j DROP" }],
  ["44 server -> localhost:445 open ipv6", { path: ["INPUT", "ufw6-before-input"], rule: "-A ufw6-before-input -i lo -j ACCEPT" }],
  ["44 server -> remote:8000 open ipv4", { path: ["OUTPUT", "ufw-track-output"], rule: "-A ufw-track-output -p tcp -m conntrack --ctstate NEW -j ACCEPT" }],
];

describe("rulesets generated by firewalld and ufw", () => {
  it("load as the tools wrote them, every verdict holds and names its deciding rule from the trace", async () => {
    const { scenarios } = validateFiles(FILES);
    const report = await run({ scenarios }, { provider: await testLabProvider() });
    // What did not pass, by name (a lab that could not start, e.g. its declared subnet held too long by another run, shows here).
    const notPassed = report.scenarios.flatMap((sc) => [
      ...sc.errors,
      ...sc.counters.filter((c) => c.status !== "passed").map((c) => `counter ${c.selector} ${c.family}: ${c.status} ${c.message}`),
      ...sc.steps.filter((st) => st.status !== "passed").map((st) => `${st.title}: ${st.message}`),
      ...sc.expectations.filter((e) => e.status !== "passed").map((e) => `${e.text} ${e.family}: ${e.status} ${e.reason}`),
    ]);
    expect(notPassed).toEqual([]);
    expect(report.summary.failed + report.summary.errors).toBe(0);
    expect(undecidedVerdicts(report.scenarios, scenarios)).toEqual([]);
    const all = report.scenarios.flatMap((s) => s.expectations.map((e) => ({ key: `${s.file.split("/").pop()!.slice(0, 2)} ${e.text} ${e.family}`, e })));
    expect(all.length).toBe(26 + 36);
    expect(all.filter(({ e }) => e.decision?.source !== "trace").map(({ key }) => key)).toEqual([]);
    for (const [key, want] of EXPECTED) {
      const found = all.filter((a) => a.key === key || a.key.startsWith(`${key} ipv`));
      expect(found.length, key).toBeGreaterThan(0);
      for (const { key: k, e } of found) expect(e.decision, k).toMatchObject({ path: want.path, rule: want.rule, policy: want.policy ?? false });
    }
    // The port forwards (a table of their own beside firewalld's): the trace names the DNAT as the rewrite and
    // `ct status dnat accept` (iptables' --ctstate DNAT) as what let the rewritten packet through, INPUT for the server's own port, FORWARD for the backend.
    for (const [text, chain] of [["remote -> server:8888 open answered-by server:8080", "filter_INPUT"], ["admin -> server:8443 open answered-by backend:8000", "filter_FORWARD"]] as const) {
      const found = all.filter((a) => a.key.startsWith(`43 ${text} ipv`));
      expect(found.length, text).toBe(2);
      for (const { key, e } of found) {
        expect(e.decision, key).toMatchObject({ path: [chain], rule: "ct status dnat accept", action: "accept" });
        expect(e.decision?.rewrites?.length, key).toBe(1);
        expect(e.decision!.rewrites![0], key).toMatch(/^inet dnat43 prerouting: ip6? daddr \S+ tcp dport \d+ dnat ip6? to /);
      }
    }
  }, 300_000); // two whole scenarios, and 43 may first wait up to 120 s for its declared subnet
});
