/**
 * A started lab host (implements LabHost): commands as argument arrays through
 * the host's command channel (one fwspec-agent), with time limits; staged files; repro text;
 * the isolation check; and the container restart a reboot is made of.
 */
import { readlinkSync } from "node:fs";
import type Dockerode from "dockerode";
import type { StartedTestContainer } from "testcontainers";
import { CommandError, LabError } from "../errors.ts";
import type { Family, HostSpec } from "../model/types.ts";
import { AgentChannel } from "./agent-channel.ts";
import type { AgentReply } from "./agent.ts";
import { READY_FILE } from "./container.ts";
import { type ExecOptions, type ExecResult, reproCommand, shellQuote } from "./exec.ts";
import { readInterfaceNames } from "./interfaces.ts";
import { commandLimits, DEFAULT_COMMAND_TIMEOUT_SECONDS, outputCutError, timedOutError } from "./limits.ts";
import { addressesOf, type LabNetwork, macsOf } from "./network.ts";
import type { HostAddresses, LabHost, NetworkAddresses, StagedOptions } from "./types.ts";
import { OUTPUT_THROUGH_FILES } from "./output-files.ts";
import { layerEntries, type LayerEntries, upperDirOf } from "./writable-layer.ts";

/** `FWSPEC_TRACE=1`: every in-container command on stderr, with its start (ms since the process began) and duration. */
const TRACE = process.env["FWSPEC_TRACE"] === "1";

/** Shell text (no scenario text in it): stdin to the file "$1", mode 0755. */
const WRITE_STAGED = 'mkdir -p -- "${1%/*}" && cat > "$1" && chmod 0755 "$1"';
const STAGE_FAILED = "fwspec-stage: cannot write";

