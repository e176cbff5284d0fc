/**
 * A lab network the engine will not remove. Docker answers 403 "has active
 * endpoints" while anything is attached, and also, after some container
 * removals (Docker 20.10, seen once in a suite run), for a network no
 * container is attached to: the engine still counts an endpoint it no longer
 * has, until it restarts. Such a network is named with why, never dropped in
 * silence: a declared subnet it holds would otherwise keep every later run of
 * that scenario waiting for "another lab" that does not exist. Pure but for
 * a note, per engine client, of the networks found stuck (lab starts read it).
 */
import { fwspecCommand } from "../invocation.ts";

/** A network the engine refused to remove, and why as fwspec saw it. */
export interface StuckNetwork {
  readonly name: string;
  /** The containers the engine lists on it (none: its endpoint count is stale). */
  readonly attached: readonly string[];
}

/** Is this the engine refusing to remove a network that (it says) is in use? */
export function refusedInUse(error: unknown): boolean {
  const e = error as { statusCode?: number; message?: string } | undefined;
  return e?.statusCode === 403 && /active endpoints/i.test(e.message ?? "");
}

/** Why a refused network stays: the containers still attached (as the engine lists them), or none — the engine's stale count. */
export function stuckReason({ attached }: StuckNetwork): string {
  if (attached.length > 0) return `the engine says it is in use: container(s) ${attached.join(", ")} still attached`;
  return "the engine counts an endpoint on it that no container holds (a stale record of the engine, cleared when the engine restarts)";
}

/** What to do about stuck networks (`invocation`: how the user types fwspec). */
export function stuckHint(invocation?: string): string {
  return `restart the container engine (\`systemctl restart docker\`; if \`${fwspecCommand("setup", invocation)}\` started it: stop dockerd, then run that again), then \`${fwspecCommand("cleanup", invocation)}\``;
}

/** One line per stuck network, for a report. */
export function stuckLines(stuck: readonly StuckNetwork[]): string[] {
  return stuck.map((s) => `could not remove network ${s.name}: ${stuckReason(s)}`);
}

const noted = new WeakMap<object, Map<string, StuckNetwork>>();

/** Notes networks found stuck on this engine client (by name: a later note replaces an earlier one). */
export function noteStuck(engine: object, stuck: readonly StuckNetwork[]): void {
  if (stuck.length === 0) return;
  const mine = noted.get(engine) ?? new Map<string, StuckNetwork>();
  for (const s of stuck) mine.set(s.name, s);
  noted.set(engine, mine);
}

/** No longer stuck (removed at last, or gone). */
export function forgetStuck(engine: object, name: string): void {
  noted.get(engine)?.delete(name);
}

/** The networks noted stuck on this engine client with nothing attached: the engine will not let them go before it restarts. */
export function staleNetworks(engine: object): ReadonlyMap<string, StuckNetwork> {
  return new Map([...(noted.get(engine) ?? new Map<string, StuckNetwork>())].filter(([, s]) => s.attached.length === 0));
}
