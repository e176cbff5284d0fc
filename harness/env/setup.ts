/**
 * `fwspec setup`: make this machine able to run labs. Finds an engine; if none
 * answers and we are root on Debian/Ubuntu, installs Debian's docker.io and
 * starts dockerd with docker/daemon.json (bridge and pools in 198.18.0.0/15, no
 * host iptables rules), plus nftables so runs can compare the machine's own nft
 * ruleset before and after; then builds the images. Decisions are a pure function
 * of observed facts so they can be unit-tested.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadExeca } from "./load-execa.ts";
import pRetry from "p-retry";
import { EnvironmentError } from "../errors.ts";
import type { Progress } from "../progress.ts";
import { connectEngine, currentUser, deniedDiagnosis, probeEngine } from "./engine.ts";
import { DOCKER_DIR, ensureLabImage } from "./images.ts";
import { fwspecCommand } from "../invocation.ts";

export interface MachineFacts {
  readonly engineReachable: boolean;
  readonly engineUrl: string;
  /** DOCKER_HOST points somewhere else: never start a local daemon for it. */
  readonly customDockerHost: boolean;
  readonly isRoot: boolean;
  /** ID and ID_LIKE of /etc/os-release. */
  readonly osIds: readonly string[];
  readonly haveDockerd: boolean;
  readonly haveMmdebstrap: boolean;
  /** `nft` on PATH: without it `fwspec run` cannot compare the machine's own nft ruleset before and after. */
  readonly haveNft: boolean;
  /** The engine's socket refuses this user (EACCES): an engine runs; starting another would be wrong. */
  readonly engineDenied: boolean;
  readonly socketPath?: string | undefined;
  /** Who runs fwspec, for messages. */
  readonly user: string;
}

export type SetupAction =
  | { readonly kind: "install"; readonly packages: readonly string[] }
  | { readonly kind: "start-dockerd" }
  | { readonly kind: "build-images" };

export type SetupPlan =
  | { readonly ok: true; readonly actions: readonly SetupAction[] }
  | { readonly ok: false; readonly problem: string; readonly hint: string };

const DEBIAN_LIKE = new Set(["debian", "ubuntu"]);

/** Pure: what setup must do on a machine with these facts; `invocation` starts the commands hints name (harness/invocation.ts). */
export function planSetup(facts: MachineFacts, invocation?: string): SetupPlan {
  const actions: SetupAction[] = [];
  const setup = fwspecCommand("setup", invocation);
  if (!facts.engineReachable) {
    if (facts.engineDenied) return { ok: false, ...deniedDiagnosis(facts.socketPath ?? facts.engineUrl, facts.user) };
    if (facts.customDockerHost) {
      return {
        ok: false,
        problem: `DOCKER_HOST=${facts.engineUrl} does not answer`,
        hint: "start that engine, or unset DOCKER_HOST so fwspec setup can start a local one",
      };
    }
    const debianLike = facts.osIds.some((id) => DEBIAN_LIKE.has(id));
    const missing = [...(facts.haveDockerd ? [] : ["docker.io"]), ...(facts.haveMmdebstrap ? [] : ["mmdebstrap"]), ...(facts.haveNft ? [] : ["nftables"])];
    if (!facts.isRoot) {
      return {
        ok: false,
        problem: `no Docker engine answers at ${facts.engineUrl} and fwspec setup is not running as root`,
        hint: debianLike
          ? `as root run: apt-get install -y ${["docker.io", "mmdebstrap", "nftables"].join(" ")} && dockerd --config-file ${join(DOCKER_DIR, "daemon.json")} &  (or run ${setup} as root); then add yourself to the docker group`
          : "install Docker Engine for your distribution, start it, and make sure your user can reach its socket",
      };
    }
    if (!debianLike) {
      return {
        ok: false,
        problem: `no Docker engine answers at ${facts.engineUrl} and this is not Debian or Ubuntu`,
        hint: `install and start Docker Engine (and mmdebstrap if no registry is reachable), then run ${setup} again`,
      };
    }
    if (missing.length > 0) actions.push({ kind: "install", packages: missing });
    actions.push({ kind: "start-dockerd" });
  } else if (facts.isRoot && facts.osIds.some((id) => DEBIAN_LIKE.has(id))) {
    // mmdebstrap: needed only if no base image is local and none can be pulled; cheap to have.
    // nftables: the host check of `fwspec run` reads the machine's nft ruleset with it.
    const missing = [...(facts.haveMmdebstrap ? [] : ["mmdebstrap"]), ...(facts.haveNft ? [] : ["nftables"])];
    if (missing.length > 0) actions.push({ kind: "install", packages: missing });
  }
  actions.push({ kind: "build-images" });
  return { ok: true, actions };
}

