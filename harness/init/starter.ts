/**
 * The files `fwspec init` writes (pure: paths and texts, nothing written
 * here): the working example for an empty repository (a scenario, its rules
 * files), and what every init writes beside a scenario: a fwspec.config.json
 * that marks the project root, a GitHub Actions workflow, and an .npmrc whose
 * script shell lets a cancel reach fwspec.
 */
import path from "node:path";
import { fwspecCommand } from "../invocation.ts";

export interface PlannedFile {
  /** Relative to the directory init runs in, POSIX separators. */
  readonly path: string;
  readonly text: string;
  /** An existing file: a conflict (refused without --force), or kept as it is (support files). */
  readonly ifExists: "conflict" | "keep";
}

/** Where the scenario schema is for editors once fwspec is installed in the repository. */
export const INSTALLED_SCHEMA = "node_modules/fwspec/schema/scenario.schema.json";

/** The `$schema` path of the installed package's schema, relative to a scenario in `scenarioDir`. */
export function schemaPath(scenarioDir: string): string {
  return path.posix.relative(path.posix.normalize(scenarioDir.split("\\").join("/")), INSTALLED_SCHEMA);
}

export const CONFIG_FILE = "fwspec.config.json";
export const WORKFLOW_FILE = ".github/workflows/fwspec.yml";
export const NPMRC_FILE = ".npmrc";

/**
 * npm runs `npx fwspec …` as `<script-shell> -c …`; with dash that shell stays
 * between npm and fwspec and holds SIGINT, so cancelling a CI job would wait
 * for the run. bash execs the command: npm's signals reach fwspec.
 */
const NPMRC_TEXT = `# fwspec: npm's script shell execs the command, so cancelling \`npx fwspec run\` reaches fwspec at once.
script-shell=/bin/bash
`;

/** The config file: empty for now; it marks the project root (scenario/root.ts). */
const CONFIG_TEXT = "{}\n";

/** A GitHub Actions job: a Linux runner with Docker, fwspec run as root (it compares the runner's own firewall before and after). */
const WORKFLOW_TEXT = `# Proves the firewall scenarios with real packets in Docker containers (written by \`fwspec init\`).
name: fwspec
on: [push, pull_request]
jobs:
  fwspec:
    # A Linux runner with Docker. fwspec runs as root (sudo) so it can compare the
    # runner's own firewall before and after the run; rules go only into containers.
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 24
      - run: npm ci
      - run: sudo -E env "PATH=$PATH" npx --no-install fwspec setup
      - run: sudo -E env "PATH=$PATH" npx --no-install fwspec run --junit reports/fwspec-junit.xml --json reports/fwspec.json --html reports/fwspec.html
      # The reports (JUnit, JSON, and the HTML report, which opens from the downloaded artefact), also when a check failed.
      - if: \${{ !cancelled() }}
        uses: actions/upload-artifact@v4
        with:
          name: fwspec-reports
          path: reports/
`;

/** What every init writes beside its scenario (kept when they exist). */
export function supportFiles(): PlannedFile[] {
  return [
    { path: CONFIG_FILE, text: CONFIG_TEXT, ifExists: "keep" },
    { path: WORKFLOW_FILE, text: WORKFLOW_TEXT, ifExists: "keep" },
    { path: NPMRC_FILE, text: NPMRC_TEXT, ifExists: "keep" },
  ];
}

const RULES_V4 = `# iptables-restore input (as iptables-save writes it), applied to \`server\` by scenarios/example.yaml.
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT
COMMIT
`;

const RULES_V6 = `# ip6tables-restore input, applied to \`server\` by scenarios/example.yaml.
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
-A INPUT -p ipv6-icmp -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT
COMMIT
`;

/** The example scenario; `invocation` is how the user ran init (harness/invocation.ts), for the command its description names. */
function exampleScenario(invocation: string | undefined): string {
  return `# yaml-language-server: $schema=${schemaPath("scenarios")}
name: SSH and HTTPS are open, everything else is dropped, over IPv4 and IPv6
description: >
  Written by \`fwspec init\` as a starting point. \`server\` gets firewall/rules.v4
  and firewall/rules.v6 the way iptables-restore applies them at boot, and
  listens on 22, 443 and 8080; \`remote\` probes it with real packets. Put your
  own rules in those files (or run \`${fwspecCommand("init --from", invocation)}\` on them) and say what
  must hold.
hosts:
  server: { firewall: true, listen: [tcp/22, tcp/443, tcp/8080] }
  remote: {}
steps:
  - apply:
      host: server
      restore:
        ipv4: ../firewall/rules.v4
        ipv6: ../firewall/rules.v6
  - expect:
      - remote -> server:22 open
      - remote -> server:443 open
      - remote -> server:8080 dropped
  - counters:
      - { host: server, rule: -A INPUT -p tcp --dport 443 -j ACCEPT, packets: ">= 1" }
`;
}

/** The working example for an empty repository, with the support files; `invocation` is how the user ran init (default `npx fwspec`). */
export function starterFiles(invocation?: string): PlannedFile[] {
  return [
    { path: "scenarios/example.yaml", text: exampleScenario(invocation), ifExists: "conflict" },
    { path: "firewall/rules.v4", text: RULES_V4, ifExists: "conflict" },
    { path: "firewall/rules.v6", text: RULES_V6, ifExists: "conflict" },
    ...supportFiles(),
  ];
}

export interface FilePlan {
  readonly write: readonly PlannedFile[];
  /** Existing support files left as they are. */
  readonly kept: readonly string[];
  /** Existing files init would overwrite (refused without --force). */
  readonly conflicts: readonly string[];
}

/**
 * Which planned files to write, given which exist: conflicts are written only
 * with `force`; a support file that exists is kept, also with `force`.
 */
export function planWrites(files: readonly PlannedFile[], exists: (rel: string) => boolean, force: boolean): FilePlan {
  const write: PlannedFile[] = [];
  const kept: string[] = [];
  const conflicts: string[] = [];
  for (const f of files) {
    if (!exists(f.path)) write.push(f);
    else if (f.ifExists === "keep") kept.push(f.path);
    else {
      conflicts.push(f.path);
      if (force) write.push(f);
    }
  }
  return { write, kept, conflicts };
}
