/**
 * Runs one probe job (ProbeSpec) in a started lab and returns what it observed
 * (ProbeResult) with evidence: a command a person can paste, exit code, output
 * and duration. A probe is run once; it is never retried towards an answer.
 * Once it has ended, the lab is asked what the tool cannot see (labChecked):
 * whether its next hop, or the router's toward the target, stayed
 * unresolved, and whether a silent connection is held half-open by its target.
 */
import { LabError } from "../errors.ts";
import type { LabHost, RunningLab } from "../lab/types.ts";
import { isIPv4 } from "../lab/addresses.ts";
import { findDeclared } from "../model/host-addresses.ts";
import { isLoopbackTarget, TARGET_HINT, targetRefusal } from "../model/targets.ts";
import { type ProbeSpec, type Verdict, describeProbe } from "../model/types.ts";
import { randomBytes } from "node:crypto";
import { type Answer, parseAnswer } from "./answer.ts";
import { classify } from "./classify.ts";
import type { Refusal } from "../model/types.ts";
import { familyNote, refusalOf, withRefusal } from "./refusal.ts";
import { unresolvedNeighbour } from "./neighbour.ts";
import { labPathHosts, pathRouter } from "./path-interfaces.ts";
import { halfOpenCommand, silentConnection, silentHttp, ungreeted } from "./greeting.ts";
import { knownHolder, routeChecked } from "./literal-targets.ts";
import { newNonce, type ProbeCommand, probeCommand } from "./command.ts";

export interface ProbeEvidence {
  /** `docker exec <container> nc -v -N -w 2 198.18.4.3 8080` */
  readonly command: string;
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
  /** Set when the probe was ended before its timeout because a rule was seen consuming its packet. */
  readonly stoppedEarly?: string;
}

export interface ProbeResult {
  readonly spec: ProbeSpec;
  /** The address actually probed. */
  readonly address: string;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly evidence: ProbeEvidence;
  /** A refused probe: a TCP reset or an ICMP port unreachable came back (refusal.ts). */
  readonly refusal?: Refusal;
  /** An open probe: the listener's identity line (who answered, the source it saw), when it sent one. */
  readonly answer?: Answer;
  /** Connected, but its target held it half-open: `dropped` (greeting.ts). */
  readonly halfOpen?: true;
}

/** The address a probe goes to, in the given lab. */
export function resolveTarget(lab: RunningLab, spec: ProbeSpec): string {
  const from = lab.host(spec.from);
  if (spec.source !== undefined && isIPv4(spec.source) !== (spec.family === "ipv4")) throw new LabError(`probe source ${spec.source} is not an ${spec.family} address`);
  switch (spec.to.kind) {
    case "localhost":
      return from.loopback(spec.family);
    case "host": {
      const to = lab.host(spec.to.host);
      // Leaving from an address on one network: the target's address on that network, when it has one.
      const net = spec.source === undefined ? undefined : findDeclared(from.spec.addresses, spec.source, spec.family)?.network;
      const there = net === undefined ? undefined : to.addressOn(net, spec.family);
      return there ?? lab.addressFor(from, to, spec.family);
    }
    case "address": {
      const a = spec.to.address;
      const refused = targetRefusal(a);
      if (refused) throw new LabError(`probe target ${a} is ${refused.reason}`, { hint: TARGET_HINT });
      if ((spec.family === "ipv4") !== isIPv4(a)) throw new LabError(`probe target ${a} is not an ${spec.family} address`);
      return a;
    }
  }
}