/** `export NAME='value'` lines for fwspec's own environment values (names and values checked: no scenario text gets here). */
function stagedEnv(env: Readonly<Record<string, string>>): string {
  return Object.entries(env).map(([name, value]) => {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(name) || /['\n\0]/.test(value)) throw new Error(`staged environment ${name} cannot be given to a shell`);
    return `export ${name}='${value}'\n`;
  }).join("");
}

/** What a host needs of its container: a started one (lab.ts), or one attached to again (a warm lab, warm.ts). */
export type HostContainer = Pick<StartedTestContainer, "getId" | "getName" | "restart">;

export interface HostParts {
  readonly spec: HostSpec;
  readonly container: HostContainer;
  readonly docker: Dockerode;
  /** The lab's networks: the host's addresses are read from them (again after a restart). */
  readonly labNetworks: ReadonlyMap<string, LabNetwork>;
  /** Limit for one in-container command, in seconds (default DEFAULT_COMMAND_TIMEOUT_SECONDS). */
  readonly commandTimeoutSeconds?: number | undefined;
  /** How the user types fwspec, for the command a timeout's hint names (harness/invocation.ts; default `npx fwspec`). */
  readonly invocation?: string | undefined;
}

/** A running lab host. Commands are argument arrays run through fwspec-agent (docker exec). */
export class StartedHost implements LabHost {
  readonly spec: HostSpec;
  readonly containerName: string;
  /** Per network; re-read after a reboot. */
  #networkAddresses: NetworkAddresses;
  /** MAC address per network (from the engine; re-read after a reboot): how interfaces are found in the host. */
  #macs: ReadonlyMap<string, string>;
  /** Interface name per network, as set up by interfaces.ts (after start and after each reboot). */
  #interfaces: ReadonlyMap<string, string> = new Map();
  readonly #container: HostContainer;
  readonly #docker: Dockerode;
  readonly #labNetworks: ReadonlyMap<string, LabNetwork>;
  /** Commands go through one fwspec-agent in the container (one exec, reused; commands side by side). */
  readonly agents: AgentChannel;
  /** The id of the image build the container runs (as the engine reported it when attached; "" when not read). */
  readonly imageId: string;
  /** Every command's limit unless it names its own (see limits.ts). */
  readonly commandTimeoutSeconds: number;
  readonly #invocation: string | undefined;
  #isolationChecked = false;
  /** The container's writable layer on this machine (writable-layer.ts), when the engine's storage can be read from here. */
  readonly #upperDir: string | undefined;

  /** The host of a started container, with its addresses as the engine reports them. */
  static async attach(parts: HostParts): Promise<StartedHost> {
    const info = await parts.docker.getContainer(parts.container.getId()).inspect();
    return new StartedHost(parts, addressesOf(info, parts.labNetworks, parts.spec.name), macsOf(info, parts.labNetworks), info.Image, upperDirOf(info));
  }

  constructor(parts: HostParts, addresses: NetworkAddresses, macs: ReadonlyMap<string, string> = new Map(), imageId = "", upperDir?: string) {
    this.#upperDir = upperDir;
    this.#macs = macs;
    this.imageId = imageId;
    this.spec = parts.spec;
    this.commandTimeoutSeconds = parts.commandTimeoutSeconds ?? DEFAULT_COMMAND_TIMEOUT_SECONDS;
    this.#invocation = parts.invocation;
    this.#container = parts.container;
    this.containerName = parts.container.getName().replace(/^\//, "");
    this.#networkAddresses = addresses;
    this.#docker = parts.docker;
    this.#labNetworks = parts.labNetworks;
    this.agents = new AgentChannel(parts.docker, () => this.id, parts.spec.name);
  }

  /** Addresses on the host's first (home) network. */
  get addresses(): HostAddresses {
    return [...this.#networkAddresses.values()][0]!;
  }

  get networkAddresses(): NetworkAddresses {
    return this.#networkAddresses;
  }

  /** The network names this host is attached to (lab-level names). */
  get networks(): string[] {
    return [...this.#networkAddresses.keys()];
  }

  get macs(): ReadonlyMap<string, string> {
    return this.#macs;
  }

  interfaceOn(network: string): string | undefined {
    return this.#interfaces.get(network);
  }

  /** Records the interface names found (or given) by interfaces.ts. */
  setInterfaces(names: ReadonlyMap<string, string>): void {
    this.#interfaces = names;
  }

  async readInterfaces(): Promise<void> {
    this.#interfaces = await readInterfaceNames(this);
  }

  addressOn(network: string, family: Family): string | undefined {
    const a = this.#networkAddresses.get(network);
    return a ? (family === "ipv4" ? a.ipv4 : a.ipv6) : undefined;
  }

  /**
   * Restarts the container as a reboot: fresh network namespace, boot script
   * runs again; addresses are read again. The lab then prepares the host (prepare.ts).
   */
  async restart(): Promise<void> {
    // The new boot writes the ready file again; an old one must not look like it.
    await this.exec(["rm", "-f", READY_FILE]).catch(() => undefined);
    this.agents.reset();
    await this.#container.restart({ timeout: 0 });
    const info = await this.#docker.getContainer(this.id).inspect();
    this.#networkAddresses = addressesOf(info, this.#labNetworks, this.name);
    this.#macs = macsOf(info, this.#labNetworks);
    this.#interfaces = new Map();
    this.#isolationChecked = false;
  }

  get name(): string {
    return this.spec.name;
  }

  get id(): string {
    return this.#container.getId();
  }

  loopback(family: Family): string {
    return family === "ipv4" ? "127.0.0.1" : "::1";
  }

  /**
   * Runs a command; a failure to run it at all (container gone) throws LabError,
   * one that runs into its time limit a CommandError. A non-zero exit is data.
   */
  async exec(command: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const { timedOut, limitSeconds, ...r } = await this.#exec(command, options);
    if (timedOut) throw timedOutError(this.name, command, limitSeconds, r, this.#invocation);
    return r;
  }

  /** `shown`: the command a failure names (runStaged's, not its staging wrapper). */
  async #exec(command: readonly string[], options: ExecOptions, shown: readonly string[] = command): Promise<ExecResult & Pick<AgentReply, "timedOut"> & { limitSeconds: number }> {
    const started = performance.now();
    const limits = commandLimits(this.commandTimeoutSeconds, options);
    let r: AgentReply;
    try {
      r = await this.agents.run(command, options.stdin ?? "", limits);
    } catch (error) {
      throw new LabError(`cannot run \`${shellQuote(command)}\` on ${this.name} (${this.containerName}): ${(error as Error).message}`, { cause: error });
    }
    // Outside the try: a cut output is the command's failure (CommandError), not a failure to run it.
    if (TRACE) process.stderr.write(`fwspec trace ${started.toFixed(0).padStart(6)} ms +${(performance.now() - started).toFixed(0).padStart(4)} ms ${this.name}: ${command.join(" ").slice(0, 100)} -> ${r.exitCode}${r.timedOut ? " (timed out)" : ""}\n`);
    if (r.printed) throw outputCutError(this.name, shown, r.printed, r);
    return { command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: Math.round(performance.now() - started), timedOut: r.timedOut, limitSeconds: limits.limitSeconds };
  }

  /** Runs a command that must succeed; otherwise a CommandError with its output. */
  async run(command: readonly string[], what: string, options: ExecOptions = {}): Promise<ExecResult> {
    const r = await this.exec(command, options);
    if (r.exitCode !== 0) {
      throw new CommandError(`${what} failed on ${this.name}`, { command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, where: this.name });
    }
    return r;
  }

  repro(command: readonly string[]): string {
    return reproCommand(this.containerName, command);
  }

  /** Writes a file inside the host (mode 0755), through the command channel. */
  async copyFile(content: string, target: string): Promise<void> {
    await this.run(["sh", "-c", WRITE_STAGED, "fwspec-write", target], `writing ${target}`, { stdin: content });
  }

  /**
   * Writes `content` to `target` (as copyFile) and runs `command` right after,
   * in one round trip; a failure to write is told apart from the command's own.
   * `outputThroughFiles`: the command's output goes through files beside
   * `target` (output-files.ts), so what it starts in the background outlives it.
   */
  async runStaged(content: string, target: string, command: readonly string[], what: string, options: StagedOptions = {}): Promise<ExecResult> {
    const run = options.outputThroughFiles ? OUTPUT_THROUGH_FILES : 'shift; exec "$@"';
    const script = `${WRITE_STAGED} || { echo "${STAGE_FAILED} $1" >&2; exit 197; }\n${stagedEnv(options.env ?? {})}${run}`;
    const { timedOut, limitSeconds, ...r } = await this.#exec(["sh", "-c", script, "fwspec-stage", target, ...command], { stdin: content }, command);
    if (timedOut) throw timedOutError(this.name, command, limitSeconds, r, this.#invocation);
    if (r.exitCode === 197 && r.stderr.endsWith(`${STAGE_FAILED} ${target}\n`)) {
      throw new CommandError(`writing ${target} failed on ${this.name}`, { command: r.command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, where: this.name });
    }
    if (r.exitCode !== 0) {
      throw new CommandError(`${what} failed on ${this.name}`, { command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, where: this.name });
    }
    return { ...r, command };
  }

  writableLayer(skip?: readonly string[]): Promise<LayerEntries | undefined> {
    return layerEntries(this.#upperDir, { skip });
  }

  /**
   * Refuses to touch a host that shares the machine's network namespace, runs
   * privileged, or uses host networking. Checked once per host start.
   */
  async assertIsolated(): Promise<void> {
    if (this.#isolationChecked) return;
    const info = await this.#docker.getContainer(this.id).inspect();
    if (info.HostConfig.Privileged) throw new LabError(`${this.name} runs privileged; fwspec refuses to apply rules there`);
    if (info.HostConfig.NetworkMode === "host") throw new LabError(`${this.name} uses host networking; fwspec refuses to apply rules there`);
    let own: string | undefined;
    try {
      own = readlinkSync("/proc/self/ns/net");
    } catch {
      own = undefined; // not Linux, or no /proc: the engine is elsewhere, its namespaces are not ours
    }
    const theirs = (await this.run(["readlink", "/proc/1/ns/net"], "reading the network namespace", { light: true })).stdout.trim();
    if (own !== undefined && theirs === own) {
      throw new LabError(`${this.name} shares this machine's network namespace (${own}); fwspec refuses to apply rules there`);
    }
    this.#isolationChecked = true;
  }
}
