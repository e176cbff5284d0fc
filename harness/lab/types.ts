/**
 * What the layers above the lab see of it: hosts that run commands, a lab that
 * maps names to hosts and addresses, and a provider that starts labs. Pure
 * types — the Docker implementation (lab.ts and friends) and the in-memory
 * fake used by runner unit tests both implement them; nothing above lab/
 * needs to know which.
 */
import type { Family, FamilyAddresses, HostSpec, ListenerSpec } from "../model/types.ts";
import type { Shaped } from "../plan/shape.ts";
import type { Progress } from "../progress.ts";
import type { CommandTarget, ExecOptions, ExecResult } from "./exec.ts";
import type { LayerEntries } from "./writable-layer.ts";

export interface HostAddresses {
  readonly ipv4: string;
  readonly ipv6: string;
}

/** Addresses of a host on each of its networks, in the host's network order. */
export type NetworkAddresses = ReadonlyMap<string, HostAddresses>;

/** A running lab host: commands as argument arrays, results as data. */
export interface LabHost extends CommandTarget {
  readonly spec: HostSpec;
  /** Addresses on the host's first (home) network. */
  readonly addresses: HostAddresses;
  /** The lab-level network names this host is attached to. */
  readonly networks: readonly string[];
  addressOn(network: string, family: Family): string | undefined;
  /** The host's interface name on a network (`wan`, `eth0`); undefined before the lab set it up. */
  interfaceOn(network: string): string | undefined;
  /** Reads the interface names anew (a scenario's command may have renamed one); interfaceOn gives them from then on. */
  readInterfaces?(): Promise<void>;
  loopback(family: Family): string;
  /** Runs a command that must succeed; otherwise a CommandError with its output. */
  run(command: readonly string[], what: string, options?: ExecOptions): Promise<ExecResult>;
  /** Writes `content` to `target` in the host and runs `command` right after. */
  runStaged(content: string, target: string, command: readonly string[], what: string, options?: StagedOptions): Promise<ExecResult>;
  /** Writes a file inside the host (mode 0755). */
  copyFile(content: string, target: string): Promise<void>;
  /** The command as a person can paste it to run it in this host. */
  repro(command: readonly string[]): string;
  /** Refuses (throws) when the host shares the machine's network namespace, runs privileged or on the host network. */
  assertIsolated(): Promise<void>;
  /** What the host wrote to its file system since its container was created (writable-layer.ts; the folders in `skip` not walked); undefined when that cannot be read from here. */
  writableLayer?(skip?: readonly string[]): Promise<LayerEntries | undefined>;
}

export interface StagedOptions {
  /** The command's output through files, not pipes: what it starts in the background outlives it (a rules script's daemons). */
  readonly outputThroughFiles?: boolean;
  /** Environment the command runs with besides the host's (fwspec's own values: PS4 for a traced script); not part of the command a failure names. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A lab network as the layers above see it. */
export interface LabNetworkInfo {
  /** The scenario's name for it (lan, dmz). */
  readonly name: string;
  readonly ipv4Subnet: string;
  readonly ipv6Subnet: string;
}

/** What a reboot's boot said. */
export interface RebootOutcome {
  /** What the boot reported failing (a `pre-up` line, netfilter-persistent), with its output; empty when it booted cleanly. */
  readonly bootProblems: readonly string[];
  /** What it noted without failing (two services enabled that run in no fixed order at a real boot). */
  readonly bootNotes?: readonly string[];
}

/** A lab left running after its run (`fwspec run --keep`): what a person needs to step into it. */
export interface KeptLab {
  readonly lab: string;
  /** The run that kept it: `fwspec cleanup --run <run>` removes it (and nothing of other runs). */
  readonly run: string;
  /** When later runs' sweeps (and plain `fwspec cleanup`) may remove it, ISO 8601; `fwspec cleanup --kept` removes it sooner. */
  readonly until: string;
  /** Each host and the command that opens a shell in it. */
  readonly hosts: readonly { readonly name: string; readonly shell: string }[];
}

/** A started lab: disposing it removes everything it started, unless it was kept. */
export interface RunningLab extends AsyncDisposable {
  readonly name: string;
  /** The run its containers are labelled with (`fwspec cleanup --run` removes it, warm or kept); absent for a lab of no engine (tests). */
  readonly runId?: string;
  readonly hosts: ReadonlyMap<string, LabHost>;
  readonly networks: ReadonlyMap<string, LabNetworkInfo>;
  host(name: string): LabHost;
  /** The address `to` is reached at from `from`: on a network they share, else on the target's home network. */
  addressFor(from: LabHost, to: LabHost, family: Family): string;
  /** Restarts a host as a reboot (fresh network namespace, boot script again), then waits until it is ready. */
  reboot(name: string): Promise<RebootOutcome>;
  /** Marks the lab kept: disposing it then only lets go of it (its hosts keep running); an interrupt still removes it. */
  keep(): Promise<KeptLab>;
  /**
   * Leaves the lab warm for a later run of its shape (`fwspec run --reuse`),
   * reset by the caller to `state`; disposing it then only lets go of it.
   * Returns until when it waits. Absent: this lab cannot be left warm.
   */
  park?(state: WarmState): Promise<string>;
}

/** What the runner hands over with a lab it leaves warm, and gets back with a lab it takes. */
export interface WarmState {
  /** The shape the lab was started as (its host names, networks), which later scenarios are cast onto. */
  readonly shape: Shaped;
  /** Each lab host's listeners now and the host name they answer under (by lab host name). */
  readonly listening: Readonly<Record<string, { readonly name: string; readonly listen: readonly ListenerSpec[] }>>;
  /** Each host's digest (rules and network state; by lab host name): a firewall host's as it booted, any other's as it was left. */
  readonly digests: Readonly<Record<string, string>>;
  /** Each host's writable layer in one word (runner/forget.ts layerDigest; by lab host name): absent where it cannot be read from here. */
  readonly layers?: Readonly<Record<string, string>>;
}

/** A warm lab a run took, with what it was left as. */
export interface WarmLab {
  readonly lab: RunningLab;
  readonly state: WarmState;
}

/** What a lab is made of: everything a provider needs to start one. */
export interface LabSpec {
  /** Short name, part of resource names. */
  readonly name: string;
  readonly hosts: readonly HostSpec[];
  /** Network names; hosts list theirs in HostSpec.networks. Default: one network. */
  readonly networks?: readonly string[];
  /** Declared subnets by network name (CIDR); others are automatic. */
  readonly subnets?: Readonly<Record<string, FamilyAddresses>>;
  readonly progress?: Progress;
}

/** Starts labs. The runner is given one; it never sees Docker. */
export interface LabProvider {
  start(spec: LabSpec): Promise<RunningLab>;
  /** A warm lab of `spec`'s shape left by an earlier run, taken for this one; undefined when there is none. Absent: this provider keeps no warm labs. */
  claimWarm?(spec: LabSpec): Promise<WarmLab | undefined>;
}
