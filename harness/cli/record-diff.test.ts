/**
 * `fwspec record` and `fwspec diff` refuse bad input with an InputError
 * (exit 2) before any lab starts: no Docker is touched by these cases.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { EXIT, InputError } from "../errors.ts";
import { silentProgress } from "../progress.ts";
import { allowEntries, type DiffCliOptions, diffCommand } from "./diff.ts";
import { nextStep, type RecordCliOptions, recordCommand } from "./record.ts";

const dir = mkdtempSync(path.join(tmpdir(), "fwspec-record-diff-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(path.join(dir, "fwspec.config.json"), "{}\n");
writeFileSync(path.join(dir, "rules.sh"), "iptables -A INPUT -j ACCEPT\n");
writeFileSync(path.join(dir, "other.sh"), "iptables -A INPUT -j DROP\n");
writeFileSync(path.join(dir, "typo.sh"), "iptables -A INPUT -j ACEPT\n");
writeFileSync(path.join(dir, "crlf.sh"), "iptables -A INPUT -j DROP\r\n");
writeFileSync(path.join(dir, "ruleset.nft"), "table inet fw {\n  chain input { type filter hook input priority 0; }\n}\n");
writeFileSync(path.join(dir, "exists.yaml"), "x\n");
writeFileSync(path.join(dir, "allow.txt"), "# nothing allowed\n");
const HEAD = "name: n\ndescription: d\nhosts:\n  server: { firewall: true, listen: [tcp/8080] }\n  remote: {}\nsteps:\n";
writeFileSync(path.join(dir, "s.yaml"), `${HEAD}  - apply: rules.sh\n`);
writeFileSync(path.join(dir, "inline.yaml"), `${HEAD}  - apply: { host: server, commands: ["iptables -A INPUT -j DROP"] }\n`);
writeFileSync(path.join(dir, "norules.yaml"), `${HEAD}  - expect: [remote -> server:8080 open]\n`);
writeFileSync(path.join(dir, "bad.yaml"), `${HEAD}  - expect: [remote -> nowhere:1 open]\n`);
writeFileSync(path.join(dir, "typo.yaml"), `${HEAD}  - apply: typo.sh\n`);
const S = path.join(dir, "s.yaml");
const print = () => {};
/** Progress that keeps what it was told: a lab start says so (the image check, "running 1 scenario(s)"). */
function recorder() {
  const said: string[] = [];
  return { said, progress: { step: (m: string) => void said.push(m), info: (m: string) => void said.push(m) } };
}

