/**
 * A sweep: every port of a range probed in one batch from one peer (nmap, one
 * packet per port), with the counters of the firewall hosts on the path read
 * before and after each batch. Each port's outcome is decided from evidence
 * (resolve.ts); a batch whose counters do not add up is probed again in
 * halves (at most MAX_BATCHES batches per sweep) — silent ports the step's
 * nftables trace shows dropped need no counters (trace-silent.ts) — and silent ports still
 * without evidence are probed once more with the single probes'
 * timeout (no answer within T s: `dropped`, as a single probe says). Nothing
 * here changes a ruleset: it runs nmap and reads counters.
 */
import { LabError } from "../../errors.ts";
import type { LabHost, RunningLab } from "../../lab/types.ts";
import { findDeclared } from "../../model/host-addresses.ts";
import type { RuleHit } from "../../model/results.ts";
import type { PortFinding } from "../../model/sweep.ts";
import type { Backend, Family, ProbeTarget } from "../../model/types.ts";
import { decisiveCounts } from "../../rules/decisive.ts";
import { hasNative } from "../../rules/nft-read.ts";
import { blankQuoted } from "../../rules/nft-canonical.ts";
import { readFamilyCounters } from "../../rules/read.ts";
import { SWEEP_SOURCE_PORT } from "../../rules/trace-marking.ts";
import { isTraceTable, type TraceEvent } from "../../rules/trace-events.ts";
import type { SavedRule, SavedRuleset } from "../../rules/saved.ts";
import { resolveTarget } from "../probe.ts";
import { type AnswerClass, answerClass, unseenByUdpClient, wireVerdict } from "./answers.ts";
import { nmapArgv, parseNmapXml, readableArgv, type ScanTiming, scanLimitSeconds, type SweepProtocol, type SweepSource } from "./nmap.ts";
import { answeredByTrace, silentByTrace } from "./trace-silent.ts";
import { confirms, decideAnswered, decideSilent, type Decided, type HostCount, lastResort, mayCountPort, portHypothesis, ruleName } from "./resolve.ts";
import { setTimeout as sleep } from "node:timers/promises";

/** Batches a sweep may add to its first one, to settle counters that do not add up or to attribute ports to rules. */
export const MAX_BATCHES = 24;

export interface SweepSpec {
  readonly from: string;
  /** The address the sweep leaves from (one of `from`'s declared addresses), if chosen. */
  readonly source?: string | undefined;
  readonly to: ProbeTarget;
  readonly ports: readonly number[];
  readonly protocol: SweepProtocol;
  readonly family: Family;
  readonly timeoutSeconds: number;
  /** nmap's source port (rules/trace.ts sweepSourcePort): the step's trace finds the sweep's packets by it. */
  readonly sourcePort?: number;
}

export interface SweepOptions {
  /** Firewall hosts whose counters can see the sweep's packets. */
  readonly watch: readonly string[];
  /** Decide silent ports from counters (false: every silent port waits out the timeout, as --no-early). */
  readonly early: boolean;
  /** The step's nftables trace so far on the watched hosts (nft-based, the sweep traced): silent ports it shows dropped need no counter evidence (trace-silent.ts). */
  readonly readTrace?: (() => Promise<ReadonlyMap<string, readonly TraceEvent[]>>) | undefined;
  /** How the user runs fwspec, for the command a hint names (harness/invocation.ts; default `npx fwspec`). */
  readonly invocation?: string | undefined;
}

export interface SweepObservation {
  readonly address: string;
  /** The chosen source, as nmap was told it. */
  readonly source?: SweepSource | undefined;
  /** The DROP and REJECT rules (not policies) whose counters the sweep's batches moved, summed. */
  readonly counted?: readonly RuleHit[];
  readonly findings: ReadonlyMap<number, PortFinding>;
  /** The first batch as a command to paste. */
  readonly command: string;
  readonly durationMs: number;
  readonly notes: readonly string[];
}

interface Batch {
  readonly answers: ReadonlyMap<number, string>;
  readonly counts: readonly HostCount[];
  readonly command: string;
}

const NFT_OWN = /^table (ip|ip6) (filter|nat|mangle|raw|security)$/;

/**
 * From `nft list tables` (or, on a legacy host, `nft list ruleset`) and the
 * legacy table names: the tables whose rules the host's iptables-save cannot
 * show (native nft tables, the other backend's tables). fwspec's own trace
 * table only marks packets (nftrace) and never decides one, so it does not
 * count; nor does a table whose printed rules can send no reject (on a legacy
 * host the engine's DNS rules, `table ip nat`: dnat and snat of 127.0.0.11).
 */
