/**
 * `fwspec diff` end to end, real containers: the seed guide's "append the
 * DROP after a broader ACCEPT" against "insert it at line 1" (two files), and
 * the same change as two git revisions of one rules file in a temporary
 * repository. Only the changed flows are reported, on both families, with
 * the deciding rule of each side; the exit status is the gate.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../env/images.ts";

const CLI = join(PROJECT_ROOT, "harness/cli/main.ts");
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const both = (rule: string) => `iptables ${rule}\nip6tables ${rule}\n`;
const APPENDED = `${both("-A INPUT -p tcp -j ACCEPT")}${both("-A INPUT -p tcp --dport 8080 -j DROP")}`;
const INSERTED = `${both("-A INPUT -p tcp -j ACCEPT")}${both("-I INPUT 1 -p tcp --dport 8080 -j DROP")}`;
const SCENARIO = "name: block 8080\ndescription: the seed guide's port block\nhosts:\n  server: { firewall: true, listen: [tcp/8080, tcp/8081] }\n  client: {}\nsteps:\n  - apply: rules.sh\n";

// Every flow to 8080 crosses server's INPUT chain: the peer's, and the server's own over loopback and its address.
const CHANGED = ["client -> server:8080", "server -> localhost:8080", "server -> server:8080"].flatMap((f) => [`${f}/tcp4`, `${f}/tcp6`]).sort();

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-diff-"));
  dirs.push(dir);
  writeFileSync(join(dir, "scenario.yaml"), SCENARIO);
  return dir;
}

interface Json {
  status: string;
  compared: number;
  a: { label: string };
  b: { label: string };
  changes: { key: string; a: { verdict: string; rule?: string; where?: string }; b: { verdict: string; rule?: string; where?: string }; allowed: boolean }[];
  errors: unknown[];
}

/** Each side's deciding rule comes with the line of the rules file that wrote it: `where` gives each side's file as shown. */
function checkChanges(d: Json, where: { a: string; b: string }): void {
  expect(d.errors).toEqual([]);
  expect(d.compared).toBe(12);
  expect(d.changes.map((c) => c.key).sort()).toEqual(CHANGED);
  for (const c of d.changes) {
    const family = c.key.endsWith("4") ? "ipv4" : "ipv6";
    // both() writes the iptables line, then the ip6tables one: the ACCEPT is line 1 (IPv4) or 2 (IPv6), the DROP 3 or 4.
    const v6 = family === "ipv6" ? 1 : 0;
    expect([c.a.verdict, c.a.rule, c.a.where, c.b.verdict, c.b.rule, c.b.where], c.key).toEqual([
      "open", `${family} filter INPUT #1 -A INPUT -p tcp -j ACCEPT`, `${where.a}:${1 + v6}`,
      "dropped", `${family} filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP`, `${where.b}:${3 + v6}`,
    ]);
  }
}

