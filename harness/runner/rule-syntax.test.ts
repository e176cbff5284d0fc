import path from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../errors.ts";
import type { ApplyStep, RuleSource, Scenario } from "../scenario/model.ts";
import { FakeLabProvider } from "../testing/fake-lab.ts";
import { checkJumpTargets, checkRuleSyntax, formatSyntaxProblem, formatUnchecked, RuleSyntaxError, type SyntaxProblem, withStaticJumps } from "./rule-syntax.ts";

const at = (line: number) => ({ file: "/p/s.yaml", line, column: 9 });
const apply = (sources: RuleSource[], line = 5): ApplyStep => ({ kind: "apply", host: "server", sources, location: at(line) });
const scenario = (steps: ApplyStep[]): Scenario => ({
  file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2,
  hosts: [{ name: "server", firewall: true, backend: "nft", listen: [] }],
  steps,
});
const V4 = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --no-such-a 1 -j DROP\n-A INPUT -j ACCEPT\n-A INPUT --no-such-b -j DROP\nCOMMIT\n";

async function problems(scenarios: Scenario[], provider = new FakeLabProvider()): Promise<string[]> {
  try {
    await checkRuleSyntax(scenarios, provider);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(RuleSyntaxError);
    expect(error).toBeInstanceOf(InputError);
    return (error as RuleSyntaxError).problems.map((p) => formatSyntaxProblem(p, "/p"));
  }
}

