/**
 * Positive control: every declared listener answers on its host's own loopback,
 * on IPv4 and IPv6, before any probe runs. Readiness is polled with bounded
 * p-retry and every try is kept; a listener that never answers is a LabError
 * (an error of the scenario), never a "blocked" verdict.
 */
import pLimit from "p-limit";
import pRetry from "p-retry";
import { LabError } from "../errors.ts";
import type { LabHost, RunningLab } from "../lab/types.ts";
import type { ListenerSpec } from "../model/types.ts";
import { silentProgress, type Progress } from "../progress.ts";
import { FAMILIES } from "../model/types.ts";
import { type ProbeResult, runProbeFrom } from "./probe.ts";

export interface ListenerProof {
  readonly host: string;
  readonly listener: ListenerSpec;
  /** Every try, the last one open. */
  readonly tries: readonly ProbeResult[];
}

export async function proveListener(host: LabHost, listener: ListenerSpec): Promise<ListenerProof[]> {
  return Promise.all(
    FAMILIES.map(async (family) => {
      const tries: ProbeResult[] = [];
      const spec = { from: host.name, to: { kind: "localhost" } as const, port: listener.port, protocol: listener.protocol, family, timeoutSeconds: 1 };
      try {
        await pRetry(
          async () => {
            const r = await runProbeFrom(host, host.loopback(family), spec);
            tries.push(r);
            if (r.verdict !== "open") throw new LabError(`${r.verdict}: ${r.reason}`);
          },
          { retries: 25, minTimeout: 40, maxTimeout: 400, factor: 1.5, maxRetryTime: 10_000 },
        );
      } catch {
        const last = tries.at(-1);
        throw new LabError(
          `listener ${listener.protocol}/${listener.port} on ${host.name} did not answer on ${host.loopback(family)} after ${tries.length} tries (last: ${last?.verdict}: ${last?.reason})`,
          { hint: `reproduce with: ${last?.evidence.command ?? "(no probe ran)"}` },
        );
      }
      return { host: host.name, listener, tries };
    }),
  );
}

/** Listeners of one host proven at a time. */
const LISTENERS_AT_ONCE = 2;

/** Proves every listener of every host of the lab; returns the proofs (evidence for reports). */
export async function proveListeners(lab: RunningLab, progress: Progress = silentProgress): Promise<ListenerProof[]> {
  // Up to LISTENERS_AT_ONCE listeners at a time per host, each with its two families side by side (within the host's commands at once: lab/agent.ts).
  const jobs = [...lab.hosts.values()].flatMap((h) => {
    const limit = pLimit(LISTENERS_AT_ONCE);
    return h.spec.listen.map((l) => limit(() => proveListener(h, l)));
  });
  if (jobs.length > 0) progress.info(`lab ${lab.name}: proving ${jobs.length} listener(s) up on loopback (IPv4 and IPv6)`);
  return (await Promise.all(jobs)).flat();
}

/**
 * After a reboot the restored rules may block even loopback, so a listener's
 * return is proven from its socket (`ss`), not by a probe through the firewall.
 */
export async function awaitListening(host: LabHost, listener: ListenerSpec): Promise<number> {
  const argv = ["ss", "-H", listener.protocol === "udp" ? "-lun" : "-ltn", "sport", "=", `:${listener.port}`];
  let tries = 0;
  try {
    await pRetry(
      async () => {
        tries++;
        const r = await host.exec(argv);
        if (r.exitCode !== 0 || r.stdout.trim() === "") throw new LabError(`no ${listener.protocol} socket listening on ${listener.port}`);
      },
      { retries: 40, minTimeout: 50, maxTimeout: 300, factor: 1.5, maxRetryTime: 10_000 },
    );
  } catch {
    throw new LabError(`listener ${listener.protocol}/${listener.port} on ${host.name} did not come back after the reboot (${tries} tries)`, {
      hint: `reproduce with: ${host.repro(argv)}`,
    });
  }
  return tries;
}

/** Local ports with a listening socket, from one `ss -H -ltun` (tcp/http share TCP sockets). */
export function listeningPorts(ssOutput: string): { readonly tcp: ReadonlySet<number>; readonly udp: ReadonlySet<number> } {
  const tcp = new Set<number>();
  const udp = new Set<number>();
  for (const line of ssOutput.split("\n")) {
    const f = line.trim().split(/\s+/);
    const port = Number(/:(\d+)$/.exec(f[4] ?? "")?.[1]);
    if (!Number.isInteger(port)) continue;
    if (f[0] === "tcp") tcp.add(port);
    else if (f[0] === "udp") udp.add(port);
  }
  return { tcp, udp };
}

/** The listeners of a host that have no socket now (one `ss`): ended by a command of the scenario before, or its background. */
export async function missingListeners(host: LabHost): Promise<ListenerSpec[]> {
  if (host.spec.listen.length === 0) return [];
  const r = await host.exec(["ss", "-H", "-ltun"]);
  return listenersMissingFrom(host.spec.listen, r.exitCode === 0 ? r.stdout : "");
}

/** The listeners in `listen` that have no socket in `ss -H -ltun`'s output `ss` (pure). */
export function listenersMissingFrom(listen: readonly ListenerSpec[], ss: string): ListenerSpec[] {
  const open = listeningPorts(ss);
  return listen.filter((l) => !(l.protocol === "udp" ? open.udp : open.tcp).has(l.port));
}

