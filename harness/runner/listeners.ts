/**
 * Setting a lab host's listeners after it started (docker/fwspec-listen set):
 * the set of listeners and the host name they report as who answered. A host
 * boots with those of the scenario its lab was started for; a lab lent to
 * another scenario gets that scenario's, and the boot script starts the last
 * set again after a reboot. Pure parts (the command, the socket check) are
 * unit-tested; one command per host, as an argument array.
 */
import { LabError } from "../errors.ts";
import type { ListenerSpec } from "../model/types.ts";
import type { LabHost } from "../lab/types.ts";
import { listeningPorts } from "../probes/listeners.ts";

/** What a host's listeners are: the name they report and the listeners. */
export interface ListenerSet {
  readonly name: string;
  readonly listen: readonly ListenerSpec[];
}

const word = (l: ListenerSpec) => `${l.protocol}/${l.port}`;

/** The command that makes `set` the host's listeners (ending the ones running). */
export function listenCommand(set: ListenerSet): string[] {
  return ["fwspec-listen", "set", set.name, ...set.listen.map(word)];
}

/**
 * Do two sets start the same processes (same name, same listeners in any order)? Two sets without listeners start
 * none, whatever name they would report (a handoff then sets nothing: fwspec-listen and an `ss` saved).
 */
export function sameListeners(a: ListenerSet, b: ListenerSet): boolean {
  const words = (s: ListenerSet) => s.listen.map(word).sort().join(" ");
  return words(a) === words(b) && (a.name === b.name || a.listen.length === 0);
}

/** Ports of `before` that `now` does not declare but a socket still listens on (`ss -H -ltun` output). */
export function leftOver(before: readonly ListenerSpec[], now: readonly ListenerSpec[], ss: string): string[] {
  const open = listeningPorts(ss);
  const transport = (l: ListenerSpec) => (l.protocol === "udp" ? "udp" : "tcp");
  const kept = new Set(now.map((l) => `${transport(l)}/${l.port}`));
  return before.filter((l) => !kept.has(`${transport(l)}/${l.port}`) && (transport(l) === "udp" ? open.udp : open.tcp).has(l.port)).map(word);
}

/** Docker's embedded DNS resolver listens in every container on 127.0.0.11 (random ports): never one of fwspec's. */
const DOCKER_DNS = "127.0.0.11:";

/**
 * Sockets listening on a host that none of its `declared` listeners explains
 * (Docker's DNS resolver aside), as `tcp/7070` (`ss -H -ltun` output): a
 * process someone started in a lab that was waiting warm (lab/warm.ts).
 */
export function unexpectedListeners(declared: readonly ListenerSpec[], ss: string): string[] {
  const transport = (p: string) => (p === "udp" ? "udp" : "tcp");
  const known = new Set(declared.map((l) => `${transport(l.protocol)}/${l.port}`));
  const found = new Set<string>();
  for (const line of ss.split("\n")) {
    const f = line.trim().split(/\s+/);
    const local = f[4] ?? "";
    const port = /:(\d+)$/.exec(local)?.[1];
    if ((f[0] !== "tcp" && f[0] !== "udp") || port === undefined || local.startsWith(DOCKER_DNS)) continue;
    const socket = `${f[0]}/${port}`;
    if (!known.has(socket)) found.add(socket);
  }
  return [...found].sort();
}

/**
 * Makes `set` the listeners of `host` (which ran `before`): the old ones are
 * ended and gone, the new ones started. Their answers are proven by the caller
 * (probes/listeners.ts); here the old ports are checked closed.
 */
export async function setListeners(host: LabHost, before: ListenerSet, set: ListenerSet): Promise<void> {
  await host.run(listenCommand(set), `setting the listeners of ${set.name}`);
  const ss = await host.exec(["ss", "-H", "-ltun"], { light: true });
  const still = leftOver(before.listen, set.listen, ss.exitCode === 0 ? ss.stdout : "");
  if (still.length > 0) {
    throw new LabError(`${set.name}: listener(s) ${still.join(", ")} of the previous scenario still listen after the handoff`, { hint: `reproduce with: ${host.repro(["ss", "-H", "-ltun"])}` });
  }
}