describe("fwspec record: bad input, nothing started", () => {
  test.each<[string, string, RecordCliOptions, RegExp]>([
    ["neither --out nor --update", S, {}, /say where to record: --out FILE .* or --update/],
    ["both --out and --update", S, { out: path.join(dir, "n.yaml"), update: true }, /say where to record/],
    ["--out is the scenario itself", S, { out: S }, /is the scenario itself/],
    ["--out exists without --force", S, { out: path.join(dir, "exists.yaml") }, /exists; nothing was written/],
    ["an invalid scenario", path.join(dir, "bad.yaml"), { update: true }, /nowhere/],
    ["a matrix over the limit", S, { update: true, maxProbes: 2 }, /more than the limit of 2/],
    ["--out outside the project root (its rules path would lead out)", S, { out: path.join(tmpdir(), "fwspec-elsewhere", "x.yaml") }, /^--out .*x\.yaml: the recorded scenario would be outside its rules files. project root: its own root would be .*, so it could not load them; nothing was recorded$/],
    ["--out in a folder that is a file", S, { out: path.join(dir, "rules.sh", "x.yaml") }, /^--out .*rules\.sh\/x\.yaml: .*rules\.sh is not a folder$/],
    ["--out empty", S, { out: "" }, /^--out '' names no file$/],
    ["--out an existing folder, even with --force", S, { out: dir, force: true }, /^--out .* is a folder \(.*\), not a file$/],
    // Tester 44e: the hint offered --force, which replaced the rules script with YAML.
    ["--out the scenario's rules file, even with --force", S, { out: path.join(dir, "rules.sh"), force: true }, /^--out .*rules\.sh would overwrite the rules file .*rules\.sh$/],
    ["--timeout out of range: named as record's", S, { update: true, timeout: 0 }, /^invalid record options: .*--timeout.* must be from 1 to 30, not `0`$/],
    // Rules that cannot load: bad input at its line, as `validate` says it (tester 41a: it was exit 1 after a lab ran).
    ["rules with a jump to nothing", path.join(dir, "typo.yaml"), { update: true }, /^1 rule line\(s\) rejected by the lab image's target list \(no scenario lab was started\):\n  .*typo\.sh:1:\d+: ipv4: -j ACEPT: no chain or target named ACEPT \(did you mean ACCEPT\?\)$/],
  ])("%s", async (_, file, opts, message) => {
    const { said, progress } = recorder();
    await expect(recordCommand(file, opts, progress, print)).rejects.toThrow(InputError);
    await expect(recordCommand(file, opts, silentProgress, print)).rejects.toThrow(message);
    expect(said).toEqual([]);
  });
});

test("record's next step runs the recorded file with the --root the recording was given (tester 45b)", () => {
  expect(nextStep("../out/rec.yaml", { root: "/tmp/p" })).toBe("review each expectation (the comment names the rule that decided it), then: npx fwspec run ../out/rec.yaml --root /tmp/p");
  expect(nextStep("rec.yaml", {})).toBe("review each expectation (the comment names the rule that decided it), then: npx fwspec run rec.yaml");
});

describe("fwspec diff: bad input, nothing started", () => {
  test.each<[string, string, DiffCliOptions, RegExp]>([
    ["no second ruleset", S, {}, /needs two rulesets/],
    ["--base and --rules-a together", S, { base: "main", rulesA: [path.join(dir, "other.sh")] }, /--base and --rules-a both name side a/],
    ["--base with a scenario of inline commands only", path.join(dir, "inline.yaml"), { base: "main" }, /^--base main: the scenario applies no rules file \(its rules are inline commands\), so diff has no file to swap$/],
    ["--rules-a for a scenario of inline commands only", path.join(dir, "inline.yaml"), { rulesA: [path.join(dir, "other.sh")] }, /^--rules-a .*other\.sh: the scenario applies no rules file \(its rules are inline commands\)/],
    ["--rules-a for a scenario without apply steps", path.join(dir, "norules.yaml"), { rulesA: [path.join(dir, "other.sh")] }, /the scenario applies no rules file \(it has no apply step\)/],
    ["--rules-a naming a scenario, not rules", S, { rulesA: [path.join(dir, "inline.yaml")] }, /^--rules-a: .*inline\.yaml is a fwspec scenario \(it has hosts: and steps:\), not a rules file$/],
    ["--timeout out of range: named as diff's", S, { rulesB: [path.join(dir, "other.sh")], timeout: 31 }, /^invalid diff options: .*--timeout/],
    ["a revision that could be an option", S, { base: "--output=/tmp/x" }, /is not a git revision/],
    ["--json empty", S, { rulesB: [path.join(dir, "other.sh")], json: "" }, /^--json '' names no file$/],
    ["--html an existing folder", S, { rulesB: [path.join(dir, "other.sh")], html: dir }, /^--html .* is a folder \(.*\), not a file$/],
    ["--json under a file", S, { rulesB: [path.join(dir, "other.sh")], json: path.join(dir, "rules.sh", "d.json") }, /^--json .*: .*rules\.sh is not a folder$/],
    // Tester 44e: each replaced the file named, exit 0.
    ["--json the scenario's rules file", S, { rulesB: [path.join(dir, "other.sh")], json: path.join(dir, "rules.sh") }, /^--json .*rules\.sh would overwrite the rules file .*rules\.sh$/],
    ["--html the scenario itself", S, { rulesB: [path.join(dir, "other.sh")], html: S }, /^--html .*s\.yaml would overwrite the scenario file .*s\.yaml$/],
    ["--json the file --rules-b gives", S, { rulesB: [path.join(dir, "other.sh")], json: path.join(dir, "other.sh") }, /would overwrite the rules file .*other\.sh$/],
    ["--json the allow file (reviewer 44)", S, { rulesB: [path.join(dir, "other.sh")], allowFile: path.join(dir, "allow.txt"), json: path.join(dir, "allow.txt") }, /would overwrite the allow file .*allow\.txt$/],
    ["--json and --html one file", S, { rulesB: [path.join(dir, "other.sh")], json: path.join(dir, "r.out"), html: path.join(dir, "r.out") }, /^--json and --html both name .*r\.out: one report would replace the other$/],
    ["a bad --allow entry", S, { rulesB: [path.join(dir, "other.sh")], allow: ["remote -> server:8080 open"] }, /is not an allow entry/],
    ["a missing allow file", S, { rulesB: [path.join(dir, "other.sh")], allowFile: path.join(dir, "none.txt") }, /--allow-file .*none\.txt: cannot read it \(not found\)/],
    ["a missing rules file", S, { rulesB: [path.join(dir, "none.sh")] }, /--rules-b: cannot use .*none\.sh \(not found\)/],
    // Either side's rules that cannot load: bad input at the file's line, before any lab (tester 41a: it was exit 1 after side a ran).
    ["--rules-b with a jump to nothing", S, { rulesB: [path.join(dir, "typo.sh")] }, /^1 rule line\(s\) rejected by the lab image's target list \(no scenario lab was started\):\n  .*typo\.sh:1:\d+: ipv4: -j ACEPT: no chain or target named ACEPT/],
    ["--rules-a with a jump to nothing", S, { rulesA: [path.join(dir, "typo.sh")] }, /typo\.sh:1:\d+: ipv4: -j ACEPT/],
    // A file its apply step cannot load as it loads the one it replaces: said as validate says it of the scenario's own (tester 42a).
    ["--rules-b with Windows line endings", S, { rulesB: [path.join(dir, "crlf.sh")] }, /^--rules-b: `.*crlf\.sh` has Windows line endings \(CR LF, first on line 1\)/],
    ["--rules-b an nftables ruleset for a script", S, { rulesB: [path.join(dir, "ruleset.nft")] }, /^--rules-b: `.*ruleset\.nft` looks like an nftables ruleset/],
  ])("%s", async (_, file, opts, message) => {
    const { said, progress } = recorder();
    await expect(diffCommand(file, opts, progress, print)).rejects.toThrow(InputError);
    await expect(diffCommand(file, opts, silentProgress, print)).rejects.toThrow(message);
    expect(said).toEqual([]);
  });

  test("an empty allow file allows nothing, and is no bad input (tester 45b: a CI gate's first state)", () => {
    writeFileSync(path.join(dir, "empty-allow.txt"), "");
    expect(allowEntries({ allowFile: path.join(dir, "empty-allow.txt") })).toEqual([]);
    expect(allowEntries({ allowFile: path.join(dir, "empty-allow.txt"), allow: ["client -> server:8080/tcp4 open->dropped"] })).toHaveLength(1);
  });

  test("InputError is exit 2", () => {
    expect(new InputError("x").exitCode).toBe(EXIT.badInput);
  });
});

/** The hint of the InputError the command throws. */
async function hintOf(command: Promise<unknown>): Promise<string | undefined> {
  const error = await command.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(InputError);
  return (error as InputError).hint;
}

describe("hints name the user's own files and command", () => {
  const given = path.relative(process.cwd(), S);
  test.each<[string, () => Promise<unknown>, string]>([
    ["record without --out or --update", () => recordCommand(given, {}, silentProgress, print), `npx fwspec record ${given} --out ${given.replace(/\.yaml$/, ".recorded.yaml")}   or: npx fwspec record ${given} --update`],
    ["record --timeout 0", () => recordCommand(given, { update: true, timeout: 0 }, silentProgress, print), "`npx fwspec record --help` lists the flags"],
    ["diff without a second ruleset", () => diffCommand(given, {}, silentProgress, print), `npx fwspec diff ${given} --base main`],
    ["diff --timeout 0", () => diffCommand(given, { base: "main", timeout: 0 }, silentProgress, print), "`npx fwspec diff --help` lists the flags"],
    ["diff --rules-a on a scenario that applies no rules file", () => diffCommand(path.join(dir, "inline.yaml"), { rulesA: ["other.sh"] }, silentProgress, print), "put the rules in a file (`- apply: rules.sh`)"],
  ])("%s", async (_, command, hint) => {
    expect(await hintOf(command())).toContain(hint);
  });
});

describe("fwspec diff --base: the committed files are checked as the working tree's are", () => {
  // A git repository of its own: the committed rules file cannot load, the working tree's is fixed.
  const repo = mkdtempSync(path.join(tmpdir(), "fwspec-diff-base-"));
  afterAll(() => rmSync(repo, { recursive: true, force: true }));
  const git = (...args: string[]) => execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false", ...args], { stdio: "pipe" });
  // As the hint names them: from the folder the test runs in.
  const rel = (name: string) => path.relative(process.cwd(), path.join(repo, name));
  writeFileSync(path.join(repo, "fwspec.config.json"), "{}\n");
  writeFileSync(path.join(repo, "crlf.yaml"), `${HEAD}  - apply: rules.sh\n`);
  writeFileSync(path.join(repo, "restore.yaml"), `${HEAD}  - apply: { host: server, restore: { ipv4: rules.v4 } }\n`);
  writeFileSync(path.join(repo, "rules.sh"), "iptables -A INPUT -j DROP\r\n");
  writeFileSync(path.join(repo, "rules.v4"), "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 8080 -j DROP\n");
  git("init", "-q");
  git("add", ".");
  git("commit", "-q", "-m", "rules that cannot load");
  writeFileSync(path.join(repo, "rules.sh"), "iptables -A INPUT -j DROP\n");
  writeFileSync(path.join(repo, "rules.v4"), "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 8080 -j DROP\nCOMMIT\n");

  test.each<[string, string, RegExp, string]>([
    ["Windows line endings", "crlf.yaml", /^--base HEAD: `.*rules\.sh@HEAD` has Windows line endings \(CR LF, first on line 1\)/, `\`git show HEAD:./${rel("rules.sh")} > ${rel("old-rules.sh")}\`), fix that copy (convert it to LF line endings, e.g. \`sed -i 's/\\r$//' ${rel("old-rules.sh")}\``],
    ["a table without COMMIT", "restore.yaml", /^--base HEAD: .*rules\.v4@HEAD.*COMMIT/, `then give it as --rules-a ${rel("rules.v4")}=${rel("old-rules.v4")} instead of --base`],
  ])("%s: exit 2 before any lab, with a copy to fix as the way out", async (_, file, message, hint) => {
    const { said, progress } = recorder();
    const command = diffCommand(path.join(repo, file), { base: "HEAD" }, progress, print);
    await expect(command).rejects.toThrow(message);
    expect(await hintOf(diffCommand(path.join(repo, file), { base: "HEAD" }, silentProgress, print))).toContain(hint);
    expect(said).toEqual([]);
  });
});
