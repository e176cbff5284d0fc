/**
 * No leak: a run interrupted with SIGINT removes its containers and networks
 * (also `validate --rules` and `run --check-rules` with their rule-check host up),
 * and so does a run whose output is closed (`fwspec run | head`), and a
 * `--reuse` run the lab it took warm from an earlier run (kept or not); a run
 * killed with SIGKILL leaves them, and the next run sweeps them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa, type ResultPromise } from "execa";
import pRetry from "p-retry";
import { describe, expect, it } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { PROJECT_ROOT } from "../env/images.ts";
import { LABEL_PID, LABEL_RUN, removeRun, sweepOrphans } from "../lab/resources.ts";
import { LABEL_CLAIMED_BY, listMarkers } from "../lab/kept.ts";
import { LABEL_WARM, LABEL_WARM_LAB } from "../lab/warm.ts";

const CLI = join(PROJECT_ROOT, "harness/cli/main.ts");
// Long enough to be interrupted mid-scenario: a dropped probe waits out its timeout.
const SCENARIO = "scenarios/block-port/14-counters-grow.yaml";

async function containersOf(pid: number): Promise<string[]> {
  const docker = await connectEngine();
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABEL_PID}=${pid}`] } });
  return list.map((c) => c.Id);
}

async function networksOf(pid: number): Promise<string[]> {
  const docker = await connectEngine();
  return (await docker.listNetworks({ filters: { label: [`${LABEL_PID}=${pid}`] } })).map((n) => n.Id);
}

/** No container or network of the run of `pid` is left; the cleanup finishes within seconds, so this polls (bounded) first. */
async function expectNothingOf(pid: number): Promise<void> {
  await pRetry(
    async () => {
      if ((await containersOf(pid)).length + (await networksOf(pid)).length > 0) throw new Error("still there");
    },
    { retries: 40, minTimeout: 250, maxTimeout: 500, maxRetryTime: 30_000 },
  ).catch(() => undefined);
  expect(await containersOf(pid)).toEqual([]);
  expect(await networksOf(pid)).toEqual([]);
}

/** Until the process `pid` has its scenario's two lab hosts (bounded). */
async function labUp(pid: number): Promise<void> {
  await pRetry(
    async () => {
      if ((await containersOf(pid)).length < 2) throw new Error("lab not up yet");
    },
    { retries: 60, minTimeout: 250, maxTimeout: 500, maxRetryTime: 60_000 },
  );
}

async function startAndWaitForLab(): Promise<{ child: ResultPromise }> {
  const child = execa(process.execPath, [CLI, "run", SCENARIO], { cwd: PROJECT_ROOT, reject: false });
  await labUp(child.pid!);
  return { child };
}

