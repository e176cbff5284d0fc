import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, test } from "vitest";
import { PROJECT_ROOT } from "../env/images.ts";
import { InputError } from "../errors.ts";
import { defineScenario } from "../scenario/load.ts";
import { checkRevision, filesAtRevision } from "./git-rev.ts";
import { readReplacements, replacementsOf, ruleFilesOf, withRuleFiles } from "./rule-files.ts";

const fixtures = path.join(PROJECT_ROOT, "fixtures");
const hosts = { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} };
const one = defineScenario({ name: "one", description: "d", hosts, steps: [{ apply: { host: "server", script: "localhost-only.sh" } }, { apply: { host: "server", commands: ["iptables -A INPUT -j ACCEPT"] } }, { apply: { host: "server", script: "localhost-only.sh" } }] }, { baseDir: fixtures });
const two = defineScenario({ name: "two", description: "d", hosts, steps: [{ apply: { host: "server", script: "localhost-only.sh" } }, { apply: { host: "server", script: "multiport.sh" } }] }, { baseDir: fixtures });
const A = path.join(fixtures, "localhost-only.sh");
const B = path.join(fixtures, "multiport.sh");

describe("the rules files of a diff's sides", () => {
  test("the files a scenario reads, each once; commands are no file", () => {
    expect(ruleFilesOf(one)).toEqual([A]);
    expect(ruleFilesOf(two)).toEqual([A, B]);
  });

  test("other contents replace every use of the file, nothing else", () => {
    const s = withRuleFiles(two, new Map([[A, "iptables -A INPUT -j DROP\n"]]));
    const contents = s.steps.flatMap((x) => (x.kind === "apply" ? x.sources.map((src) => (src.kind === "commands" ? "" : src.content)) : []));
    expect(contents[0]).toBe("iptables -A INPUT -j DROP\n");
    expect(contents[1]).toContain("multiport");
    expect(two.steps[0]).toMatchObject({ sources: [{ content: expect.stringContaining("-s ::1 -j ACCEPT") }] });
  });

  test("a replaced file goes by the name of the file applied in its place; others keep theirs", () => {
    const s = withRuleFiles(two, new Map([[A, "x\n"]]), new Map([[A, "/w/bad.sh"]]));
    expect(s.steps.flatMap((x) => (x.kind === "apply" ? x.sources.map((src) => (src.kind === "commands" ? "" : src.path)) : []))).toEqual(["/w/bad.sh", B]);
  });

  test.each<[string, string[], [string, string][] | RegExp]>([
    ["one rules file: FILE replaces it", ["mine.sh"], [[A, "/w/mine.sh"]]],
    ["NAMED=FILE names the one it replaces", [`${path.relative("/w", B)}=mine.sh`], [[B, "/w/mine.sh"]]],
    ["two rules files and no name: bad input listing them", ["mine.sh"], /reads 2 rules files .*localhost-only\.sh, .*multiport\.sh\), so say which one/],
    ["two rules files, FILE named as one of them (old/multiport.sh): that one", ["old/multiport.sh"], [[B, "/w/old/multiport.sh"]]],
    ["a name the scenario does not read: bad input", ["other.sh=mine.sh"], /reads no file other\.sh/],
  ])("%s", (_, specs, want) => {
    const scenario = (specs[0] === "mine.sh" && want instanceof RegExp) || specs[0]!.includes("=") || specs[0]!.startsWith("old/") ? two : one;
    if (want instanceof RegExp) {
      expect(() => replacementsOf(scenario, specs, "--rules-b", "/w")).toThrow(InputError);
      expect(() => replacementsOf(scenario, specs, "--rules-b", "/w")).toThrow(want);
    } else expect([...replacementsOf(scenario, specs, "--rules-b", "/w")]).toEqual(want);
  });

  test("two rules files of one file name: FILE that is one of them exactly replaces that one (as it is), FILE elsewhere is ambiguous", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "fwspec-rulefiles-"));
    try {
      for (const sub of ["a", "b"]) {
        mkdirSync(path.join(dir, sub));
        writeFileSync(path.join(dir, sub, "rules.sh"), "iptables -A INPUT -j ACCEPT\n");
      }
      const same = defineScenario({ name: "same", description: "d", hosts, steps: [{ apply: { host: "server", script: "a/rules.sh" } }, { apply: { host: "server", script: "b/rules.sh" } }] }, { baseDir: dir });
      const b = path.join(dir, "b", "rules.sh");
      expect([...replacementsOf(same, ["b/rules.sh"], "--rules-b", dir)]).toEqual([[b, b]]);
      expect(() => replacementsOf(same, ["old/rules.sh"], "--rules-b", dir)).toThrow(/reads 2 rules files .*so say which one/);
      // The hint's example pastes as printed: a path with a space is quoted.
      expect(() => replacementsOf(same, ["with space/rules.sh"], "--rules-b", dir)).toThrow(expect.objectContaining({ hint: "write --rules-b NAMED=FILE, e.g. --rules-b 'a/rules.sh=with space/rules.sh'" }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each([
    [undefined, "`npx fwspec diff SCENARIO --rules-a OLD.sh --rules-b rules.sh`"],
    ["/home/me/fwspec/bin/fwspec", "`/home/me/fwspec/bin/fwspec diff SCENARIO --rules-a OLD.sh --rules-b rules.sh`"],
  ])("no rules file to swap: the hint's command starts as the user runs fwspec (%s)", (invocation, command) => {
    const inline = defineScenario({ name: "inline", description: "d", hosts, steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -j ACCEPT"] } }] });
    expect(() => replacementsOf(inline, ["mine.sh"], "--rules-b", "/w", invocation)).toThrow(expect.objectContaining({ hint: expect.stringContaining(command) }));
  });

  test("a replacement that cannot be read is bad input", () => {
    expect(() => readReplacements(new Map([[A, "/nonexistent/rules.sh"]]), "--rules-a")).toThrow(/--rules-a: cannot use \/nonexistent\/rules\.sh \(not found\)/);
  });
});

describe("files at a git revision", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fwspec-gitrev-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const git = (...args: string[]) => execa("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args]);

  test.each(["main", "HEAD~1", "v1.2", "origin/main", "abc123", "HEAD^", "@{u}"])("`%s` is a revision to ask git about", (rev) => {
    expect(checkRevision(rev)).toBe(rev);
  });
  test.each(["", "--output=/tmp/x", "-p", "a b", "main:rules.v4", "main..other", "a\nb"])("`%s` is refused before git runs", (rev) => {
    expect(() => checkRevision(rev)).toThrow(InputError);
  });

  test("the file as committed at each revision; an unknown revision, a file not in it, no repository: bad input", async () => {
    await git("init", "-q", "-b", "main");
    const file = path.join(dir, "rules.sh");
    writeFileSync(file, "iptables -A INPUT -j ACCEPT\n");
    await git("add", "rules.sh");
    await git("commit", "-qm", "one");
    writeFileSync(file, "iptables -A INPUT -j DROP\n");
    await git("commit", "-qam", "two");
    writeFileSync(file, "iptables -A INPUT -j REJECT\n");
    expect((await filesAtRevision("HEAD~1", [file])).get(file)).toBe("iptables -A INPUT -j ACCEPT\n");
    expect((await filesAtRevision("main", [file])).get(file)).toBe("iptables -A INPUT -j DROP\n");
    await expect(filesAtRevision("nosuch", [file])).rejects.toThrow(/no such revision/);
    writeFileSync(path.join(dir, "new.sh"), "x\n");
    await expect(filesAtRevision("main", [path.join(dir, "new.sh")])).rejects.toThrow(/is not in that revision/);
    await expect(filesAtRevision("main", [path.join(tmpdir(), "no-repo-here", "r.sh")])).rejects.toThrow(InputError);
  });
});