describe("checkRuleSyntax on the fake lab", () => {
  it("an nft file: nft's line and column, but no column on a line whose placeholder a stand-in replaced (nft counted in the stand-in's line)", async () => {
    const nft = scenario([apply([{ kind: "nft", path: "/p/fw.nft", content: "table inet fw {\n  chain input {\n    tcp dport 22 acept\n    ip saddr {{ server.ipv4 }} acept\n  }\n}\n" }])]);
    const error = await checkRuleSyntax([nft], new FakeLabProvider()).then(() => undefined, (e: unknown) => e as RuleSyntaxError);
    expect(error?.problems.map((p) => [p.line, p.column])).toEqual([[3, 18], [4, undefined]]);
  });

  it("names every bad line of a restore file (blanking each and testing again) and every bad command, per family", async () => {
    const bad = scenario([
      apply([{ kind: "restore", family: "ipv4", path: "/p/rules.v4", content: V4 }, { kind: "restore", family: "ipv6", path: "/p/rules.v6", content: "*filter\n-A INPUT --no-such-c\nCOMMIT\n" }]),
      apply([{ kind: "commands", commands: [["iptables", "-N", "WEB"], ["ip6tables", "-A", "INPUT", "--no-such-d"]], locations: [at(8), at(9)] }], 7),
    ]);
    const error = await checkRuleSyntax([bad], new FakeLabProvider()).then(() => undefined, (e: unknown) => e as Error);
    // The heading names the tools that refused these lines, not every tool fwspec may run.
    expect(error?.message.split("\n")[0]).toBe("4 rule line(s) rejected by iptables-restore --test, ip6tables-restore --test and ip6tables (no scenario lab was started):");
    expect(await problems([bad])).toEqual([
      "rules.v4:3: ipv4: iptables-nft-restore v0 (fake): unknown option",
      "rules.v4:5: ipv4: iptables-nft-restore v0 (fake): unknown option",
      "rules.v6:2: ipv6: ip6tables-nft-restore v0 (fake): unknown option",
      's.yaml:9: ipv6: ip6tables-nft v0 (fake): unknown option "--no-such-d"',
    ]);
  });

  it("names a jump to nothing at its rule's line, though the load (nft backend) names the COMMIT; each such line, loading again without it", async () => {
    const typo = scenario([apply([{ kind: "restore", family: "ipv4", path: "/p/rules.v4", content: "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j NOSUCH1\n-A INPUT -j ACCEPT\n-A INPUT -j NOSUCH2\nCOMMIT\n" }])]);
    const error = await checkRuleSyntax([typo], new FakeLabProvider()).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message.split("\n")[0]).toBe("2 rule line(s) rejected by iptables-restore (no scenario lab was started):");
    expect(await problems([typo])).toEqual([
      "rules.v4:3:10: ipv4: -j NOSUCH1: no chain or target named NOSUCH1; iptables-nft-restore v0 (fake): Chain 'NOSUCH1' does not exist (reported at line 6, the table's COMMIT)",
      "rules.v4:5:10: ipv4: -j NOSUCH2: no chain or target named NOSUCH2; iptables-nft-restore v0 (fake): Chain 'NOSUCH2' does not exist (reported at line 6, the table's COMMIT)",
    ]);
  });

  it("names a jump to nothing of a command list at the scenario's line, though the tool passed it (found without a lab)", async () => {
    const typo = scenario([apply([{ kind: "commands", commands: [["iptables", "-N", "WEB"], ["iptables", "-A", "INPUT", "-j", "WBE"]], locations: [at(8), at(9)] }], 7)]);
    const error = await checkRuleSyntax([typo], new FakeLabProvider()).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message.split("\n")[0]).toBe("1 rule line(s) rejected by the lab image's target list (no scenario lab was started):");
    expect(await problems([typo])).toEqual(["s.yaml:9:9: ipv4: -j WBE: no chain or target named WBE (did you mean WEB?)"]);
  });

  it("passes valid rules in one lab host, removed afterwards", async () => {
    const provider = new FakeLabProvider();
    const good = scenario([apply([{ kind: "restore", family: "ipv4", path: "/p/ok.v4", content: "*filter\n-A INPUT -j DROP\nCOMMIT\n" }])]);
    await expect(checkRuleSyntax([good, good], provider)).resolves.toEqual({ tested: 2, unchecked: [] });
    expect(provider.started.map((l) => [l.name, [...l.hosts.keys()], l.disposed])).toEqual([["rulecheck", ["rulecheck"], true]]);
  });

  it("starts no lab when nothing can be tested (no rules, or a script with shell syntax), and says what it left to the run", async () => {
    const provider = new FakeLabProvider();
    const shell = scenario([apply([{ kind: "script", path: "/p/r.sh", content: "for p in 1 2; do iptables -A INPUT --dport $p -j DROP; done\n" }])]);
    const steps: string[] = [];
    const check = await checkRuleSyntax([scenario([]), shell], provider, { step: (m) => steps.push(m), info: (m) => steps.push(`  ${m}`) });
    expect(check.tested).toBe(0);
    expect(check.unchecked.map((u) => formatUnchecked(u, "/p"))).toEqual(["r.sh:1: not checked: shell syntax or another program: `for p in 1 2; do iptables -A INPUT --dport $p -j DROP; done`"]);
    expect(steps).toEqual(["rule syntax: 0 rules file(s) and command list(s) accepted; 1 left to the run (their errors show only there)", `  ${formatUnchecked(check.unchecked[0]!)}`]);
    expect(provider.started).toEqual([]);
  });

  it("shows paths outside the working directory in full", () => {
    expect(formatSyntaxProblem({ file: "/elsewhere/r.v4", line: 2, family: "ipv4", tool: "iptables-restore --test", message: "x" }, "/p")).toBe("/elsewhere/r.v4:2: ipv4: x");
    expect(formatSyntaxProblem({ file: path.join("/p", "r.v6"), line: undefined, family: "ipv6", tool: "ip6tables-restore --test", message: "y" }, "/p")).toBe("r.v6: ipv6: y");
  });

  it("shows nft's column, source line and marks under the problem (controls in the line escaped)", () => {
    const p = { file: "/p/typo.nft", line: 8, column: 15, family: "nft" as const, tool: "nft -c", message: "syntax error, unexpected newline", excerpt: { source: "\t\tiif lo acept\u001b[2J", marks: "\t\t            ^" } };
    expect(formatSyntaxProblem(p, "/p")).toBe("typo.nft:8:15: nft: syntax error, unexpected newline\n      \t\tiif lo acept\\x1b[2J\n      \t\t            ^");
  });
});