export function foreignTables(host: string, backend: Backend, nftTables: string, legacyNames: string): string[] {
  const tables = tableBlocks(nftTables).filter((t) => !isTraceTable(t.name.replace(/^table /, "")) && (t.body === undefined || mayRejectText(t.body)));
  const foreign = backend === "nft" ? tables.filter((t) => !NFT_OWN.test(t.name)) : tables;
  const out = foreign.map((t) => `${host}: nft ${t.name}`);
  if (backend === "nft" && legacyNames.trim() !== "") out.push(`${host}: legacy iptables tables ${legacyNames.trim().split("\n").join(",")}`);
  return out;
}

/**
 * Of a host's hidden tables (foreignTables), those that can still hide a REJECT once its native nft counters are
 * read (`reading`, rules/nft-saved.ts): an ip, ip6 or inet table hides one only through a `reject` without a
 * counter, and a table of the other family none (it never sees this family's packets); other entries (the other
 * backend's tables, on a legacy host also nft tables named as iptables' own, netdev or bridge tables) stay hidden.
 */
export function stillHidden(hidden: readonly string[], host: string, reading: SavedRuleset, backend: Backend): string[] {
  return hidden.filter((entry) => {
    const table = entry.startsWith(`${host}: nft table `) ? entry.slice(`${host}: nft table `.length) : undefined;
    if (table === undefined || !/^(ip|ip6|inet) \S+$/.test(table)) return true;
    const rules = reading.rules.filter((r) => r.table === table && r.handle !== undefined);
    // On a legacy host a table named as iptables' own may be iptables-nft's, whose REJECT nft's JSON shows only as a
    // compatibility target (no verdict): it stays hidden while any rule of it may reject as printed (`reject`, an `xt
    // target`). The engine's DNS rules (`ip nat`: dnat and snat of 127.0.0.11) reject nothing.
    if (backend === "legacy" && NFT_OWN.test(`table ${table}`)) return rules.some(mayReject);
    return rules.some((r) => r.target === "REJECT" && r.counts === false);
  });
}

/** A native or iptables-nft rule that may send a reject, as nft prints it. */
function mayReject(r: SavedRule): boolean {
  return r.target === "REJECT" || mayRejectText(r.text);
}

/** Printed nft rules that may send a reject (`reject`, a compatibility target), quoted strings aside. */
function mayRejectText(text: string): boolean {
  // In a verdict map a reject is followed by `,` or `}`: `vmap { 53 : reject, 80 : accept }`.
  return /(?:^|[\s:{])(?:reject|xt\s+target)(?=[\s,}]|$)/m.test(blankQuoted(text));
}

