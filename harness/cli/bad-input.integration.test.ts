/**
 * Bad input through the real command: each malformed scenario exits 2 with
 * file:line:column and a hint, and no container is started. A missing engine
 * exits 3 and names `fwspec setup`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { PROJECT_ROOT } from "../env/images.ts";

const CLI = join(PROJECT_ROOT, "harness/cli/main.ts");
const fwspec = (args: string[], env: Record<string, string> = {}) =>
  execa(process.execPath, [CLI, ...args], { cwd: PROJECT_ROOT, reject: false, all: true, env });

const GOOD_HOSTS = "hosts:\n  server: { firewall: true, listen: [tcp/8080, udp/5353] }\n  remote: {}\n";
const head = (rest: string) => `name: bad\ndescription: a malformed scenario\n${rest}`;

// [name, file content, expected line, expected message fragment]
const MALFORMED: readonly (readonly [string, string, number, RegExp])[] = [
  ["unknown top-level key", head(`${GOOD_HOSTS}stepz: []\n`), 6, /unknown key `stepz`/],
  ["unknown host in an expectation", head(`${GOOD_HOSTS}steps:\n  - expect:\n      - remot -> server:8080 open\n`), 8, /remot/],
  ["bad verdict word", head(`${GOOD_HOSTS}steps:\n  - expect:\n      - remote -> server:8080 closed\n`), 8, /closed/],
  ["port not a listener", head(`${GOOD_HOSTS}steps:\n  - expect:\n      - remote -> server:9090 open\n`), 8, /9090/],
  ["udp probe to a tcp port", head(`${GOOD_HOSTS}steps:\n  - expect:\n      - remote -> server:8080/udp open\n`), 8, /udp\/8080/],
  ["missing fixture file", head(`${GOOD_HOSTS}steps:\n  - apply: ./nope.sh\n`), 7, /nope\.sh/],
  ["fixture escaping the project", head(`${GOOD_HOSTS}steps:\n  - apply: ../../../../../../etc/shadow\n`), 7, /shadow|outside|escape/],
  ["shell operator in a command", head(`${GOOD_HOSTS}steps:\n  - apply: { host: server, commands: ["iptables -F; rm -rf /"] }\n`), 7, /;|shell/],
  ["listener syntax", head("hosts:\n  server: { firewall: true, listen: [tcp:8080] }\nsteps:\n  - expect: []\n"), 4, /tcp:8080/],
  ["port out of range", head("hosts:\n  server: { firewall: true, listen: [tcp/70000] }\nsteps:\n  - expect: []\n"), 4, /70000/],
  ["apply to a non-firewall host", head(`${GOOD_HOSTS}steps:\n  - apply: { host: remote, commands: ["iptables -F"] }\n`), 7, /not a firewall host/],
  ["bad family", head(`family: ipv5\n${GOOD_HOSTS}steps:\n  - expect: []\n`), 3, /ipv5/],
  ["bad counter comparison", head(`${GOOD_HOSTS}steps:\n  - counters:\n      - { rule: -A INPUT -j DROP, packets: "about 3" }\n`), 8, /about 3/],
  // yaml reports an unclosed flow sequence where the file ends.
  ["YAML syntax error", head(`${GOOD_HOSTS}steps:\n  - expect: [remote -> server:8080 open\n`), 8, /YAML syntax error/],
  ["empty file", "", 1, /empty/],
  ["a list at top level", "- name: bad\n", 1, /mapping|object/],
  ["held connection never opened", head(`${GOOD_HOSTS}steps:\n  - expect:\n      - held sesion open\n`), 8, /sesion/],
];

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "fwspec-bad-"));
  writeFileSync(join(dir, "package.json"), "{}\n");
  mkdirSync(join(dir, "scenarios"));
});

afterAll(async () => {
  const docker = await connectEngine();
  // Other test files run labs concurrently; none may be named after these files (lab "bad").
  const all = await docker.listContainers({ all: true, filters: { label: ["fwspec.lab"] } });
  const mine = all.filter((c) => /^bad(-[0-9a-f]{4})?$/.test(c.Labels["fwspec.lab"] ?? "")).length;
  expect(mine).toBe(0);
});

describe("fwspec run on malformed scenarios", () => {
  it.each(MALFORMED)("%s: exit 2 with file:line:column and a hint", async (_name, text, line, message) => {
    const file = join(dir, "scenarios", "bad.yaml");
    writeFileSync(file, text);
    const r = await fwspec(["run", file]);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`bad\\.yaml:${line}:\\d+: `));
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/hint: /);
    expect(r.stderr).toMatch(/no container was started/);
  });
});

describe("environment problems", () => {
  it("no engine: exit 3, naming fwspec setup", async () => {
    const r = await fwspec(["run", "scenarios/block-port/13-separate-client.yaml"], { DOCKER_HOST: "unix:///nonexistent/docker.sock" });
    expect(r.exitCode, r.all).toBe(3);
    expect(r.stderr).toMatch(/no Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock/);
    expect(r.stderr).toMatch(/fwspec setup/);
  });

  it("usage errors exit 2", async () => {
    expect((await fwspec(["run", "--family", "ipv5"])).exitCode).toBe(2);
    expect((await fwspec(["run", "--timeout", "1.5"])).exitCode).toBe(2);
    expect((await fwspec(["frobnicate"])).exitCode).toBe(2);
    expect((await fwspec(["run", "no/such/dir"])).exitCode).toBe(2);
  });

  it("--help on every command exits 0", async () => {
    for (const cmd of [[], ["run"], ["validate"], ["setup"], ["doctor"], ["cleanup"], ["stability"]]) {
      const r = await fwspec([...cmd, "--help"]);
      expect(r.exitCode, cmd.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/Usage: fwspec/);
    }
  });
});
