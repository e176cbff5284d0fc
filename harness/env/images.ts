/**
 * The lab image: one definition in docker/, tagged by a hash of that folder so an
 * edit rebuilds and an unchanged tree reuses the cache. Base image: a local
 * debian:bookworm-slim, else a pulled one, else one built offline with
 * mmdebstrap from the machine's own apt sources.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type Dockerode from "dockerode";
import { loadExeca } from "./load-execa.ts";
import { EnvironmentError } from "../errors.ts";
import type { Progress } from "../progress.ts";
import { PACKAGE_ROOT } from "./package-root.ts";

/** The fwspec package's own root (docker/ lives there), from harness/ or dist/harness/ alike. */
export const PROJECT_ROOT = PACKAGE_ROOT;
export const DOCKER_DIR = join(PROJECT_ROOT, "docker");
export const LAB_REPOSITORY = "fwspec-lab";
export const UPSTREAM_BASE = "debian:bookworm-slim";

function listFiles(dir: string, prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

/** Hash of every file name and content under docker/. */
export function dockerDirHash(dir: string = DOCKER_DIR): string {
  const hash = createHash("sha256");
  for (const file of listFiles(dir)) {
    hash.update(file).update("\0").update(readFileSync(join(dir, file))).update("\0");
  }
  return hash.digest("hex").slice(0, 12);
}

export function labImageTag(dir: string = DOCKER_DIR): string {
  return `${LAB_REPOSITORY}:${dockerDirHash(dir)}`;
}

export async function imageExists(docker: Dockerode, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

/** The apt sources of this machine, as files mmdebstrap accepts (one-line .list or deb822 .sources). */
export function machineAptSources(): string[] {
  const files: string[] = [];
  if (existsSync("/etc/apt/sources.list") && statSync("/etc/apt/sources.list").size > 0) files.push("/etc/apt/sources.list");
  const d = "/etc/apt/sources.list.d";
  if (existsSync(d)) {
    for (const name of readdirSync(d).sort()) {
      if (name.endsWith(".list") || name.endsWith(".sources")) files.push(join(d, name));
    }
  }
  return files;
}

function machineCodename(): string {
  try {
    const osRelease = readFileSync("/etc/os-release", "utf8");
    return /^VERSION_CODENAME=(\w+)/m.exec(osRelease)?.[1] ?? "bookworm";
  } catch {
    return "bookworm";
  }
}

async function tryPull(docker: Dockerode, name: string, progress: Progress): Promise<boolean> {
  progress.step(`pulling ${name}`);
  try {
    const stream = await Promise.race([
      docker.pull(name),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("pull timed out after 30 s")), 30_000)),
    ]);
    await new Promise<void>((res, rej) => docker.modem.followProgress(stream, (err) => (err ? rej(err) : res())));
    return true;
  } catch (error) {
    progress.info(`cannot pull ${name}: ${(error as Error).message.split("\n")[0]}`);
    return false;
  }
}

async function buildBaseOffline(docker: Dockerode, progress: Progress): Promise<string> {
  const codename = machineCodename();
  const tag = `fwspec-base:${codename}`;
  if (await imageExists(docker, tag)) return tag;
  const sources = machineAptSources();
  if (sources.length === 0) {
    throw new EnvironmentError("cannot build a base image offline: this machine has no apt sources", {
      hint: `load a ${UPSTREAM_BASE} image (docker load) or configure /etc/apt/sources.list`,
    });
  }
  progress.step(`building base image ${tag} with mmdebstrap from ${sources.join(", ")}`);
  const { execa } = await loadExeca();
  const mmdebstrap = execa(
    "mmdebstrap",
    ["--variant=apt", "--aptopt=Acquire::Check-Valid-Until \"false\"", "--format=tar", codename, "-", ...sources],
    { stdout: "pipe", stderr: "pipe", buffer: { stdout: false, stderr: true }, reject: false },
  );
  mmdebstrap.stderr?.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (/^I: (retrieving|extracting|installing|success)/.test(line)) progress.info(line);
  });
  const importStream = (await docker.importImage(mmdebstrap.stdout as never, { repo: "fwspec-base", tag: codename, changes: ['CMD ["bash"]'] } as never)) as unknown as NodeJS.ReadableStream;
  const [result] = await Promise.all([
    mmdebstrap,
    new Promise<void>((res, rej) => docker.modem.followProgress(importStream, (err) => (err ? rej(err) : res()))),
  ]);
  if (result.exitCode !== 0) {
    throw new EnvironmentError(`mmdebstrap failed with exit code ${result.exitCode}`, {
      cause: result,
      hint: `${String(result.stderr).trim().split("\n").slice(-3).join(" / ")}`,
    });
  }
  return tag;
}

/** Picks (or makes) the base image: local upstream, pulled upstream, or mmdebstrap. */
export async function ensureBaseImage(docker: Dockerode, progress: Progress): Promise<string> {
  if (await imageExists(docker, UPSTREAM_BASE)) return UPSTREAM_BASE;
  const offline = `fwspec-base:${machineCodename()}`;
  if (await imageExists(docker, offline)) return offline;
  if (await tryPull(docker, UPSTREAM_BASE, progress)) return UPSTREAM_BASE;
  return buildBaseOffline(docker, progress);
}

/** Builds the lab image unless the tag for the current docker/ tree exists. Returns the tag. */
export async function ensureLabImage(docker: Dockerode, progress: Progress): Promise<string> {
  const tag = labImageTag();
  if (await imageExists(docker, tag)) {
    progress.info(`lab image ${tag} is up to date`);
    return tag;
  }
  const base = await ensureBaseImage(docker, progress);
  progress.step(`building lab image ${tag} from ${base}`);
  const stream = await docker.buildImage(
    { context: DOCKER_DIR, src: listFiles(DOCKER_DIR) },
    { t: tag, buildargs: { BASE: base }, networkmode: "host", labels: { fwspec: "image" }, rm: true, forcerm: true },
  );
  const errors: string[] = [];
  await new Promise<void>((res, rej) =>
    docker.modem.followProgress(
      stream,
      (err) => (err ? rej(err) : res()),
      (event: { stream?: string; error?: string }) => {
        if (event.error) errors.push(event.error);
        const line = event.stream?.trim();
        if (line && /^Step \d+\/\d+/.test(line)) progress.info(line);
      },
    ),
  ).catch((error: unknown) => errors.push((error as Error).message));
  if (errors.length > 0 || !(await imageExists(docker, tag))) {
    throw new EnvironmentError(`building ${tag} failed: ${errors.join("; ") || "image missing after build"}`, { hint: buildFailureHint(errors) });
  }
  return tag;
}

/**
 * What to do about a failed lab image build, from the engine's words (pure): a package download that failed is the
 * network's; anything else is the build's own step (tester 44c: every failure was told to check the apt mirror).
 */
export function buildFailureHint(errors: readonly string[]): string {
  const text = errors.join("\n");
  if (/Temporary failure resolving|Could not resolve|Failed to fetch|Unable to fetch|Could not connect|Connection (timed out|refused)|Network is unreachable|E: Unable to locate package/i.test(text)) {
    return "check that containers can reach the machine's apt mirror (docker build uses the host network)";
  }
  return `the message above names the build step that failed; the lab image is built from fwspec's own ${DOCKER_DIR}/Dockerfile: if it was changed, reinstall fwspec`;
}