describe("fwspec diff", () => {
  it("two rules files: exactly the flows the DROP's position changes, both families, each side's rule; exit 1", async () => {
    const dir = project();
    writeFileSync(join(dir, "rules.sh"), APPENDED);
    writeFileSync(join(dir, "appended.sh"), APPENDED);
    writeFileSync(join(dir, "inserted.sh"), INSERTED);
    const r = await execa(process.execPath, [CLI, "diff", "scenario.yaml", "--rules-a", "appended.sh", "--rules-b", "inserted.sh", "--json", "d.json"], { cwd: dir, reject: false, all: true });
    expect(r.exitCode, r.all).toBe(1);
    const d = JSON.parse(readFileSync(join(dir, "d.json"), "utf8")) as Json;
    checkChanges(d, { a: "appended.sh", b: "inserted.sh" });
    expect([d.status, d.a.label, d.b.label]).toEqual(["changed", "appended.sh", "inserted.sh"]);
    expect(r.stdout).toContain("client, IPv4:\n  ✗ client -> server:8080/tcp4: open → dropped\n      a: server: ipv4 filter INPUT #1 -A INPUT -p tcp -j ACCEPT (appended.sh:1)\n      b: server: ipv4 filter INPUT #1 -A INPUT -p tcp -m tcp --dport 8080 -j DROP (inserted.sh:3)\n");
    expect(r.stdout).not.toContain(":8081");
  });

  // Tester 45b: a REJECT kind change was "decided by another rule, the same verdict (not a change)".
  it("a REJECT's tcp-reset changed to ICMP port unreachable: a change on exactly the flows it answers, refused:rst → refused:icmp", async () => {
    const dir = project();
    writeFileSync(join(dir, "rules.sh"), both("-A INPUT -p tcp --dport 8080 -j REJECT --reject-with tcp-reset"));
    writeFileSync(join(dir, "icmp.sh"), `iptables -A INPUT -p tcp --dport 8080 -j REJECT\nip6tables -A INPUT -p tcp --dport 8080 -j REJECT\n`);
    const r = await execa(process.execPath, [CLI, "diff", "scenario.yaml", "--rules-b", "icmp.sh", "--json", "d.json"], { cwd: dir, reject: false, all: true });
    expect(r.exitCode, r.all).toBe(1);
    const d = JSON.parse(readFileSync(join(dir, "d.json"), "utf8")) as Json;
    expect(d.changes.map((c) => c.key).sort()).toEqual(CHANGED);
    expect(r.stdout).toContain("  ✗ client -> server:8080/tcp4: refused:rst → refused:icmp\n");
  });

  it("a --rules-a file that fails to apply is named as itself, not as the scenario's rules file", async () => {
    const dir = project();
    writeFileSync(join(dir, "rules.sh"), APPENDED);
    writeFileSync(join(dir, "bad.sh"), "PORT=99999\niptables -A INPUT -p tcp --dport 8080 -j DROP\niptables -A INPUT -p tcp --dport $PORT -j DROP\n");
    const r = await execa(process.execPath, [CLI, "diff", "scenario.yaml", "--rules-a", "bad.sh", "--rules-b", "rules.sh"], { cwd: dir, reject: false, all: true });
    expect(r.exitCode, r.all).toBe(1);
    // Named as the terminal names files: relative to where fwspec runs.
    expect(r.stdout).toContain("! bad.sh: step 1: apply bad.sh on server (line 7): rules script bad.sh failed on server");
    // The shell's trace names the command that failed, variables expanded, and its line; the trace itself is not shown.
    expect(r.stdout.replace(/\n\s+/g, " ")).toContain("at bad.sh:3 `iptables -A INPUT -p tcp --dport 99999 -j DROP` (as the shell ran it, variables expanded)");
    expect(r.stdout).not.toMatch(/^\s*@@fwspec-trace/m);
    expect(r.stdout).not.toMatch(/apply rules\.sh|script \S*rules\.sh failed/);
  });

  it("a --rules-b file iptables-restore refuses: exit 2 (bad input, as init and run --check-rules), its line named, the refusal in the JSON", async () => {
    const dir = project();
    writeFileSync(join(dir, "scenario.yaml"), SCENARIO.replace("- apply: rules.sh", "- apply: { host: server, restore: { ipv4: rules.v4 } }"));
    writeFileSync(join(dir, "rules.v4"), "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 8080 -j DROP\nCOMMIT\n");
    writeFileSync(join(dir, "typo.v4"), "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dprot 8080 -j DROP\nCOMMIT\n");
    const r = await execa(process.execPath, [CLI, "diff", "scenario.yaml", "--rules-b", "typo.v4", "--json", "d.json"], { cwd: dir, reject: false, all: true });
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stdout).toContain("typo.v4:3: ipv4: iptables-restore");
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe("a rules file was refused (its lines are named above): fix them, then diff again; the gate fails");
    const d = JSON.parse(readFileSync(join(dir, "d.json"), "utf8")) as Json & { refused: { file: string; line: number }[] };
    expect([d.status, d.refused.map((x) => `${x.file}:${x.line}`)]).toEqual(["error", [expect.stringMatching(/typo\.v4:3$/)]]);
  });

  it("a committed rules file (--base) that fails to apply is named as committed (rules.sh@HEAD), not as the working tree's file", async () => {
    const dir = project();
    const git = (...args: string[]) => execa("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args]);
    await git("init", "-q", "-b", "main");
    writeFileSync(join(dir, "rules.sh"), "iptables -A INPUT -p tcp --dport 99999 -j DROP\n");
    await git("add", "rules.sh", "scenario.yaml");
    await git("commit", "-qm", "a bad port");
    writeFileSync(join(dir, "rules.sh"), APPENDED);
    const r = await execa(process.execPath, [CLI, "diff", "scenario.yaml", "--base", "HEAD"], { cwd: dir, reject: false, all: true });
    expect(r.exitCode, r.all).toBe(1);
    expect(r.stdout).toContain(`! rules.sh at HEAD: step 1: apply rules.sh@HEAD on server (line 7): rules script rules.sh@HEAD failed on server`);
  });

  it("two git revisions of the rules file (--base HEAD~1): the same flows; accepted by an allow file, exit 0", async () => {
    const dir = project();
    const git = (...args: string[]) => execa("git", ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args]);
    await git("init", "-q", "-b", "main");
    writeFileSync(join(dir, "rules.sh"), APPENDED);
    await git("add", "rules.sh", "scenario.yaml");
    await git("commit", "-qm", "block 8080 (appended)");
    writeFileSync(join(dir, "rules.sh"), INSERTED);
    await git("commit", "-qam", "block 8080 first");
    writeFileSync(join(dir, "allow.txt"), "# reviewed: 8080 closes everywhere\nclient -> server:8080 open->dropped\nserver -> localhost:8080 open->blocked\nserver -> server:8080 *->dropped\n");
    const r = await execa(process.execPath, [CLI, "diff", "scenario.yaml", "--base", "HEAD~1", "--allow-file", "allow.txt", "--json", "d.json"], { cwd: dir, reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
    const d = JSON.parse(readFileSync(join(dir, "d.json"), "utf8")) as Json;
    checkChanges(d, { a: "rules.sh@HEAD~1", b: "rules.sh" });
    expect(d.changes.every((c) => c.allowed)).toBe(true);
    expect([d.status, d.a.label, d.b.label]).toEqual(["allowed", "rules.sh at HEAD~1", "rules.sh"]);
    expect(r.stdout).toMatch(/6 of 12 flow\(s\) changed \(6 allowed\)/);
  });
});