describe("interrupted runs", () => {
  it("SIGINT mid-scenario removes every container and network of the run", async () => {
    const { child } = await startAndWaitForLab();
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toMatch(/SIGINT: removing this run's containers/);
    // Its end is said, last.
    expect(String(result.stderr).trimEnd()).toMatch(/\nfwspec: this run's containers and networks are removed \(run [0-9a-f]+\)$/);
    // After the announcement only the cleanup speaks: no progress line of the work being cancelled.
    const stderr = String(result.stderr);
    expect(stderr.slice(stderr.indexOf("SIGINT: removing"))).not.toMatch(/^fwspec +\d+\.\ds /m);
    await expectNothingOf(child.pid!);
  });

  it("SIGINT after one scenario finished: the console, --json and --junit reports hold it, labelled stopped, and name the one not finished", async () => {
    // Two shapes, so two labs side by side: a quick scenario, and one whose step runs until the interrupt.
    const dir = mkdtempSync(join(tmpdir(), "fwspec-stopped-"));
    writeFileSync(join(dir, "a-quick.yaml"), "name: quick\ndescription: one open port\nfamily: ipv4\nhosts:\n  server: { listen: [tcp/8080] }\n  client: {}\nsteps:\n  - expect:\n      - client -> server:8080 open\n");
    writeFileSync(join(dir, "b-slow.yaml"), "name: slow\ndescription: a step that outlasts the test\nfamily: ipv4\nhosts:\n  web: { listen: [tcp/80] }\n  peer: {}\n  third: {}\nsteps:\n  - run: { host: web, command: sleep 25 }\n  - expect:\n      - peer -> web:80 open\n");
    const json = join(dir, "out.json");
    const junit = join(dir, "out.xml");
    const child = execa(process.execPath, [CLI, "run", "--json", json, "--junit", junit, dir], { cwd: PROJECT_ROOT, reject: false, all: true });
    let output = "";
    child.all!.on("data", (d: Buffer) => (output += d.toString()));
    await pRetry(async () => {
      if (!/✓ quick: 1\/1 checks held/.test(output)) throw new Error("the quick scenario has not finished yet");
    }, { retries: 200, minTimeout: 200, maxTimeout: 300, maxRetryTime: 60_000 });
    child.kill("SIGINT");
    const result = await child;
    const report = JSON.parse(readFileSync(json, "utf8")) as { scenarios: { name: string; status: string }[]; summary: unknown; stopped: { reason: string; notRun: { name: string; file: string }[] } };
    const xml = readFileSync(junit, "utf8");
    expect({
      exitCode: result.exitCode,
      scenarios: report.scenarios.map((s) => [s.name, s.status]),
      summary: report.summary,
      stopped: { reason: report.stopped.reason, notRun: report.stopped.notRun.map((s) => [s.name, s.file]) },
      junitSkipped: /<testsuite name="slow \(.*b-slow\.yaml\)"[^>]* skipped="1"/.test(xml) && /<skipped message="not run or not finished: fwspec was stopped \(SIGINT\)"\/>/.test(xml),
      junitQuick: /<testcase classname="[^"]*a-quick\.yaml" name="line 9: client -&gt; server:8080 open \[ipv4\]"/.test(xml),
      console: /fwspec was stopped \(SIGINT\) after 1 of 2 scenario\(s\) finished; not run or not finished: slow \(/.test(result.stdout.replace(/\s+/g, " ")) && /^STOPPED: 1 scenario\(s\): 1 passed/m.test(result.stdout),
    }, result.all).toEqual({
      exitCode: 130,
      scenarios: [["quick", "passed"]],
      summary: { passed: 1, failed: 0, errors: 0 },
      stopped: { reason: "SIGINT", notRun: [["slow", join(dir, "b-slow.yaml")]] },
      junitSkipped: true,
      junitQuick: true,
      console: true,
    });
    await expectNothingOf(child.pid!);
  });

  it("SIGINT while the engine is being reached (after the scenarios are valid, before the lab image is checked): exit 130, a --json report with every scenario not run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-early-stop-"));
    const json = join(dir, "out.json");
    const child = execa(process.execPath, [CLI, "run", "--json", json, SCENARIO], { cwd: PROJECT_ROOT, reject: false, all: true });
    let output = "";
    let sent = false;
    child.all!.on("data", (d: Buffer) => {
      output += d.toString();
      // A moment after the line (it is printed just before the stop's report is registered), well before the lab image line.
      if (!sent && /scenario file\(s\) valid/.test(output)) {
        sent = true;
        setTimeout(() => child.kill("SIGINT"), 20);
      }
    });
    const result = await child;
    const report = JSON.parse(readFileSync(json, "utf8")) as { scenarios: unknown[]; stopped: { reason: string; notRun: { file: string }[] } };
    expect({ exitCode: result.exitCode, scenarios: report.scenarios.length, reason: report.stopped.reason, notRun: report.stopped.notRun.map((s) => s.file) }, result.all).toEqual({
      exitCode: 130, scenarios: 0, reason: "SIGINT", notRun: [join(PROJECT_ROOT, SCENARIO)],
    });
    await expectNothingOf(child.pid!);
  });

  it.each([
    ["validate --rules", ["validate", "--rules", SCENARIO]],
    ["run --check-rules", ["run", "--check-rules", SCENARIO]],
  ])("SIGINT while %s has its throw-away rule-check host up removes it and exits 130 (not a closed-channel error)", async (_, args) => {
    const child = execa(process.execPath, [CLI, ...args], { cwd: PROJECT_ROOT, reject: false });
    await pRetry(
      async () => {
        if ((await containersOf(child.pid!)).length < 1) throw new Error("rule-check host not up yet");
      },
      { retries: 60, minTimeout: 100, maxTimeout: 250, maxRetryTime: 60_000 },
    );
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/SIGINT: removing this run's containers/);
    expect(result.stderr).not.toMatch(/command channel .* is closed/);
    await expectNothingOf(child.pid!);
  });

  it("a program using the Node API without handleInterrupts: a signal it does not listen for removes the run's containers and exits 128+n, as the CLI does; one it listens for stays its own", async () => {
    const program = (own: boolean) => `${own ? 'process.on("SIGINT", () => { console.log("own handler"); process.exit(7); });\n' : ""}import { run } from ${JSON.stringify(join(PROJECT_ROOT, "harness/index.ts"))};\nawait run({ paths: [${JSON.stringify(SCENARIO)}] });\n`;
    for (const [own, signal] of [[false, "SIGINT"], [true, "SIGINT"], [true, "SIGTERM"]] as const) {
      const child = execa(process.execPath, ["--input-type=module", "-e", program(own)], { cwd: PROJECT_ROOT, reject: false });
      await labUp(child.pid!);
      child.kill(signal);
      const result = await child;
      if (own && signal === "SIGINT") {
        expect(result.exitCode, result.stderr).toBe(7);
        expect(result.stdout).toContain("own handler");
        expect(result.stderr).not.toMatch(/removing this run's containers/);
        // The program's choice: what it left, the next run's sweep (here the test) removes.
        const docker = await connectEngine();
        for (const id of await containersOf(child.pid!)) await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
        for (const id of await networksOf(child.pid!)) await docker.getNetwork(id).remove().catch(() => undefined);
      } else {
        expect(result.exitCode, `${own} ${signal}: ${result.stderr}`).toBe(signal === "SIGINT" ? 130 : 143);
        expect(result.stderr).toMatch(new RegExp(`${signal}: removing this run's containers`));
        await expectNothingOf(child.pid!);
      }
    }
  });

  it("a run whose output is closed mid-scenario (EPIPE) removes every container and network and exits 141", async () => {
    const { child } = await startAndWaitForLab();
    // The reader goes away: the run's next progress line meets a closed pipe.
    child.stdout!.destroy();
    child.stderr!.destroy();
    const result = await child;
    expect(result.exitCode).toBe(141);
    await expectNothingOf(child.pid!);
  });

  it("SIGINT to a --reuse run removes the lab it took warm from an earlier run (labelled with that run's id)", async () => {
    // A shape of this test's own (an interface named sig0): no other warm lab on the engine is taken.
    const dir = mkdtempSync(join(tmpdir(), "fwspec-reuse-"));
    const file = join(dir, "reuse.yaml");
    writeFileSync(file, [
      "name: a dropped probe waited out",
      "description: long enough to be interrupted on a lab taken warm",
      "family: ipv4",
      "hosts:",
      "  server: { firewall: true, listen: [tcp/8080], interfaces: { lan: sig0 } }",
      "  client: {}",
      "steps:",
      "  - apply: { host: server, commands: ['iptables -A INPUT -p tcp --dport 8080 -j DROP'] }",
      "  - expect: [client -> server:8080 dropped]",
      "",
    ].join("\n"));
    const docker = await connectEngine();
    const first = await execa(process.execPath, [CLI, "run", "--reuse", file], { cwd: PROJECT_ROOT, reject: false });
    expect(first.exitCode, first.stderr).toBe(0);
    const warm = (await listMarkers(docker)).filter((m) => m.labels[LABEL_WARM] !== undefined && (m.labels[LABEL_WARM_LAB] ?? "").includes('"sig0"'));
    expect(warm).toHaveLength(1);
    const [runId] = warm[0]!.key.split("/");
    const labOf = async () => (await docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`] } })).map((c) => c.Id);
    expect(await labOf()).toHaveLength(2);
    try {
      // A second process takes it and, having started no lab itself (no container runtime prepared), leaves it warm again.
      const second = await execa(process.execPath, [CLI, "run", "--reuse", file], { cwd: PROJECT_ROOT, reject: false });
      expect(second.exitCode, second.stderr).toBe(0);
      expect(second.stderr).toMatch(/took a warm lab/);
      expect((await listMarkers(docker)).filter((m) => m.key === warm[0]!.key && m.labels[LABEL_WARM] !== undefined)).toHaveLength(1);
      // Without early verdicts the dropped probe runs to its timeout: time to interrupt once the lab is taken.
      const child = execa(process.execPath, [CLI, "run", "--reuse", "--no-early", "--timeout", "5", file], { cwd: PROJECT_ROOT, reject: false });
      await pRetry(
        async () => {
          if (!(await listMarkers(docker)).some((m) => m.key === warm[0]!.key && m.labels[LABEL_CLAIMED_BY] !== undefined)) throw new Error("not taken yet");
        },
        { retries: 60, minTimeout: 100, maxTimeout: 250, maxRetryTime: 30_000 },
      );
      child.kill("SIGINT");
      expect((await child).exitCode).toBe(130);
      expect(await labOf()).toEqual([]);
      expect((await listMarkers(docker)).filter((m) => m.key === warm[0]!.key)).toEqual([]);
    } finally {
      await removeRun(docker, runId!);
    }
  });

  it("SIGINT to a --reuse --keep run also removes a lab it took warm and has kept (labelled with the earlier run's id)", async () => {
    // A shape of this test's own (an interface named sig1). --labs 1: the quick scenario takes the warm lab and keeps it, the long one starts another.
    const dir = mkdtempSync(join(tmpdir(), "fwspec-reuse-keep-"));
    const scenario = (name: string, port: number, expectation: string) => [
      `name: ${name}`,
      "description: a lab taken warm and kept, then an interrupt",
      "family: ipv4",
      "hosts:",
      "  server: { firewall: true, listen: [tcp/8080], interfaces: { lan: sig1 } }",
      "  client: {}",
      "steps:",
      `  - apply: { host: server, commands: ['iptables -A INPUT -p tcp --dport ${port} -j DROP'] }`,
      `  - expect: [${expectation}]`,
      "",
    ].join("\n");
    const quick = join(dir, "a-quick.yaml");
    const long = join(dir, "b-long.yaml");
    writeFileSync(quick, scenario("quick", 9999, "client -> server:8080 open"));
    writeFileSync(long, scenario("long", 8080, "client -> server:8080 dropped"));
    const docker = await connectEngine();
    const first = await execa(process.execPath, [CLI, "run", "--reuse", quick], { cwd: PROJECT_ROOT, reject: false });
    expect(first.exitCode, first.stderr).toBe(0);
    const warm = (await listMarkers(docker)).filter((m) => m.labels[LABEL_WARM] !== undefined && (m.labels[LABEL_WARM_LAB] ?? "").includes('"sig1"'));
    expect(warm).toHaveLength(1);
    const key = warm[0]!.key;
    const [runId] = key.split("/");
    const labOf = async () => (await docker.listContainers({ all: true, filters: { label: [`${LABEL_RUN}=${runId}`] } })).map((c) => c.Id);
    try {
      const child = execa(process.execPath, [CLI, "run", "--reuse", "--keep", "--labs", "1", "--no-early", "--timeout", "5", quick, long], { cwd: PROJECT_ROOT, reject: false });
      // Kept: a marker of its own (neither warm nor a claim) on the taken lab.
      await pRetry(
        async () => {
          if (!(await listMarkers(docker)).some((m) => m.key === key && m.labels[LABEL_WARM] === undefined && m.labels[LABEL_CLAIMED_BY] === undefined)) throw new Error("not kept yet");
        },
        { retries: 80, minTimeout: 100, maxTimeout: 250, maxRetryTime: 40_000 },
      );
      expect(await labOf()).toHaveLength(2);
      child.kill("SIGINT");
      const ended = await child;
      expect(ended.exitCode, ended.stderr).toBe(130);
      expect(ended.stderr).toMatch(/took a warm lab/);
      expect(await labOf()).toEqual([]);
      expect((await listMarkers(docker)).filter((m) => m.key === key)).toEqual([]);
      await expectNothingOf(child.pid!);
    } finally {
      await removeRun(docker, runId!);
    }
  });

  it("after SIGKILL the next run's sweep removes what was left", async () => {
    const { child } = await startAndWaitForLab();
    child.kill("SIGKILL");
    await child;
    // Whatever a worker may still be doing, the owner is gone: the sweep takes it all.
    const docker = await connectEngine();
    await pRetry(
      async () => {
        await sweepOrphans(docker);
        if ((await containersOf(child.pid!)).length + (await networksOf(child.pid!)).length > 0) throw new Error("left over");
      },
      { retries: 10, minTimeout: 500, maxRetryTime: 20_000 },
    );
    expect(await containersOf(child.pid!)).toEqual([]);
  });
});