/** The tables of `nft list tables` (`table ip nat`) or `nft list ruleset` (each with its printed body). */
function tableBlocks(text: string): { name: string; body?: string }[] {
  const out: { name: string; body?: string }[] = [];
  let open: { name: string; lines: string[] } | undefined;
  for (const line of text.split("\n")) {
    const t = /^table (\S+ \S+)( \{)?/.exec(line);
    if (t && open === undefined) {
      if (t[2] === undefined) out.push({ name: `table ${t[1]}` });
      else open = { name: `table ${t[1]}`, lines: [] };
    } else if (open && line === "}") {
      out.push({ name: open.name, body: open.lines.join("\n") });
      open = undefined;
    } else open?.lines.push(line);
  }
  return out;
}

/** Rules on a host that its iptables-save cannot show. */
export async function hiddenRules(host: LabHost, backend: Backend): Promise<string[]> {
  // A legacy host's nft tables are the engine's (or iptables-nft's left over) and few: read whole, so one that rejects nothing hides nothing.
  const listing = backend === "legacy" ? "nft list ruleset" : "nft list tables";
  const r = await host.run(["sh", "-c", `${listing} 2>/dev/null; echo @@; cat /proc/net/ip_tables_names /proc/net/ip6_tables_names 2>/dev/null; true`], "listing the host's netfilter tables", { light: true });
  const [nft = "", legacy = ""] = r.stdout.split("@@\n");
  return foreignTables(host.spec.name, backend, nft, legacy);
}

/** The chosen source and the prober's interface on its network; undefined when none was chosen. */
export function sweepSource(from: LabHost, spec: Pick<SweepSpec, "source" | "family">): SweepSource | undefined {
  if (spec.source === undefined) return undefined;
  const network = findDeclared(from.spec.addresses, spec.source, spec.family)?.network;
  const iface = network === undefined ? undefined : from.interfaceOn(network);
  if (iface === undefined) throw new LabError(`the sweep's source ${spec.source} is not an ${spec.family} address of ${from.spec.name} on a network it joined`);
  return { address: spec.source, interface: iface };
}

/** Reads of the step's trace for a batch's answered ports the counters cannot tell, and the pause between them. */
const TRACE_READS = 4;
const TRACE_READ_PAUSE_MS = 250;

export async function runSweep(lab: RunningLab, spec: SweepSpec, options: SweepOptions): Promise<SweepObservation> {
  const started = performance.now();
  const from = lab.host(spec.from);
  const address = resolveTarget(lab, { ...spec, port: spec.ports[0]!, timeoutSeconds: spec.timeoutSeconds });
  const source = sweepSource(from, spec);
  const hiddenByHost = new Map(await Promise.all(options.watch.map(async (h) => [h, await hiddenRules(lab.host(h), lab.host(h).spec.backend)] as const)));
  // The latest batch's reading before its scan (rules do not change during a sweep): native tables whose rejects all count hide none.
  let reading: ReadonlyMap<string, SavedRuleset> | undefined;
  const hidden = () => options.watch.flatMap((h) => (reading?.get(h) && hasNative(lab.host(h)) ? stillHidden(hiddenByHost.get(h)!, h, reading.get(h)!, lab.host(h).spec.backend) : hiddenByHost.get(h)!));
  // Counters of native nft tables are read too (readFamilyCounters): the evidence names the ruleset, not iptables-save.
  const native = options.watch.some((h) => hasNative(lab.host(h)));
  const findings = new Map<number, PortFinding>();
  const classes = new Map<number, AnswerClass>();
  const answers = new Map<number, string>();
  const notes: string[] = [];
  let batches = 0;
  const waitOut: number[] = [];
  const counted = new Map<string, RuleHit>();

  const read = async () => new Map<string, SavedRuleset>(await Promise.all(options.watch.map(async (h) => [h, await readFamilyCounters(lab.host(h), spec.family)] as const)));
  const scan = async (ports: readonly number[], timing: ScanTiming): Promise<Batch> => {
    batches++;
    const argv = nmapArgv(spec.protocol, spec.family, address, ports, timing, source, spec.sourcePort);
    const limit = scanLimitSeconds(ports.length, timing);
    const before = await read();
    reading = before;
    const r = await from.run(["timeout", "-k", "1", String(limit), ...argv], `sweeping ${ports.length} port(s) of ${address}`, { light: true, timeoutSeconds: limit + 5 });
    const after = await read();
    const counts = options.watch.flatMap((h) => decisiveCounts(before.get(h)!, after.get(h)!).map((c) => ({ ...c, host: h })));
    for (const c of counts) {
      if (c.position === null) continue;
      const k = `${c.host}\0${c.family}\0${c.table}\0${c.chain}\0${c.position}\0${c.text}`;
      const hit = counted.get(k);
      counted.set(k, { host: c.host, family: c.family, table: c.table, chain: c.chain, position: c.position, text: c.text, packets: (hit?.packets ?? 0) + c.packets });
    }
    return { answers: parseNmapXml(r.stdout, spec.protocol, ports, options.invocation), counts, command: from.repro(readableArgv(argv)) };
  };
  const set = (port: number, d: { outcome: PortFinding["outcome"]; evidence: string; rules: readonly string[] }) => {
    const answer = answers.get(port) ?? "";
    // An answer the client's UDP socket never reports: the port reads as a single probe reads it, no reply.
    if (d.outcome === "unreachable" && unseenByUdpClient(answer, spec.protocol)) {
      findings.set(port, { port, outcome: "dropped", verdict: "dropped", answer, evidence: `${d.evidence}; ${answer} is a soft error for UDP, which a client's socket does not report (Linux): it sees no reply, as a single probe does`, rules: d.rules });
      return;
    }
    findings.set(port, { port, outcome: d.outcome, verdict: d.outcome === "undetermined" || d.outcome === "admitted" ? "refused" : d.outcome === "error" ? "error" : wireVerdict(classes.get(port)!), answer, evidence: d.evidence, rules: d.rules });
  };
  const apply = (decided: ReadonlyMap<number, Decided>) => {
    for (const [port, d] of decided) set(port, d);
  };
  /** Probes `ports` again as a batch of their own; ports whose answer changed are waited out. */
  const again = async (ports: readonly number[]): Promise<{ same: number[]; counts: readonly HostCount[] }> => {
    const b = await scan(ports, { kind: "quick" });
    const same: number[] = [];
    for (const p of ports) {
      const reason = b.answers.get(p)!;
      if (answerClass(reason, spec.protocol) === classes.get(p)) same.push(p);
      else {
        notes.push(`port ${p} answered ${answers.get(p)} in one batch and ${reason} in another: waited out`);
        waitOut.push(p);
      }
    }
    return { same, counts: b.counts };
  };
  const halves = (ports: readonly number[]) => [ports.slice(0, Math.ceil(ports.length / 2)), ports.slice(Math.ceil(ports.length / 2))];

  const canSplit = (ports: readonly unknown[]) => ports.length > 1 && batches + 2 <= MAX_BATCHES + 1;

  const settleSilent = async (ports: readonly number[], counts: readonly HostCount[]): Promise<void> => {
    if (ports.length === 0) return;
    const d = decideSilent(ports, counts, spec.protocol, spec.family, { from: spec.from, target: spec.to.kind === "host" ? spec.to.host : undefined, sourcePort: spec.sourcePort ?? SWEEP_SOURCE_PORT });
    if (d.kind === "decided" && (d.attributed || !canSplit(ports))) return apply(d.ports);
    // Counters that cannot attribute (native nft policies and counter-less rules count nothing): the trace may show each port's packet dropped.
    if (options.readTrace) {
      const shown = silentByTrace(ports, await options.readTrace(), (port) => ({ family: spec.family, daddr: address, protocol: spec.protocol, port, sport: spec.sourcePort ?? SWEEP_SOURCE_PORT }), spec.protocol);
      if (shown.size > 0) {
        apply(shown);
        const rest = ports.filter((p) => !shown.has(p));
        if (rest.length === 0) return;
        // The batch's counts are partly the traced ports': the rest are settled from a batch of their own.
        if (batches >= MAX_BATCHES + 1) {
          waitOut.push(...rest);
          return;
        }
        const b = await again(rest);
        return settleSilent(b.same, b.counts);
      }
    }
    if (d.kind === "decided" && batches < MAX_BATCHES + 1) {
      // Several DROP rules: guess from their port matches which took which, and confirm with one batch of the matched ports.
      const h = portHypothesis(ports, counts);
      const matched = h ? [...h.byRule.values()].flat() : [];
      if (h && matched.length > 0) {
        const b = await again(matched);
        if (b.same.length === matched.length && confirms(h, b.counts)) {
          const evidence = (rule: string, n: number) => `no answer; ${rule} counted ${n} probe-sized packet(s) for the ${n} silent port(s) it matches, in a batch of their own (and all silent ports were counted by DROP rules: ${d.ports.get(ports[0]!)!.evidence.replace(/^no answer; /, "")})`;
          for (const [rule, mine] of h.byRule) for (const p of mine) set(p, { outcome: "dropped", evidence: evidence(rule, mine.length), rules: [rule] });
          const taken = new Set(matched);
          const rest = ports.filter((p) => !taken.has(p));
          for (const p of rest) set(p, { ...d.ports.get(p)!, rules: h.residual ? [h.residual] : [] });
          return;
        }
        if (b.same.length < matched.length) {
          const changed = new Set(waitOut);
          return settleSilent(ports.filter((p) => !changed.has(p)), counts);
        }
      }
    }
    if (d.kind === "split" && !canSplit(ports)) {
      for (const p of ports) waitOut.push(p);
      return;
    }
    if (!canSplit(ports)) return apply((d as { ports: ReadonlyMap<number, Decided> }).ports);
    for (const half of halves(ports)) {
      const b = await again(half);
      await settleSilent(b.same, b.counts);
    }
  };

  const settleAnswered = async (ports: readonly number[], counts: readonly HostCount[]): Promise<void> => {
    if (ports.length === 0) return;
    const d = decideAnswered(ports.map((port) => ({ port, answer: answers.get(port)!, cls: classes.get(port)! })), counts, hidden(), spec.protocol, spec.family, native);
    apply(d.decided);
    // Ports the counters cannot tell (a reject rule without a counter): the trace may show the packet rejected or let in.
    const unsure = [...d.decided].filter(([, x]) => x.outcome === "undetermined").map(([p]) => p);
    if (unsure.length > 0 && options.readTrace) {
      const target = spec.to.kind === "host" ? spec.to.host : undefined;
      // The trace's lines for the batch's packets may still be on their way (the monitor writes them as the kernel
      // reports them): read it again a few times, a bounded wait for evidence already sent (tester 45c: under load most
      // ports of a batch read "cannot tell" though the trace named their REJECT).
      let left = unsure;
      for (let read = 0; read < TRACE_READS && left.length > 0; read++) {
        if (read > 0) await sleep(TRACE_READ_PAUSE_MS);
        const shown = answeredByTrace(left, await options.readTrace(), (port) => ({ family: spec.family, daddr: address, protocol: spec.protocol, port, sport: spec.sourcePort ?? SWEEP_SOURCE_PORT }), target, hidden());
        for (const [port, x] of shown) set(port, x.outcome === "refused" ? { ...x, outcome: classes.get(port) === "unreachable" ? "unreachable" : "refused" } : x);
        left = left.filter((p) => !shown.has(p));
      }
    }
    for (const u of d.undecided) {
      if (!canSplit(u.ports)) {
        for (const p of u.ports) set(p, lastResort(p, classes.get(p)!, counts, u.ports.length > 1 ? `the batch budget (${MAX_BATCHES}) ran out; ${u.why}` : u.why, native));
        continue;
      }
      for (const half of halves(u.ports)) {
        const b = await again(half);
        await settleAnswered(b.same, b.counts);
      }
    }
    for (const group of d.unattributed) {
      if (!canSplit(group)) continue; // decided, with "one of" these rules
      for (const half of halves(group)) {
        const b = await again(half);
        await settleAnswered(b.same, b.counts);
      }
    }
  };

  /** Sorts a batch's ports by answer, records the ones decided by the answer alone, settles the rest. */
  const settle = async (batch: Batch, ports: readonly number[], timedOut: number | undefined): Promise<void> => {
    const silent: number[] = [];
    const answered: number[] = [];
    for (const p of ports) {
      const reason = batch.answers.get(p)!;
      const cls = answerClass(reason, spec.protocol);
      answers.set(p, reason);
      classes.set(p, cls);
      if (cls === "open") set(p, { outcome: "open", evidence: reason === "syn-ack" ? "SYN-ACK: something listens and the firewall let the SYN in" : "a UDP reply came back", rules: [] });
      else if (cls === "eperm") set(p, { outcome: "dropped", evidence: "the sender's own OUTPUT rules refused the packet (EPERM)", rules: [...new Set(batch.counts.filter((c) => c.kind === "DROP").map(ruleName))] });
      else if (cls === "unknown") set(p, { outcome: "error", evidence: `nmap's answer \`${reason}\` is not one fwspec reads`, rules: [] });
      else if (cls === "silent") silent.push(p);
      else answered.push(p);
    }
    if (timedOut !== undefined) {
      const drops = batch.counts.filter((c) => c.kind === "DROP");
      // Each port with the rules that can have counted it: not one for another port (tester 45a).
      const counted = (p: number) => [...new Set(drops.filter((c) => mayCountPort(c, p, spec.sourcePort ?? SWEEP_SOURCE_PORT)).map(ruleName))];
      for (const p of silent) set(p, { outcome: "dropped", evidence: `no answer within ${timedOut} s${counted(p).length > 0 ? "; DROP rules counted packets meanwhile" : ""}`, rules: counted(p) });
    } else await settleSilent(silent, batch.counts);
    await settleAnswered(answered, batch.counts);
  };

  const first = await scan(spec.ports, options.early ? { kind: "quick" } : { kind: "timeout", seconds: spec.timeoutSeconds });
  await settle(first, spec.ports, options.early ? undefined : spec.timeoutSeconds);
  if (waitOut.length > 0) {
    const ports = [...new Set(waitOut)].sort((a, b) => a - b);
    notes.push(`${ports.length} port(s) without counter evidence probed again with the ${spec.timeoutSeconds} s timeout`);
    for (const p of ports) findings.delete(p);
    const last = await scan(ports, { kind: "timeout", seconds: spec.timeoutSeconds });
    waitOut.length = 0;
    await settle(last, ports, spec.timeoutSeconds);
    // A port whose answer changes yet again is not decided by any batch.
    for (const p of waitOut) if (!findings.has(p)) set(p, { outcome: "error", evidence: `answered differently in each batch (last: ${answers.get(p)})`, rules: [] });
  }
  notes.unshift(`${batches} batch(es) of nmap`);
  return { address, ...(source ? { source } : {}), counted: [...counted.values()], findings, command: first.command, durationMs: Math.round(performance.now() - started), notes };
}