describe("jumps to nothing found without a lab", () => {
  const jump = (line: number, message: string, tool = "the lab image's target list"): SyntaxProblem => ({ file: "/p/r.v4", line, family: "ipv4", tool, message, missingJump: true });
  const tool = (line: number, message: string, family: SyntaxProblem["family"] = "ipv4"): SyntaxProblem => ({ file: "/p/r.v4", line, family, tool: "iptables", message });
  const shown = (ps: SyntaxProblem[]) => ps.map((p) => formatSyntaxProblem(p, "/p"));

  it.each([
    ["the lab check named the jump (both backends): its words, once each", [jump(5, "-j ACCPET: …; nft words", "iptables-restore"), jump(5, "-j ACCPET: …; legacy words", "iptables-restore --test")], [jump(5, "-j ACCPET: …")], ["r.v4:5: ipv4: -j ACCPET: …; nft words", "r.v4:5: ipv4: -j ACCPET: …; legacy words"]],
    ["the tool refused the line in its own words: the jump first, then the tool's", [tool(5, "iptables v1.8.9: Couldn't load target `ACCPET'")], [jump(5, "-j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?)")], ["r.v4:5: ipv4: -j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?); iptables v1.8.9: Couldn't load target `ACCPET'"]],
    ["another line, or the other family's line, stays as it was; a jump the lab did not reach is added", [tool(4, "unknown option"), tool(5, "bad", "ipv6")], [jump(5, "-j NOPE: no chain or target named NOPE")], ["r.v4:4: ipv4: unknown option", "r.v4:5: ipv6: bad", "r.v4:5: ipv4: -j NOPE: no chain or target named NOPE"]],
  ])("%s", (_, lab, found, merged) => {
    expect(shown(withStaticJumps(lab, found))).toEqual(merged);
  });

  it("an nft file: fwspec's words in place of nft's ENOENT, nft's column and excerpt kept", () => {
    const lab: SyntaxProblem = { file: "/p/fw.nft", line: 6, column: 23, family: "nft", tool: "nft -c", message: "Could not process rule: No such file or directory (the chain `ssh_inn` it jumps to does not exist in that table)", excerpt: { source: "    tcp dport 22 jump ssh_inn", marks: "                      ^^^^^^^" } };
    const found: SyntaxProblem = { file: "/p/fw.nft", line: 6, column: 18, family: "nft", tool: "the nft file's own chains", message: "jump ssh_inn: no chain ssh_inn in table inet filter (did you mean ssh_in? chains there: input, ssh_in)", missingJump: true };
    expect(shown(withStaticJumps([lab], [found]))).toEqual(["fw.nft:6:23: nft: jump ssh_inn: no chain ssh_inn in table inet filter (did you mean ssh_in? chains there: input, ssh_in)\n          tcp dport 22 jump ssh_inn\n                            ^^^^^^^"]);
    // Another word of nft's on that line (a syntax error it stopped at) is said too (reviewer 43).
    const syntax: SyntaxProblem = { ...lab, column: 10, message: "syntax error, unexpected string", excerpt: undefined };
    expect(shown(withStaticJumps([syntax], [found]))).toEqual(["fw.nft:6:10: nft: jump ssh_inn: no chain ssh_inn in table inet filter (did you mean ssh_in? chains there: input, ssh_in); syntax error, unexpected string"]);
    // A file nft -c accepted whole: fwspec's reading gives way (it must never stop a ruleset nft loads).
    expect(withStaticJumps([], [found])).toEqual([]);
    expect(withStaticJumps([{ ...lab, file: "/p/other.nft" }], [found]).map((p) => p.file)).toEqual(["/p/other.nft"]);
  });

  it("checkJumpTargets (plain validate) throws exit 2 naming each line, and passes rules without one", () => {
    const typo = scenario([apply([{ kind: "restore", family: "ipv4", path: "/p/rules.v4", content: "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCPET\nCOMMIT\n" }])]);
    const error = (() => {
      try {
        checkJumpTargets([typo]);
        return undefined;
      } catch (e) {
        return e as RuleSyntaxError;
      }
    })();
    expect(error).toBeInstanceOf(RuleSyntaxError);
    expect(error?.exitCode).toBe(2);
    expect(error?.hint).toBe("fix each line named above; `npx fwspec validate` checks them again, `npx fwspec validate --rules` also tests every rule with iptables and nft in a throw-away lab host (needs Docker)");
    expect(shown([...error!.problems])).toEqual(["rules.v4:3:10: ipv4: -j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?)"]);
    expect(() => checkJumpTargets([scenario([apply([{ kind: "restore", family: "ipv4", path: "/p/ok.v4", content: "*filter\n-A INPUT -j LOG\nCOMMIT\n" }])])])).not.toThrow();
  });
});