export async function runProbeFrom(from: LabHost, address: string, spec: ProbeSpec): Promise<ProbeResult> {
  const command = probeCommand(spec.protocol, address, spec.port, spec.timeoutSeconds, newNonce(), spec.source);
  const repro = from.repro(command.argv);
  try {
    // Through fwspec-probe (a grace longer than the tool's limit: it runs to its end), which notes ICMP errors received.
    const id = randomBytes(6).toString("hex");
    const t0 = performance.now();
    let r = await from.exec(["fwspec-probe", "start", id, String(toolLimit(spec) * 1000), ...command.argv], { light: true, timeoutSeconds: toolLimit(spec) });
    if (r.exitCode === PENDING && r.stdout.trim() === "fwspec-probe: pending") r = await from.exec(["fwspec-probe", "wait", id], { light: true, timeoutSeconds: toolLimit(spec) });
    return await neighbourChecked(from, resultOf(spec, address, command, repro, r, Math.round(performance.now() - t0)));
  } catch (error) {
    return failed(spec, address, command.argv, repro, error);
  }
}

/**
 * `stderr` with docker/fwspec-neighbour's note when `asked`'s next hop toward
 * `address` is unresolved (as it is, when it already has one or the check
 * fails); `at`: the router asked, named at the note's end.
 */
async function withNeighbourNote(asked: LabHost, address: string, stderr: string, at?: string): Promise<string> {
  if (unresolvedNeighbour(stderr)) return stderr;
  const note = await asked.exec(["fwspec-neighbour", address], { timeoutSeconds: 5 }).then((r) => (r.exitCode === 0 ? r.stdout : ""), () => "");
  if (note.trim() === "") return stderr;
  return `${stderr}${stderr === "" || stderr.endsWith("\n") ? "" : "\n"}${at === undefined ? note : `${note.trimEnd()} at ${at}\n`}`;
}

/**
 * A probe with no answer, or its own kernel's `No route to host`: when its
 * next hop stayed unresolved (ARP or IPv6 neighbour discovery unanswered),
 * its packets never left and nothing on the network answered: `dropped`,
 * with the neighbour noted (judge/expectation.ts says so), whichever of the
 * two the tool met first (an entry still INCOMPLETE times out, a FAILED one
 * fails at once), so the verdict does not depend on timing. `at`: the router
 * asked, named at the note's end (the target's way back: reply-neighbour.ts).
 */
