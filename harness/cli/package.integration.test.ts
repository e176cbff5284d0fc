/**
 * Tests fwspec as an installed package: packs it once (npm pack, which builds
 * dist/ through the prepare script, in a copy of this checkout), installs the tarball into
 * a fresh git repository with its own firewall/rules.v4 and rules.v6 and its
 * scenarios in tests/firewall/, and there runs `npx fwspec validate`,
 * `npx fwspec init --from firewall/rules.v4` (its output passes `run`),
 * `npx fwspec run` (exit 0; exit 1 naming file and line for a wrong
 * expectation) and that repository's own vitest on a test file importing
 * `defineScenario` from "fwspec" plus a YAML scenario through "fwspec/vitest",
 * on this checkout's Node 24 and on Node 22. Installed globally too (`npm
 * install -g --prefix` a folder of its own, its bin/ first on PATH), the
 * commands `fwspec` prints start with plain `fwspec`. The package's folder must not
 * change, and `npm pack --dry-run` must list no test files.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { execa, execaSync } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labImageTag, PROJECT_ROOT } from "../env/images.ts";

const MINUTES = 60_000;
/** What `npm run build` needs, and what the package ships. */
const SOURCES = ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "README.md", "LICENSE", "bin", "docker", "docs", "schema", "harness"];
const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const NPM_QUIET = ["--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"];

const work = mkdtempSync(join(tmpdir(), "fwspec-package-"));
const repo = join(work, "infra");
let tarball = "";
let packed: string[] = [];

/**
 * The machine's way to the package registry, which a clean environment keeps: proxies, extra CAs (a
 * TLS-intercepting proxy), and npm's global config. npm reads its global config from its prefix, which
 * follows the node first on PATH: with another node first, the machine's global npmrc (and a `cafile`
 * in it) would be skipped, and every registry request fail with SELF_SIGNED_CERT_IN_CHAIN.
 */
const NETWORK_ENV = ["NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"];
const machineNpmrc = process.env["npm_config_globalconfig"] ?? execaSync("npm", ["config", "get", "globalconfig"], { reject: false }).stdout.trim();

/** A clean environment whose node (and so npm, npx and fwspec's launcher) is the one in `nodeDir`. */
function envWith(nodeDir: string): Record<string, string> {
  const env: Record<string, string> = { PATH: `${nodeDir}${delimiter}${SYSTEM_PATH}`, HOME: process.env["HOME"] ?? "/root", LANG: "C.UTF-8", NO_COLOR: "1" };
  for (const name of ["DOCKER_HOST", ...NETWORK_ENV]) if (process.env[name]) env[name] = process.env[name];
  if (machineNpmrc !== "" && existsSync(machineNpmrc)) env["npm_config_globalconfig"] = machineNpmrc;
  return env;
}

const sh = (nodeDir: string, cwd: string, cmd: string, args: readonly string[]) =>
  // Bounded: an unreachable registry makes npm retry for many minutes; fail with its output instead.
  execa(cmd, args, { cwd, env: envWith(nodeDir), extendEnv: false, reject: false, all: true, stdin: "ignore", timeout: 5 * MINUTES });

async function must(nodeDir: string, cwd: string, cmd: string, args: readonly string[]): Promise<string> {
  const r = await sh(nodeDir, cwd, cmd, args);
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(" ")} (in ${cwd}) ${r.timedOut ? "timed out after 5 minutes" : `exited ${r.exitCode}`}:\n${r.all}`);
  return r.stdout;
}

/** This checkout's Node 24 (the `node` devDependency): where the test itself runs. */
const NODE24 = dirname(process.execPath);

/** Node 22, from the npm package `node@22` in a folder reused between runs. */
async function node22(): Promise<string> {
  const prefix = join(tmpdir(), "fwspec-test-node22");
  const bin = join(prefix, "node_modules", ".bin");
  if (!existsSync(join(bin, "node"))) await must(NODE24, tmpdir(), "npm", ["install", "--prefix", prefix, "node@22", ...NPM_QUIET]);
  return bin;
}

/** Every file under `dir` with its content hash: what "the package did not write into its folder" compares. */
function tree(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = join(prefix, e.name);
    if (e.isDirectory()) return tree(dir, rel);
    return [`${rel} ${e.isFile() ? createHash("sha256").update(readFileSync(join(dir, rel))).digest("hex") : "link"}`];
  }).sort();
}

const RULES_V4 = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m tcp --dport 8081 -j DROP
COMMIT
`;