async function onPath(command: string): Promise<boolean> {
  const { execa } = await loadExeca();
  const r = await execa("sh", ["-c", 'command -v "$1"', "sh", command], { reject: false });
  return r.exitCode === 0;
}

export async function gatherFacts(env: NodeJS.ProcessEnv = process.env): Promise<MachineFacts> {
  const engine = await probeEngine(env);
  let osIds: string[] = [];
  try {
    const text = readFileSync("/etc/os-release", "utf8");
    const id = /^ID=("?)([^"\n]*)\1$/m.exec(text)?.[2] ?? "";
    const like = /^ID_LIKE=("?)([^"\n]*)\1$/m.exec(text)?.[2] ?? "";
    osIds = [id, ...like.split(/\s+/)].filter(Boolean);
  } catch {
    osIds = [];
  }
  return {
    engineReachable: engine.reachable,
    engineUrl: engine.endpoint.url,
    customDockerHost: Boolean(env["DOCKER_HOST"]?.trim()),
    isRoot: process.getuid?.() === 0,
    osIds,
    haveDockerd: await onPath("dockerd"),
    haveMmdebstrap: await onPath("mmdebstrap"),
    haveNft: await onPath("nft"),
    engineDenied: engine.denied === true,
    socketPath: engine.endpoint.options.socketPath,
    user: currentUser(),
  };
}

export const DOCKERD_LOG = "/var/log/fwspec/dockerd.log";

async function installPackages(packages: readonly string[], progress: Progress): Promise<void> {
  progress.step(`installing Debian packages: ${packages.join(" ")}`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const { execa } = await loadExeca();
  const update = await execa("apt-get", ["update", "-qq"], { env, reject: false });
  if (update.exitCode !== 0) progress.info(`apt-get update exited ${update.exitCode}; trying the install anyway`);
  const install = await execa("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], { env, reject: false });
  if (install.exitCode !== 0) {
    throw new EnvironmentError(`apt-get install ${packages.join(" ")} failed (exit ${install.exitCode})`, {
      hint: install.stderr.trim().split("\n").slice(-3).join(" / "),
    });
  }
}

async function startDockerd(progress: Progress): Promise<void> {
  progress.step(`starting dockerd with ${join(DOCKER_DIR, "daemon.json")} (log: ${DOCKERD_LOG})`);
  mkdirSync("/var/log/fwspec", { recursive: true });
  // A daemon: its own session, output to a log file, not waited for by this process.
  const log = openSync(DOCKERD_LOG, "a");
  const child = spawn("dockerd", ["--config-file", join(DOCKER_DIR, "daemon.json")], { detached: true, stdio: ["ignore", log, log] });
  closeSync(log);
  let exited = false;
  child.once("exit", () => (exited = true));
  child.once("error", () => (exited = true));
  child.unref();
  await pRetry(
    async () => {
      if (exited) throw new EnvironmentError(`dockerd exited at start; see ${DOCKERD_LOG}`);
      const status = await probeEngine(process.env, 1000);
      if (!status.reachable) throw new EnvironmentError(`dockerd not answering yet: ${status.problem}`);
    },
    { retries: 60, minTimeout: 250, maxTimeout: 1000, factor: 1.3, maxRetryTime: 60_000, shouldRetry: () => !exited },
  );
  progress.info("dockerd is up");
}

export interface SetupResult {
  readonly image: string;
  readonly actions: readonly SetupAction[];
}

export async function runSetup(progress: Progress, env: NodeJS.ProcessEnv = process.env, invocation?: string): Promise<SetupResult> {
  const facts = await gatherFacts(env);
  const plan = planSetup(facts, invocation);
  if (!plan.ok) throw new EnvironmentError(plan.problem, { hint: plan.hint });
  let image = "";
  for (const action of plan.actions) {
    if (action.kind === "install") await installPackages(action.packages, progress);
    else if (action.kind === "start-dockerd") await startDockerd(progress);
    else {
      const docker = await connectEngine(env, invocation);
      image = await ensureLabImage(docker, progress);
    }
  }
  return { image, actions: plan.actions };
}

/** True when docker/daemon.json exists (it ships with the project). */
export function daemonConfigPresent(): boolean {
  return existsSync(join(DOCKER_DIR, "daemon.json"));
}