/**
 * For bash: one `ss -H -ltunp`, an empty line, then `PID STATE` of each
 * process it names, read from /proc with builtins (no `ps`; the state is the
 * word after the name's closing parenthesis, a name with blanks too): each
 * listening socket's processes and their states. Exits 0 whatever a process
 * that ended meanwhile left unread.
 */
export const LISTENER_STATE_SCRIPT = 'out=$(ss -H -ltunp); printf "%s\\n\\n" "$out"; re="pid=([0-9]+)"; s=$out; while [[ $s =~ $re ]]; do p=${BASH_REMATCH[1]}; s=${s#*"pid=$p"}; if read -r line < "/proc/$p/stat"; then st=${line##*) }; echo "$p ${st%% *}"; fi; done 2>/dev/null; true';

const NO_SOCKET = ": no socket listens on it any more";

/**
 * What is wrong with a host's declared listeners, from LISTENER_STATE_SCRIPT's
 * output: a port no socket listens on (a command killed its server), or one
 * whose every process is stopped (SIGSTOP: the socket stays, and the kernel
 * still completes TCP handshakes or queues datagrams nobody reads). Either
 * way a probe to it would be answered by the kernel, or by nothing, not
 * decided by the firewall. Pure.
 */
export function listenerProblems(listen: readonly ListenerSpec[], output: string): string[] {
  const [sockets = "", processes = ""] = output.split(/\n\s*\n/);
  const owners = new Map<string, Set<number>>();
  for (const line of sockets.split("\n")) {
    const f = line.trim().split(/\s+/);
    const port = Number(/:(\d+)$/.exec(f[4] ?? "")?.[1]);
    if ((f[0] !== "tcp" && f[0] !== "udp") || !Number.isInteger(port)) continue;
    const key = `${f[0]}/${port}`;
    const pids = owners.get(key) ?? new Set<number>();
    for (const m of line.matchAll(/pid=(\d+)/g)) pids.add(Number(m[1]));
    owners.set(key, pids);
  }
  const state = new Map<number, string>();
  for (const line of processes.split("\n")) {
    const m = /^\s*(\d+)\s+(\S+)/.exec(line);
    if (m) state.set(Number(m[1]), m[2]!);
  }
  const problems: string[] = [];
  for (const l of listen) {
    const pids = owners.get(`${l.protocol === "udp" ? "udp" : "tcp"}/${l.port}`);
    if (!pids) problems.push(`${l.protocol}/${l.port}${NO_SOCKET}`);
    else if (pids.size > 0 && [...pids].every((p) => /^[Tt]/.test(state.get(p) ?? ""))) {
      problems.push(`${l.protocol}/${l.port}: its server is stopped (process ${[...pids].sort((a, b) => a - b).join(", ")} in state ${[...pids].map((p) => state.get(p)).join(", ")})`);
    }
  }
  return problems;
}

/**
 * After an apply step that ran a script or commands: every declared listener
 * still has its socket (one `ss`), else checkListenersAfterStep's error. A
 * server a script stopped (SIGSTOP) keeps its socket: only a `run` step's
 * check reads process states, which costs a walk of /proc.
 */
export async function checkListenersAfterApply(host: LabHost, options: { readonly earlier?: boolean } = {}): Promise<void> {
  if ((await missingListeners(host)).length > 0) await checkListenersAfterStep(host, options);
}

/**
 * After a `run` step (or an apply whose listeners lost a socket): the host's
 * declared listeners still listen, and not stopped, or a LabError (the step's
 * error, never a verdict) naming each. `earlier`: commands of the scenario ran
 * on this host before this step, and what one left in the background may
 * have done it: the error says so rather than blame this step alone (tester 39b).
 */
export async function checkListenersAfterStep(host: Pick<LabHost, "spec" | "name" | "run" | "repro">, options: { readonly earlier?: boolean } = {}): Promise<void> {
  if (host.spec.listen.length === 0) return;
  const argv = ["bash", "-c", LISTENER_STATE_SCRIPT];
  const read = async () => listenerProblems(host.spec.listen, (await host.run(argv, `checking the listeners of ${host.name} after the step`)).stdout);
  let problems = await read();
  if (problems.length === 0) return;
  // A socket gone may be a server the step restarted in the background: given a bounded while to listen again (a stopped one is said at once).
  if (problems.every((p) => p.endsWith(NO_SOCKET))) {
    await pRetry(async () => {
      problems = await read();
      if (problems.length > 0) throw new LabError(problems.join("; "));
    }, { retries: 8, minTimeout: 50, maxTimeout: 500, factor: 2, maxRetryTime: 3_000 }).catch(() => undefined);
    if (problems.length === 0) return;
  }
  const who = options.earlier ? ` (ended by this step's command, or by a process an earlier step of this scenario left running on ${host.name})` : "";
  throw new LabError(`after this step, listener(s) of ${host.name} no longer answer${who}: ${problems.join("; ")}; a probe to such a port is answered by the kernel (or by nothing), not decided by the firewall`, {
    // What a person types to look (tester 39b: the hint printed this check's own script).
    hint: `a run step or apply script must leave the declared listeners running (stop only processes of your own), also what it leaves in the background; see: ${host.repro(["ss", "-ltnup"])}`,
  });
}
