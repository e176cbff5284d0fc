/**
 * The rule syntax check through the real command: a scenario whose rules.v4
 * has two bad lines, whose rules.v6 has one and whose command list has one
 * exits 2 naming all four file:line positions, and no container but the one
 * throw-away check host was created (it is removed too); a valid scenario
 * passes the check and runs.
 */
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { PROJECT_ROOT } from "../env/images.ts";
import { LABEL_OWNER, parseOwner } from "../lab/ownership.ts";
import { LABEL_LAB, LABEL_RUN } from "../lab/resources.ts";

const CLI = join(PROJECT_ROOT, "harness/cli/main.ts");
const DATA = "harness/runner/testdata/rule-syntax";
const fwspec = (args: string[]) => execa(process.execPath, [CLI, ...args], { cwd: PROJECT_ROOT, reject: false, all: true });

interface CreateEvent {
  readonly Actor: { readonly Attributes: Readonly<Record<string, string>> };
}

/** Every fwspec lab container created between `since` and `until` (unix seconds), by any process. */
async function labContainersCreated(since: number, until: number): Promise<CreateEvent[]> {
  const docker = await connectEngine();
  const stream = (await docker.getEvents({ since, until, filters: { type: ["container"], event: ["create"], label: ["fwspec=lab"] } })) as NodeJS.ReadableStream;
  let text = "";
  for await (const chunk of stream) text += String(chunk);
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as CreateEvent);
}

