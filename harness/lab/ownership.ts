/**
 * Who owns a lab resource, in a form that survives PID namespaces. Runs in
 * different PID namespaces (CI runners in containers sharing one engine) see
 * different processes under the same numbers, so a bare pid label made them
 * sweep each other's live labs. The owner label is `boot/pidns/pid/start`:
 * the kernel's boot id, the owner's PID namespace inode, its pid there and its
 * start time (clock ticks since boot, so a reused pid is not mistaken for it).
 *
 * A sweeper in the same boot and namespace checks the pid and start time: a
 * live owner's resources stay, a gone owner's go at once (SIGKILLed runs).
 * Anywhere else the owner cannot be seen, and a lab counts as attended, so
 * it stays, while a container of it runs a command channel (the owner's
 * `docker exec` fwspec-agents end when the owner's connection closes: one
 * host of each lab the owner started reaches its agent by exec, its others
 * by `docker attach`, which the engine does not list), or one of its
 * containers was created or started less than FOREIGN_GRACE_MS ago (a lab
 * mid-start, a host mid-reboot); a network stays while a container of its lab
 * does.
 */
import { readFileSync, readlinkSync } from "node:fs";

export const LABEL_OWNER = "fwspec.owner";
/** How long a resource of an owner fwspec cannot see is kept without a running command channel. */
export const FOREIGN_GRACE_MS = 120_000;

export interface Place {
  /** /proc/sys/kernel/random/boot_id */
  readonly boot: string;
  /** Inode of the PID namespace. */
  readonly pidns: string;
}

export interface Owner extends Place {
  readonly pid: number;
  /** Start time of the process (field 22 of /proc/<pid>/stat). */
  readonly start: string;
}

export type OwnerState = "alive" | "gone" | "unseen";

export function formatOwner(o: Owner): string {
  return `${o.boot}/${o.pidns}/${o.pid}/${o.start}`;
}

export function parseOwner(label: string | undefined): Owner | undefined {
  const m = /^([0-9a-f-]{8,64})\/(\d+)\/(\d+)\/(\d+)$/.exec(label ?? "");
  return m ? { boot: m[1]!, pidns: m[2]!, pid: Number(m[3]), start: m[4]! } : undefined;
}

/** Start time of `pid` as this process's /proc shows it, or undefined when there is no such process. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

let here: Place | null | undefined;

/** This process's boot and PID namespace, or null when /proc is not this namespace's (then nothing is "here"). */
export function currentPlace(): Place | null {
  if (here !== undefined) return here;
  try {
    const ownStat = readFileSync("/proc/self/stat", "utf8");
    if (Number(ownStat.split(" ")[0]) !== process.pid) return (here = null);
    const pidns = /^pid:\[(\d+)\]$/.exec(readlinkSync("/proc/self/ns/pid"))?.[1];
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    here = pidns && boot ? { boot, pidns } : null;
  } catch {
    here = null;
  }
  return here;
}

/** The owner label for process `pid` of this namespace. */
export function ownerLabel(pid: number): string | undefined {
  const place = currentPlace();
  const start = processStart(pid);
  return place && start ? formatOwner({ ...place, pid, start }) : undefined;
}

/** Whether the owner named by `label` is alive, gone, or cannot be seen from `place`. */
export function ownerState(label: string | undefined, place: Place | null, startOf: (pid: number) => string | undefined = processStart): OwnerState {
  const owner = parseOwner(label);
  if (!owner || !place || owner.boot !== place.boot || owner.pidns !== place.pidns) return "unseen";
  return startOf(owner.pid) === owner.start ? "alive" : "gone";
}

/** An unseen owner's container or network is kept while attended (see the header). */
export function attended(ageMs: number, runningChannels: number): boolean {
  return runningChannels > 0 || ageMs < FOREIGN_GRACE_MS;
}