/** Line 10 is the expectation the failing copy gets wrong. */
const WEB_YAML = `# yaml-language-server: $schema=../../node_modules/fwspec/schema/scenario.schema.json
name: web keeps 8081 closed
description: the repository's own rules files on a web host
hosts:
  web: { firewall: true, listen: [tcp/8080, tcp/8081] }
  client: {}
steps:
  - apply: { host: web, restore: { ipv4: ../../firewall/rules.v4, ipv6: ../../firewall/rules.v6 } }
  - expect:
      - client -> web:8080 open
      - client -> web:8081 dropped
`;

const WEB_TEST = `import { expect, test } from "vitest";
import { defineScenario, run } from "fwspec";

const scenario = defineScenario(
  {
    name: "web from TypeScript",
    description: "the same rules file, as a TypeScript scenario",
    family: "ipv4",
    hosts: { web: { firewall: true, listen: ["tcp/8080", "tcp/8081"] }, client: {} },
    steps: [
      { apply: { host: "web", restore: { ipv4: "../../firewall/rules.v4" } } },
      { expect: ["client -> web:8080 open", "client -> web:8081 dropped"] },
    ],
  },
  { baseDir: import.meta.dirname },
);

test("the web host's rules hold", async () => {
  const report = await run({ scenarios: [scenario] });
  expect(report.scenarios.map((s) => s.status)).toEqual(["passed"]);
}, 120_000);
`;

const VITEST_CONFIG = `import { defineConfig } from "vitest/config";
import { scenarioPlugin } from "fwspec/vitest";

export default defineConfig({
  plugins: [scenarioPlugin()],
  test: {
    include: ["tests/firewall/**/*.test.ts", "tests/firewall/**/*.yaml"],
    globalSetup: ["fwspec/vitest-setup"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
`;

/** The same, for the wrong scenario alone (a failing check's place as vitest shows it). */
const VITEST_WRONG_CONFIG = VITEST_CONFIG.replace('include: ["tests/firewall/**/*.test.ts", "tests/firewall/**/*.yaml"]', 'include: ["tests/wrong/**/*.yaml"]');
/** … and for a scenario that takes a while (a `run` step sleeping), to interrupt. */
const VITEST_SLOW_CONFIG = VITEST_CONFIG.replace('include: ["tests/firewall/**/*.test.ts", "tests/firewall/**/*.yaml"]', 'include: ["tests/slow/**/*.yaml"]');
const SLOW_YAML = `name: slow to interrupt
description: a run step sleeping, so that the run is stopped while its lab runs
hosts:
  web: { firewall: true, listen: [tcp/8080] }
  client: {}
steps:
  - expect:
      - client -> web:8080 open
  - run: { host: client, command: "sleep 30" }
`;

function writeRepo(): void {
  const files: Record<string, string> = {
    "package.json": `${JSON.stringify({ name: "infra", private: true, type: "module" }, null, 2)}\n`,
    "firewall/rules.v4": RULES_V4,
    "firewall/rules.v6": RULES_V4,
    "tests/firewall/web.yaml": WEB_YAML,
    "tests/firewall/web.test.ts": WEB_TEST,
    "tests/wrong/web.yaml": WEB_YAML.replace("client -> web:8080 open", "client -> web:8080 dropped"),
    "vitest.config.ts": VITEST_CONFIG,
    "vitest.wrong.config.ts": VITEST_WRONG_CONFIG,
    "vitest.slow.config.ts": VITEST_SLOW_CONFIG,
    "tests/slow/slow.yaml": SLOW_YAML,
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    writeFileSync(join(repo, file), text);
  }
}

let packageBefore: string[] = [];
let node22Dir = "";