describe("fwspec run --check-rules checks rule syntax before any lab starts", () => {
  it("names a NAT rule the kernel refuses on load (MASQUERADE in PREROUTING: --test passes it) at its line, and why; the run names it too", async () => {
    const checked = await fwspec(["validate", "--rules", `${DATA}/nat-hook.yaml`]);
    expect(checked.exitCode, checked.all).toBe(2);
    expect(checked.stderr).toContain(`${DATA}/nat-hook.v4:5: ipv4: MASQUERADE works only in nat POSTROUTING, not PREROUTING`);
    expect(checked.stderr).not.toContain("nat-hook.v4:6");
    const run = await fwspec(["run", `${DATA}/nat-hook.yaml`]);
    expect(run.exitCode, run.all).toBe(1);
    expect(run.stdout.replace(/\s+/g, " ")).toContain("nat-hook.v4:5: ipv4: MASQUERADE works only in nat POSTROUTING, not PREROUTING");
  });

  it("names every bad line of both families and of the commands, exits 2, and starts no scenario lab", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const child = fwspec(["run", "--check-rules", `${DATA}/bad.yaml`]);
    const r = await child;
    const until = Math.floor(Date.now() / 1000) + 1;
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toContain(`${DATA}/rules.v4:6: ipv4: `);
    expect(r.stderr).toContain('unknown option "--dprot"');
    expect(r.stderr).toContain(`${DATA}/rules.v4:8: ipv4: `);
    expect(r.stderr).toContain("198.18.7.999");
    expect(r.stderr).toContain(`${DATA}/rules.v6:6: ipv6: `);
    expect(r.stderr).toContain("nosuchmatch");
    expect(r.stderr).toContain(`${DATA}/bad.yaml:13: ipv4: `);
    expect(r.stderr).toContain('unknown option "--bogus"');
    expect(r.stderr).toMatch(/4 rule line\(s\) rejected/);
    // This process's containers (by the owner label's pid: other tests start labs at the same time, and `init --from`
    // runs a rule check of its own before its lab): the check host only, and gone now.
    const events = await labContainersCreated(since, until);
    const ours = events.filter((e) => parseOwner(e.Actor.Attributes[LABEL_OWNER])?.pid === child.pid);
    const runIds = new Set(ours.map((e) => e.Actor.Attributes[LABEL_RUN]));
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.map((e) => e.Actor.Attributes[LABEL_LAB])).toEqual(ours.map(() => expect.stringMatching(/^rulecheck/)));
    const docker = await connectEngine();
    const left = await docker.listContainers({ all: true, filters: { label: [...runIds].map((id) => `${LABEL_RUN}=${id}`) } });
    expect(left).toEqual([]);
  });

  it("passes valid rules files and commands (a chain one command makes, the next uses) and runs the scenario", async () => {
    const r = await fwspec(["run", "--check-rules", `${DATA}/good.yaml`]);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toMatch(/rule syntax: 3 rules file\(s\) and command list\(s\) accepted/);
  });

  it("fwspec validate --rules reports the same lines; plain validate stays Docker-free and accepts the file", async () => {
    const plain = await fwspec(["validate", `${DATA}/bad.yaml`]);
    expect(plain.exitCode, plain.all).toBe(0);
    const rules = await fwspec(["validate", "--rules", `${DATA}/bad.yaml`]);
    expect(rules.exitCode, rules.all).toBe(2);
    expect(rules.stderr).toContain(`${DATA}/rules.v4:6: ipv4: `);
    expect(rules.stderr).toContain(`${DATA}/rules.v4:8: ipv4: `);
    expect(rules.stderr).toContain(`${DATA}/rules.v6:6: ipv6: `);
    // "valid" is said only once the rules are accepted too.
    expect(rules.stdout).not.toContain("valid");
    const good = await fwspec(["validate", "--rules", `${DATA}/good.yaml`]);
    expect(good.exitCode, good.all).toBe(0);
    expect(good.stdout).toMatch(/^1 scenario file\(s\) valid; 3 rules file\(s\) and command list\(s\) accepted$/m);
  });

  it("names a jump to a target that does not exist at the rule's line on both backends (iptables-nft's load names the COMMIT), in the check and in a plain run", async () => {
    const checked = await fwspec(["validate", "--rules", `${DATA}/jump-typo.yaml`]);
    expect(checked.exitCode, checked.all).toBe(2);
    const named = `${DATA}/jump-typo.v4:5:28: ipv4: -j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?); `;
    expect(checked.stderr).toContain(`${named}iptables-nft-restore v1.8.9 (nf_tables): Chain 'ACCPET' does not exist (reported at line 7, the table's COMMIT)\n`);
    expect(checked.stderr).toContain(`${named}iptables-restore v1.8.9 (legacy): Couldn't load target \`ACCPET':No such file or directory\n`);
    expect(checked.stderr).toMatch(/2 rule line\(s\) rejected/);
    // Plain validate (no Docker) names the same line, from the lab image's target list; --rules did not name it a third time.
    const plain = await fwspec(["validate", `${DATA}/jump-typo.yaml`]);
    expect(plain.exitCode, plain.all).toBe(2);
    expect(plain.stderr).toContain(`1 rule line(s) rejected by the lab image's target list (no scenario lab was started):\n  ${DATA}/jump-typo.v4:5:28: ipv4: -j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?)\n`);
    expect(checked.stderr.split(`${DATA}/jump-typo.v4:5:`).length - 1).toBe(2);
    // Without the check, plain run names the same line as plain validate, and errors the scenario before its lab starts (exit 1).
    const run = await fwspec(["run", "--family", "ipv4", `${DATA}/jump-typo-run.yaml`]);
    expect(run.exitCode, run.all).toBe(1);
    expect(run.stdout.replace(/\s+/g, " ")).toContain(`rejected by the lab image's target list (its lab was not started): ${DATA}/jump-typo.v4:5:28: ipv4: -j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?) hint:`);
    expect(run.stderr).toContain("running 0 scenario(s) on 0 lab(s)");
  });

  it("names a jump with a typo in a command list once: the chain meant, then iptables' words; plain validate the same without them", async () => {
    const checked = await fwspec(["validate", "--rules", `${DATA}/jump-typo-commands.yaml`]);
    expect(checked.exitCode, checked.all).toBe(2);
    const named = `${DATA}/jump-typo-commands.yaml:13:11: ipv4: -j LOGDRPO: no chain or target named LOGDRPO (did you mean LOGDROP?)`;
    expect(checked.stderr).toContain(`1 rule line(s) rejected by iptables (no scenario lab was started):\n  ${named}; iptables v1.8.9 (nf_tables): Chain 'LOGDRPO' does not exist\n`);
    const plain = await fwspec(["validate", `${DATA}/jump-typo-commands.yaml`]);
    expect(plain.exitCode, plain.all).toBe(2);
    expect(plain.stderr).toContain(`  ${named}\n`);
  });

  it("checks nft ruleset files with nft -c and names the file's line", async () => {
    const rules = await fwspec(["validate", "--rules", `${DATA}/nft-bad.yaml`]);
    expect(rules.exitCode, rules.all).toBe(2);
    // nft's column, and the line it echoed with its mark under what it could not read
    expect(rules.stderr).toContain(`${DATA}/bad.nft:5:23: nft: syntax error, unexpected newline\n          tcp dport 22 acept\n                            ^\n`);
    expect(rules.stderr).toMatch(/1 rule line\(s\) rejected by nft -c \(no scenario lab was started\)/);
  });

  it("loads an nft file nft -c accepts and names the line the kernel refuses (a jump loop: tester 44a)", async () => {
    const rules = await fwspec(["validate", "--rules", `${DATA}/nft-kernel-refused.yaml`]);
    expect(rules.exitCode, rules.all).toBe(2);
    expect(rules.stderr).toMatch(new RegExp(`${DATA}/kernel-refused\\.nft:(8|11):\\d+: nft: Could not process rule: Too many links`));
    expect(rules.stderr).toMatch(/rejected by nft -f \(no scenario lab was started\)/);
  });

  it("runs inline nft commands in order and names the one nft refuses; a missing rule is the ruleset's state, left to the run", async () => {
    const rules = await fwspec(["validate", "--rules", `${DATA}/nft-commands.yaml`]);
    expect(rules.exitCode, rules.all).toBe(2);
    expect(rules.stderr).toContain(`${DATA}/nft-commands.yaml:12: nft: syntax error, unexpected string`);
    expect(rules.stderr).toMatch(/1 rule line\(s\) rejected by nft \(no scenario lab was started\)/);
  });
});