async function neighbourChecked(asked: LabHost, result: ProbeResult, at?: string): Promise<ProbeResult> {
  if (result.verdict !== "dropped" && result.verdict !== "unreachable") return result;
  const stderr = await withNeighbourNote(asked, result.address, result.evidence.stderr, at);
  const n = unresolvedNeighbour(stderr);
  if (!n) return result;
  const { refusal: _none, ...rest } = result;
  return { ...rest, verdict: "dropped", reason: `no answer: ${n.at !== undefined ? `${n.at}'s` : "the"} next hop ${n.address} stayed unresolved (neighbour entry ${n.state})`, evidence: { ...result.evidence, stderr } };
}

/**
 * As neighbourChecked, asked of the router between the prober and its target
 * once the probe has ended (the prober found its next hop): a router that
 * could not find the target (an ICMPv6 DROP on the target takes its neighbour
 * solicitations) sends the probe's packet no further, and its `unreachable`
 * comes only after its lookup gives up, so the probe is `dropped` either way.
 */
async function pathNeighbourChecked(lab: RunningLab, result: ProbeResult): Promise<ProbeResult> {
  // Every probe ends here: an answered one asks nothing (neighbourChecked would not), so the path is not worked out.
  if (result.verdict !== "dropped" && result.verdict !== "unreachable") return result;
  const router = pathRouter(labPathHosts(lab), result.spec);
  return router === undefined ? result : await neighbourChecked(lab.host(router), result, router);
}

/** The host a probe went to: a lab host by name, itself for its loopback (a literal loopback address too), or the host holding a literal address. */
export function probedHost(lab: RunningLab, spec: ProbeSpec): LabHost | undefined {
  if (spec.to.kind === "localhost") return lab.host(spec.from);
  if (spec.to.kind === "host") return lab.host(spec.to.host);
  return isLoopbackTarget(spec.to.address) ? lab.host(spec.from) : knownHolder(lab, spec.to.address, spec.family);
}

/** The peer `host` sees for a probe: its source, else the prober's address toward it (its own loopback's for a loopback probe of itself). */
function peerSeenBy(lab: RunningLab, host: LabHost, result: ProbeResult): string {
  const from = lab.host(result.spec.from);
  return result.spec.source ?? (host === from ? result.address : lab.addressFor(host, from, result.spec.family));
}

/** A silent connection (greeting.ts) with the target asked whether it holds this prober's connection half-open. */
async function greetingChecked(lab: RunningLab, result: ProbeResult): Promise<ProbeResult> {
  if (!silentConnection(result) && !silentHttp(result)) return result;
  const target = probedHost(lab, result.spec);
  if (!target) return result;
  // Behind a router the target may see another source (SNAT, masquerade): any half-open socket on the port counts (probes
  // of a family run one at a time, and this one connected, then heard nothing: fwspec's listeners greet each connection).
  const routerBetween = [...lab.hosts.values()].some((h) => h.spec.router && h !== target && h.name !== result.spec.from);
  const ss = await target.exec(halfOpenCommand(result.spec.port, routerBetween ? undefined : peerSeenBy(lab, target, result)), { light: true, timeoutSeconds: 5 }).then((r) => (r.exitCode === 0 ? r.stdout : ""), () => "");
  return ungreeted(result, target.name, ss);
}

/**
 * What the lab tells about an ended probe, beyond its tool's output: a
 * connection its target still holds half-open is `dropped` (greeting.ts); a
 * probe whose packet the router on its path could not hand on is noted
 * (pathNeighbourChecked); one sent toward a next hop no lab host holds is an
 * error (literal-targets.ts routeChecked).
 */
export async function labChecked(lab: RunningLab, result: ProbeResult): Promise<ProbeResult> {
  return await routeChecked(lab, await pathNeighbourChecked(lab, await greetingChecked(lab, result)));
}

/**
 * A TCP probe that got no answer may leave its target holding the connection
 * half-open (SYN-RECV: its SYN let in, the answer dropped on the way back, or
 * the handshake's last ACK), and the target's kernel resends that SYN-ACK for
 * about a minute (after 1 s, 3 s, 7 s, …). Each resend counts on the rule that
 * drops it, inside a later probe's window, where it would be taken for that
 * probe's evidence and could end it early: the probe's half-open connection
 * is ended on the target (ss -K) before the counters are read after it. True
 * when one was (then a reading taken before this is no longer the last word).
 */
export async function endHalfOpen(lab: RunningLab, result: ProbeResult): Promise<boolean> {
  if (result.spec.protocol === "udp" || result.verdict !== "dropped") return false;
  const target = probedHost(lab, result.spec);
  if (!target) return false;
  const from = lab.host(result.spec.from);
  // True when the command ended (listed) a socket.
  const killed = (host: LabHost, argv: readonly string[]) => host.exec(argv, { light: true, timeoutSeconds: 5 }).then((r) => r.exitCode === 0 && r.stdout.trim() !== "", () => false);
  // Every half-open socket from the prober's address, whatever its port (probes of a family run one at a time; a
  // batch's after all of it): the target may hold it on another port (a REDIRECT or DNAT to a port of its own), and in a
  // routed lab a DNAT may have sent the SYN on to another host, which holds it there, as it sees the prober when no
  // SNAT rewrote it. fwspec-probe half-open (docker/fwspec-probe): `ss -K` of those, run only when the kernel lists one.
  // Any router, the target too (a DNAT there sends the SYN on), unlike greetingChecked's router between the two.
  const anyRouter = [...lab.hosts.values()].some((h) => h.spec.router);
  const others = anyRouter ? [...lab.hosts.values()].filter((h) => h !== target && h !== from) : [];
  // Where a router masqueraded (or SNATed to its own address) the SYN it sent on, the host holding it sees that router's
  // address on their shared network, not the prober's (tester 41b: its resent SYN-ACKs counted in later probes' windows).
  const routersSeenBy = (h: LabHost) => [...lab.hosts.values()].filter((r) => r.spec.router && r !== h && r !== from).flatMap((r) => h.networks.flatMap((n) => (r.networks.includes(n) ? [r.addressOn(n, result.spec.family)] : []))).filter((a): a is string => a !== undefined);
  const peersOf = (h: LabHost) => [...new Set([peerSeenBy(lab, h, result), ...(h === target ? [] : routersSeenBy(h))])];
  const ends = [target, ...others].flatMap((h) => peersOf(h).map((peer) => killed(h, ["fwspec-probe", "half-open", peer])));
  if (result.halfOpen) {
    // A connection the prober saw open (its SYN answered, then silence): its socket, the tool gone, resends its FIN into
    // later probes' windows (counted by the rule that takes the connection's later packets): ended on the prober too.
    const dst = result.address.includes(":") ? `[${result.address}]` : result.address;
    ends.push(killed(from, ["ss", "-K", "-H", "-t", "dst", dst, "dport", "=", `:${result.spec.port}`]));
    // Behind a router, whose SNAT may have rewritten the prober's address: the target's on that port, from any (greeting.ts).
    if (anyRouter) ends.push(killed(target, ["ss", "-K", ...halfOpenCommand(result.spec.port, undefined).slice(1)]));
  }
  const found = await Promise.all(ends);
  return found.some(Boolean);
}

export async function runProbe(lab: RunningLab, spec: ProbeSpec): Promise<ProbeResult> {
  let address: string;
  try {
    address = resolveTarget(lab, spec);
  } catch (error) {
    return failed(spec, "", [], "", error);
  }
  const result = await labChecked(lab, await runProbeFrom(lab.host(spec.from), address, spec));
  await endHalfOpen(lab, result);
  return result;
}

/** The probe tool ends by its own timeout; the harness gives up on it a little later (see limits.ts). */
function toolLimit(spec: ProbeSpec): number {
  return spec.timeoutSeconds + 5;
}

/** fwspec-probe's own exit statuses (docker/fwspec-probe). */
const PENDING = 199;
const STOPPED = 198;
const UNSTOPPABLE = 195;

/** A probe still waiting for an answer after its grace period (the tool runs on in the host). */
export interface PendingProbe {
  readonly spec: ProbeSpec;
  readonly address: string;
  /** The tool's command as a person can paste it, and as run. */
  readonly command: string;
  readonly argv: readonly string[];
  /** Ends the tool if it still has no answer (`stopped`, with what it printed); otherwise its result. */
  stop(): Promise<{ readonly stopped: true; readonly stderr: string; readonly durationMs: number } | ProbeResult>;
  /** Its result if the tool ends within `ms`; undefined while it runs on. */
  poll(ms: number): Promise<ProbeResult | undefined>;
  /** Lets the tool run to its own timeout. */
  wait(): Promise<ProbeResult>;
  /** Milliseconds since the probe started. */
  elapsed(): number;
}

export type StartedProbe = { readonly ended: ProbeResult } | { readonly pending: PendingProbe };

function resultOf(spec: ProbeSpec, address: string, command: ProbeCommand, repro: string, r: { exitCode: number; stdout: string; stderr: string }, durationMs: number): ProbeResult {
  const c = classify(spec.protocol, r, spec.timeoutSeconds, command.nonce);
  const refusal = refusalOf(c.verdict, spec.protocol, spec.family, r.stderr);
  const answer = c.verdict === "open" ? parseAnswer(spec.protocol, r) : undefined;
  return {
    spec, address, verdict: c.verdict, reason: withRefusal(c.reason, refusal, spec.family), ...(refusal ? { refusal } : {}),
    evidence: { command: repro, argv: command.argv, exitCode: r.exitCode, stdout: r.stdout, stderr: familyNote(r.stderr, spec.family), durationMs },
    ...(answer ? { answer } : {}),
  };
}

function failed(spec: ProbeSpec, address: string, argv: readonly string[], repro: string, error: unknown): ProbeResult {
  // The probe could not run (container gone, engine error): that is an error, never "blocked".
  const message = (error as Error).message;
  return { spec, address, verdict: "error", reason: message, evidence: { command: repro, argv, exitCode: null, stdout: "", stderr: message, durationMs: 0 } };
}

/**
 * Starts a probe through fwspec-probe: if the tool answers within graceMs this
 * is its result; otherwise the probe is pending and the caller decides, from
 * evidence, whether to stop it or wait for it. The evidence command is the
 * tool's own command (what a person would paste), not the wrapper.
 */
export async function startProbe(from: LabHost, address: string, spec: ProbeSpec, graceMs: number): Promise<StartedProbe> {
  const command = probeCommand(spec.protocol, address, spec.port, spec.timeoutSeconds, newNonce(), spec.source);
  const repro = from.repro(command.argv);
  const id = randomBytes(6).toString("hex");
  const startedAt = performance.now();
  const elapsed = () => Math.round(performance.now() - startedAt);
  const tcp = spec.protocol === "tcp" || spec.protocol === "http";
  let first;
  try {
    first = await from.exec(["fwspec-probe", "start", id, `${Math.round(graceMs)},${spec.family === "ipv4" ? 4 : 6}`, ...command.argv], { light: true });
  } catch (error) {
    return { ended: failed(spec, address, command.argv, repro, error) };
  }
  if (!(first.exitCode === PENDING && first.stdout.trim() === "fwspec-probe: pending")) {
    return { ended: await neighbourChecked(from, resultOf(spec, address, command, repro, first, elapsed())) };
  }
  // A probe whose answer can no longer be read must not run on into later probes' windows.
  const abandon = () => from.exec(["fwspec-probe", "stop", id], { light: true }).then(() => undefined, () => undefined);
  return {
    pending: {
      spec,
      address,
      command: repro,
      argv: command.argv,
      async stop() {
        try {
          const r = await from.exec(["fwspec-probe", "stop", id, ...(tcp ? ["tcp", address, String(spec.port)] : [])], { light: true });
          // A TCP stop notes an unresolved next hop itself (docker/fwspec-probe); a UDP one is asked here.
          if (r.exitCode === STOPPED && r.stdout.trim() === "fwspec-probe: stopped") return { stopped: true, stderr: tcp ? r.stderr : await withNeighbourNote(from, address, r.stderr), durationMs: elapsed() };
          if (r.exitCode === UNSTOPPABLE) return failed(spec, address, command.argv, repro, new LabError(r.stderr.trim()));
          return await neighbourChecked(from, resultOf(spec, address, command, repro, r, elapsed()));
        } catch (error) {
          await abandon();
          return failed(spec, address, command.argv, repro, error);
        }
      },
      async poll(ms: number) {
        try {
          const r = await from.exec(["fwspec-probe", "wait", id, String(Math.max(0, Math.round(ms)))], { light: true });
          if (r.exitCode === PENDING && r.stdout.trim() === "fwspec-probe: pending") return undefined;
          return await neighbourChecked(from, resultOf(spec, address, command, repro, r, elapsed()));
        } catch (error) {
          await abandon();
          return failed(spec, address, command.argv, repro, error);
        }
      },
      elapsed,
      async wait() {
        try {
          return await neighbourChecked(from, resultOf(spec, address, command, repro, await from.exec(["fwspec-probe", "wait", id], { light: true, timeoutSeconds: toolLimit(spec) }), elapsed()));
        } catch (error) {
          await abandon();
          return failed(spec, address, command.argv, repro, error);
        }
      },
    },
  };
}

export function probeSummary(r: ProbeResult): string {
  return `${describeProbe(r.spec)} → ${r.verdict} (${r.reason})`;
}