beforeAll(async () => {
  // Build and pack once, in a copy: the checkout gets no dist/ and concurrent runs do not share one.
  const src = join(work, "src");
  for (const name of SOURCES) cpSync(join(PROJECT_ROOT, name), join(src, name), { recursive: true });
  symlinkSync(join(PROJECT_ROOT, "node_modules"), join(src, "node_modules"));
  const out = join(work, "pack");
  mkdirSync(out);
  const [result] = JSON.parse(await must(NODE24, src, "npm", ["pack", "--pack-destination", out, "--json", "--loglevel=error"])) as [{ filename: string }];
  tarball = join(out, result.filename);
  const [dry] = JSON.parse(await must(NODE24, src, "npm", ["pack", "--dry-run", "--json", "--ignore-scripts", "--loglevel=error"])) as [{ files: { path: string }[] }];
  packed = dry.files.map((f) => f.path);

  mkdirSync(repo);
  writeRepo();
  await must(NODE24, repo, "git", ["init", "-q"]);
  const vitestVersion = (JSON.parse(readFileSync(join(PROJECT_ROOT, "node_modules/vitest/package.json"), "utf8")) as { version: string }).version;
  await must(NODE24, repo, "npm", ["install", "-D", tarball, `vitest@${vitestVersion}`, ...NPM_QUIET]);
  packageBefore = tree(join(repo, "node_modules/fwspec"));
  node22Dir = await node22();
}, 15 * MINUTES);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the packed fwspec", () => {
  it("npm pack --dry-run lists the build, the launcher, docker/, schema/, the CI recipes and the licence, and no tests, bench, CI scripts or sources", () => {
    expect(packed.filter((p) => /\.test\.|testdata|^bench\/|^\.ci\/|^fixtures\/|^scenarios\/|^examples\/|^harness\/|\.ts$/.test(p) && !p.endsWith(".d.ts"))).toEqual([]);
    for (const file of ["bin/fwspec", "dist/harness/index.js", "dist/harness/index.d.ts", "dist/harness/cli/bin.js", "dist/harness/runner/vitest-plugin.js", "dist/harness/testing/global-setup.js", "dist/harness/testing/run-reaper.js", "docker/Dockerfile", "schema/scenario.schema.json", "docs/ci/github-actions.yml", "docs/ci/gitlab-ci.yml", "LICENSE"]) {
      expect(packed).toContain(file);
    }
    const manifest = JSON.parse(readFileSync(join(repo, "node_modules/fwspec/package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest["private"]).toBeUndefined();
    expect(Object.keys(manifest["dependencies"] as object)).not.toContain("node");
  });

  it("installs in a fresh repository without the `node` package and finds docker/ (the same lab image tag as this checkout)", () => {
    expect(existsSync(join(repo, "node_modules/node"))).toBe(false);
    expect(existsSync(join(repo, "node_modules/fwspec/docker/Dockerfile"))).toBe(true);
    expect(labImageTag(join(repo, "node_modules/fwspec/docker"))).toBe(labImageTag());
  });
});

describe.each([
  ["Node 24", () => NODE24],
  ["Node 22", () => node22Dir],
])("in the repository, on %s", (_name, nodeDir) => {
  it("node is the one asked for", async () => {
    expect(await must(nodeDir(), repo, "node", ["--version"])).toMatch(_name === "Node 24" ? /^v24\./ : /^v22\./);
  });

  it("npx fwspec --version: the installed package's version", async () => {
    expect(await must(nodeDir(), repo, "npx", ["fwspec", "--version"])).toBe(JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")).version);
  });

  it("npx fwspec validate: the scenarios in tests/firewall, their rules two folders up", async () => {
    const r = await sh(nodeDir(), repo, "npx", ["fwspec", "validate", "tests/firewall"]);
    expect(r.all).toContain("1 scenario file(s) valid");
    expect(r.exitCode).toBe(0);
  });

  it("npx fwspec run: exit 0, on the checkout's lab image", async () => {
    const r = await sh(nodeDir(), repo, "npx", ["fwspec", "run", "tests/firewall"]);
    expect(r.all).toContain(`lab image ${labImageTag()} is up to date`);
    expect(r.all).toMatch(/1 passed, 0 failed/);
    expect(r.exitCode, r.all).toBe(0);
  }, 4 * MINUTES);

  it("the repository's own vitest: defineScenario from fwspec, and a YAML scenario through fwspec/vitest", async () => {
    const r = await sh(nodeDir(), repo, "npx", ["vitest", "run"]);
    expect(r.all).toMatch(/Test Files\s+2 passed/);
    expect(r.exitCode, r.all).toBe(0);
  }, 6 * MINUTES);
});

describe("a wrong expectation, on Node 22", () => {
  it("npx fwspec run exits 1 and names the file and the line", async () => {
    const r = await sh(node22Dir, repo, "npx", ["fwspec", "run", "tests/wrong/web.yaml"]);
    expect(r.stdout).toContain(join("tests", "wrong", "web.yaml"));
    expect(r.stdout).toMatch(/line 10: client -> web:8080 dropped \[ipv4\]: expected dropped, observed\s+open/);
    expect(r.exitCode, r.all).toBe(1);
  }, 4 * MINUTES);
});

describe("a wrong expectation through fwspec/vitest, on Node 24", () => {
  it("vitest fails the check at the scenario's file and line, not in fwspec's dist/ (tester 43b)", async () => {
    const r = await sh(NODE24, repo, "npx", ["vitest", "run", "--config", "vitest.wrong.config.ts"]);
    expect(r.all).toMatch(/ScenarioFailure: line 10: expected dropped, observed open/);
    expect(r.all).toMatch(/❯ tests\/wrong\/web\.yaml:10:1/);
    expect(r.all).not.toMatch(/❯ node_modules\/fwspec\/dist/);
    expect(r.exitCode, r.all).toBe(1);
  }, 6 * MINUTES);
});

describe("an interrupted vitest run, on Node 24", () => {
  it("leaves no lab: vitest ends its workers at once on SIGINT, the test run's reaper removes what they started (tester 44c)", async () => {
    const labs = async () => (await execa("docker", ["ps", "-a", "--format", "{{.Names}}"])).stdout.split("\n").filter((n) => /-slow-/.test(n));
    const networks = async () => (await execa("docker", ["network", "ls", "--format", "{{.Name}}"])).stdout.split("\n").filter((n) => /-slow-/.test(n));
    // Its own process group (as a terminal's Ctrl-C reaches vitest alone), its main process signalled.
    const vitest = execa(join(repo, "node_modules", ".bin", "vitest"), ["run", "--config", "vitest.slow.config.ts"], { cwd: repo, env: envWith(NODE24), extendEnv: false, reject: false, all: true, detached: true, stdin: "ignore" });
    const until = async (what: () => Promise<boolean>, ms: number) => {
      for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) if (await what()) return true;
      return false;
    };
    expect(await until(async () => (await labs()).length === 2, 3 * MINUTES)).toBe(true);
    process.kill(vitest.pid!, "SIGINT");
    const r = await vitest;
    expect(r.exitCode === 130 || r.signal === "SIGINT", r.all).toBe(true);
    expect(await until(async () => (await labs()).length === 0 && (await networks()).length === 0, 30_000), `left: ${[...(await labs()), ...(await networks())].join(", ")}`).toBe(true);
  }, 6 * MINUTES);
});

describe("fwspec init --from, on Node 24", () => {
  it("reads firewall/rules.v4 and rules.v6, writes observed expectations, and what it wrote passes npx fwspec run", async () => {
    const init = await sh(NODE24, repo, "npx", ["fwspec", "init", "--from", "firewall/rules.v4", "--v6", "firewall/rules.v6"]);
    expect(init.exitCode, init.all).toBe(0);
    const written = readFileSync(join(repo, "scenarios", "firewall.yaml"), "utf8");
    expect(written).toMatch(/review: is this what you intend\?/);
    const r = await sh(NODE24, repo, "npx", ["fwspec", "run", "scenarios/firewall.yaml"]);
    expect(r.exitCode, r.all).toBe(0);
  }, 6 * MINUTES);
});

describe("installed globally (npm install -g into a prefix of its own, first on PATH), on Node 24", () => {
  it("`fwspec` runs it, and the commands it prints start with plain `fwspec`; by its path with none on PATH, that path", async () => {
    const prefix = join(work, "global");
    await must(NODE24, work, "npm", ["install", "-g", "--prefix", prefix, tarball, ...NPM_QUIET]);
    const dir = join(work, "elsewhere");
    mkdirSync(join(dir, ".git"), { recursive: true });
    // envWith puts its argument first on PATH: the prefix's bin/, then Node 24.
    const r = await sh(`${join(prefix, "bin")}${delimiter}${NODE24}`, dir, "fwspec", ["validate"]);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.all).toContain("`fwspec validate path/to/scenarios`");
    expect(r.all).not.toContain(prefix);
    const direct = await sh(NODE24, dir, join(prefix, "bin", "fwspec"), ["validate"]);
    expect(direct.exitCode, direct.all).toBe(2);
    expect(direct.all).toMatch(/`\S+\/lib\/node_modules\/fwspec\/bin\/fwspec validate path\/to\/scenarios`/);
  }, 4 * MINUTES);
});

describe("after every run", () => {
  it("the installed package's folder is unchanged (fwspec writes nothing into itself)", () => {
    const after = tree(join(repo, "node_modules/fwspec"));
    expect(after.filter((l) => !packageBefore.includes(l))).toEqual([]);
    expect(after).toEqual(packageBefore);
  });
});
