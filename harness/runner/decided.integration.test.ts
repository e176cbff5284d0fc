/**
 * Issue 15: every verdict on an nft-based host's path names the rule (or
 * policy, or the absence of any filter chain) that decided it, from the
 * trace, and no decision contradicts its verdict. A representative subset of
 * the shipped scenarios (a router before and after its rules, DNAT and
 * MASQUERADE, held sessions kept and cut, sweeps, identical probes in one
 * step) run as `fwspec run` runs
 * them; bench/undecided.ts measures the whole shipped run the same way.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../api.ts";
import { PROJECT_ROOT } from "../env/images.ts";
import type { ExpectationResult } from "../model/results.ts";
import { decidedLine } from "../report/failure.ts";
import { undecidedVerdicts } from "../report/undecided.ts";
import { validateFiles } from "../scenario/validate-files.ts";
import { testLabProvider } from "../testing/session.ts";

const SUBSET = [
  "scenarios/block-port/19-forward-on-router.yaml",
  "scenarios/nat/30-port-forward-dnat-masquerade.yaml",
  "scenarios/restrict-localhost/05-flush-established-loopback.yaml",
  "scenarios/restrict-localhost/05b-untracked-ipv6-session-is-cut.yaml",
  "scenarios/block-port/20-sweep-default-drop.yaml",
  "scenarios/restrict-localhost/01-localhost-only-ipv4.yaml",
].map((p) => join(PROJECT_ROOT, p));

describe("the deciding rule of every verdict on nft-based hosts", () => {
  it("names one for each verdict of the subset, and none contradicts its verdict", async () => {
    const { scenarios } = validateFiles(SUBSET);
    // Each scenario on a lab of its own, as a user running one file sees it: with labs by shape a scenario may follow another
    // on one lab, whose reset leaves that scenario's filter tables empty with policy ACCEPT (reset.ts's clean state), and the
    // words below would name that policy instead of "no filter chain" (true either way; the trace integration test covers a
    // shared lab's decisions).
    const report = await run({ scenarios }, { provider: await testLabProvider(), freshLabs: true });
    const undecided = undecidedVerdicts(report.scenarios, scenarios).map((u) => `${u.file.replace(`${PROJECT_ROOT}/`, "")}:${u.line} ${u.family} ${u.text}: ${u.problem}`);
    expect(undecided).toEqual([]);
    // Every lab started and every check ran (whether each verdict held is the scenarios' own business).
    expect(report.summary.errors).toBe(0);

    const all = report.scenarios.flatMap((s) => s.expectations.map((e) => [`${s.file.split("/").pop()} ${e.text} ${e.family}`, e] as const));
    const at = (key: string): ExpectationResult => all.find(([k]) => k === key)![1];
    // A router with no filter rule yet: no filter chain decided, and the report says so.
    const before = at("19-forward-on-router.yaml client -> backend:8080 open ipv4").decision!;
    expect(before).toMatchObject({ host: "router", unfiltered: true, action: "accept", source: "trace" });
    expect(decidedLine(before)).toContain("no filter chain");
    // DNAT and MASQUERADE: no filter rule, the rewrites named by their iptables-save lines (by the trace's handle when the
    // trace printed the rule, else read from the next hook's packet).
    const nat = at("30-port-forward-dnat-masquerade.yaml client -> router:80 open answered-by backend:8080 seen-from router ipv4").decision!;
    expect(nat, JSON.stringify(nat)).toMatchObject({ host: "router", unfiltered: true, action: "accept" });
    expect(nat.rewrites?.join("\n")).toMatch(/^nat PREROUTING: -A PREROUTING -p tcp -m tcp --dport 80 .*-j DNAT --to-destination \S+:8080 (\[handle \d+\]|\(not in the trace: .*its destination now \S+ port 8080\))( \(\S+\.yaml:\d+\))?$/m);
    expect(nat.rewrites?.join("\n")).toMatch(/^nat POSTROUTING: -A POSTROUTING .*-j MASQUERADE/m);
    // A held session: its data packet's rule, never a probe's to the same port.
    const held = at("05-flush-established-loopback.yaml held session4 open ipv4").decision!;
    expect(held).toMatchObject({ action: "accept", source: "trace" });
    expect(held.rule).toMatch(/ESTABLISHED/);
    // Two identical probes in a step (the tcp6 expectation and the tcp4 one's IPv6 parity probe), both decided alike: named.
    expect(at("01-localhost-only-ipv4.yaml remote -> server:8080/tcp6 open ipv6").decision).toMatchObject({ unfiltered: true, rule: "no filter chain", host: "server" });
    // After a held IPv6 session was cut (its retransmits keep counters from attributing in IPv6), the tcp6 probe (identical to
    // the tcp4 one's IPv6 parity probe) is decided early from the trace, not by its timeout.
    expect(at("05b-untracked-ipv6-session-is-cut.yaml remote -> server:3000/tcp6 dropped ipv6").evidence.stoppedEarly).toMatch(/a DROP rule took its/);
    // A sweep names each port's deciding rule, from the trace of its own packets (single probes to the same ports in the step keep theirs).
    for (const family of ["ipv4", "ipv6"]) {
      const sweep = at(`20-sweep-default-drop.yaml outside -> server:1-1024 blocked except 22,80,443 ${family}`).sweep!;
      expect(sweep.attribution, family).toBe("trace");
      expect(sweep.decided?.reduce((n, d) => n + d.count, 0), family).toBe(1024);
      // Each port's rule with the line that wrote it, as an observation's (rules/origin.ts).
      const v = family === "ipv4" ? "v4" : "v6";
      expect(sweep.decided?.[0]?.decided, family).toBe(`server ${family} filter INPUT policy DROP, written at ../../fixtures/sweep/default-drop.${v}:3 (took its first packet; nftables trace)`);
      expect(sweep.decided?.find((d) => d.ports === "113")?.decided, family).toMatch(/REJECT --reject-with tcp-reset \[handle \d+\], written at /);
      expect(sweep.decided?.find((d) => d.ports === "113")?.origin, family).toEqual({ file: join(PROJECT_ROOT, `fixtures/sweep/default-drop.${v}`), line: 11, shown: `../../fixtures/sweep/default-drop.${v}` });
      expect(at(`20-sweep-default-drop.yaml outside -> server:113 refused:rst ${family}`).decision, family).toMatchObject({ action: "reject", source: "trace" });
    }
  });
});
