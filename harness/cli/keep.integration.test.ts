/**
 * `fwspec run --keep-on-failure` end to end: the failing example's lab stays,
 * its printed repro command (split without a shell) gives the reported
 * verdict again, the lab holds the scenario's rules, a later run's sweep
 * leaves it alone, and `fwspec cleanup --kept` removes it and nothing else.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { PROJECT_ROOT } from "../env/images.ts";
import { listMarkers } from "../lab/kept.ts";
import { removeRun } from "../lab/resources.ts";
import { classify } from "../probes/classify.ts";
import type { RunReport } from "../report/model.ts";
import { splitCommand } from "../scenario/shellwords.ts";

const CLI = join(PROJECT_ROOT, "harness/cli/main.ts");
const fwspec = (...args: string[]) => execa(process.execPath, [CLI, ...args], { cwd: PROJECT_ROOT, reject: false, all: true });
const argvOf = (line: string) => {
  const split = splitCommand(line.trim());
  if (!split.ok) throw new Error(`not a plain command: ${line}`);
  return split.argv;
};
const exists = async (kind: "container" | "network" | "volume", name: string) => (await execa("docker", [kind, "inspect", name], { reject: false })).exitCode === 0;

let runId: string | undefined;
afterAll(async () => {
  // Whatever the test left (it fails half-way): the kept lab and its marker too.
  if (runId) await removeRun(await connectEngine(), runId);
});

describe("fwspec run --keep-on-failure", () => {
  it("leaves the failing lab with working repro commands; a later run spares it; cleanup --kept removes it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-keep-"));
    const r = await fwspec("run", "--keep-on-failure", "examples/failing", "--json", join(dir, "r.json"));
    expect(r.exitCode, r.all).toBe(1);
    const report = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as RunReport;
    const s = report.scenarios[0]!;
    expect(s.status).toBe("failed");
    const kept = s.kept!;
    expect(kept.hosts.map((h) => h.name).sort()).toEqual(["remote", "server"]);
    const containers = kept.hosts.map((h) => argvOf(h.shell)).map((argv) => {
      expect(argv.slice(0, 3)).toEqual(["docker", "exec", "-it"]);
      expect(argv[4]).toBe("bash");
      return argv[3]!;
    });
    runId = /^fwspec-([0-9a-f]{8})-/.exec(containers[0]!)![1];
    for (const h of kept.hosts) expect(r.stdout).toContain(`  ${h.name}: ${h.shell}`);
    // How to remove it names this run (`--kept` would remove other runs' kept and warm labs too).
    expect(kept.run).toBe(runId);
    // As the user runs fwspec (cli/invocation.ts): from inside fwspec's checkout, `npx fwspec`.
    expect(r.stdout).toContain(`remove it with: npx fwspec cleanup --run ${runId} (`);

    // The printed repro of the failed expectation, pasted (split as a shell would, run without one): the same verdict.
    const failed = s.expectations.find((e) => e.status === "failed")!;
    const printed = r.stdout.split("\n").find((l) => l.startsWith("    docker exec ") && l.trim() === failed.evidence.command);
    expect(printed, r.stdout).toBeDefined();
    const [tool, ...args] = argvOf(printed!);
    const again = await execa(tool!, args, { reject: false });
    const timeout = Number(args[args.indexOf("-w") + 1]);
    expect(classify(failed.protocol, { exitCode: again.exitCode ?? -1, stdout: again.stdout, stderr: again.stderr }, timeout).verdict).toBe(failed.actual);

    // The lab holds the scenario's own rules (what the report describes).
    const server = containers.find((c) => c.endsWith("-server"))!;
    const rules = await execa("docker", ["exec", server, "iptables", "-S", "INPUT"]);
    expect(rules.stdout).toMatch(/-A INPUT -s 198\.18\.0\.0\/15 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 8080 -j DROP/);

    // Another run (its lab start sweeps orphans; this lab's owner is gone) leaves the kept lab alone.
    const other = await fwspec("run", "scenarios/restrict-localhost/02-localhost-only-both-families.yaml");
    expect(other.exitCode, other.all).toBe(0);
    for (const c of containers) expect(await exists("container", c)).toBe(true);
    const listed = await fwspec("cleanup", "--dry-run");
    expect(listed.stdout).toMatch(new RegExp(`^kept lab ${runId}/${kept.lab} \\(2 container\\(s\\)\\).*\`npx fwspec cleanup --run ${runId}\` removes it`, "m"));
    expect(listed.stdout).not.toContain(`would remove container fwspec-${runId}`);
    // What removing this run would take, listed without removing anything.
    const preview = await fwspec("cleanup", "--run", runId!, "--dry-run");
    expect(preview.exitCode, preview.all).toBe(0);
    const keptPrefix = `fwspec-${runId}-${kept.lab}`;
    expect(preview.stdout.trim().split("\n").sort()).toEqual([
      `would remove container ${keptPrefix}-remote`,
      `would remove container ${keptPrefix}-server`,
      `would remove kept-lab marker volume ${keptPrefix}-kept`,
      `would remove network ${keptPrefix}`,
    ]);
    for (const c of containers) expect(await exists("container", c)).toBe(true);

    // cleanup --kept: this lab (containers, network, marker) and nothing else but other kept or warm labs on the
    // engine (a developer's own; this test runs alone, so no other test's).
    const others = (await listMarkers(await connectEngine())).map((m) => `fwspec-${m.key.replace("/", "-")}`).filter((p) => p !== `fwspec-${runId}-${kept.lab}`);
    const cleaned = await fwspec("cleanup", "--kept");
    expect(cleaned.exitCode, cleaned.all).toBe(0);
    const prefix = `fwspec-${runId}-${kept.lab}`;
    const all = cleaned.stdout.trim().split("\n");
    expect(all.filter((l) => !l.includes(prefix) && !others.some((p) => l.includes(p)))).toEqual([]);
    const lines = all.filter((l) => l.includes(prefix));
    expect(lines.sort()).toEqual([
      `removed container ${prefix}-remote`,
      `removed container ${prefix}-server`,
      `removed kept-lab marker volume ${prefix}-kept`,
      `removed network ${prefix}`,
    ]);
    for (const c of containers) expect(await exists("container", c)).toBe(false);
    expect(await exists("volume", `${prefix}-kept`)).toBe(false);
  });

  it("cleanup --run removes a kept lab and names each part it removed, its marker too", async () => {
    const r = await fwspec("run", "--keep", "examples/failing");
    expect(r.exitCode, r.all).toBe(1);
    const id = /cleanup --run ([0-9a-f]{8})/.exec(r.stdout)?.[1];
    expect(id, r.stdout).toBeDefined();
    const cleaned = await fwspec("cleanup", "--run", id!);
    expect(cleaned.exitCode, cleaned.all).toBe(0);
    const lines = cleaned.stdout.trim().split("\n").sort();
    expect(lines.map((l) => l.replace(new RegExp(`fwspec-${id}-[a-z0-9-]*-[0-9a-f]{4}(?=(-remote|-server|-kept)?$)`), "LAB"))).toEqual([
      "removed container LAB-remote",
      "removed container LAB-server",
      "removed kept-lab marker volume LAB-kept",
      "removed network LAB",
    ]);
    expect((await listMarkers(await connectEngine())).filter((m) => m.labels["fwspec.run"] === id)).toEqual([]);
  });
});
