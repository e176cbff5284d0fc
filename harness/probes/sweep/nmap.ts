/**
 * The sweep's scanner: the nmap command line (raw SYN or UDP scan, no host
 * discovery, no DNS, one packet per port, from one source port, reasons on, XML on stdout) and a
 * strict reader of its XML output into one answer per port — nmap's reason
 * (`syn-ack`, `reset`, `port-unreach`, `admin-prohibited`, `no-response`, …),
 * from `<port>` elements and from the port lists of collapsed `<extraports>`.
 * Every requested port must be answered exactly once, or the scan is an error.
 */
import { FwspecError } from "../../errors.ts";
import { fwspecCommand } from "../../invocation.ts";
import type { Family } from "../../model/types.ts";
import { SWEEP_SOURCE_PORT } from "../../rules/trace-marking.ts";
import { portRanges } from "../../scenario/port-range.ts";

export type SweepProtocol = "tcp" | "udp";

/** How long nmap waits for each port's answer. */
export type ScanTiming =
  /** Quick: nmap's adaptive timeout (at most 250 ms, UDP 500 ms); a port without an answer still needs counter evidence. */
  | { readonly kind: "quick" }
  /** The single probes' timeout semantics: T seconds for every port. */
  | { readonly kind: "timeout"; readonly seconds: number };

/** At least this many packets per second (nmap adapts upwards on its own). */
export const MIN_RATE = 5000;

/** Ports as nmap's `-p` takes them: `1-21,23-79,81-1024` (every run of two or more as a range). */
export function portList(ports: readonly number[]): string {
  return portRanges(ports, 2);
}

/** The inverse of portList (nmap's own `ports="1-21,23"` attributes). */
export function expandPorts(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new NmapOutputError(`port list \`${part}\` not understood`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let p = a; p <= b; p++) out.push(p);
  }
  return out;
}

/** The time limit (s) for one scan of `count` ports: sending at MIN_RATE, the answers' wait, and start-up. */
export function scanLimitSeconds(count: number, timing: ScanTiming): number {
  return 15 + Math.ceil(count / MIN_RATE) * 2 + (timing.kind === "timeout" ? timing.seconds : 1);
}

/** The lab image's nmap data folder for UDP sweeps: an empty nmap-payloads (docker/Dockerfile). */
export const NMAP_DATA = "/usr/share/fwspec/nmap";

/** A chosen source: one of the prober's own addresses, and the interface it is on. */
export interface SweepSource {
  readonly address: string;
  readonly interface: string;
}

/**
 * The nmap argument array (without the `timeout` guard). With a source, nmap
 * writes it into every raw packet (`-S`) and sends on its interface (`-e`):
 * the address is the prober's own, so the answers come back to the prober,
 * where nmap reads them as always.
 */
export function nmapArgv(protocol: SweepProtocol, family: Family, address: string, ports: readonly number[], timing: ScanTiming, source?: SweepSource, sourcePort: number = SWEEP_SOURCE_PORT): string[] {
  // UDP replies come from a process, not the kernel: a quick UDP batch waits a little longer (as single probes' 300 ms grace).
  const quick = protocol === "udp" ? ["500ms", "300ms", "500ms"] : ["250ms", "100ms", "250ms"];
  const wait = timing.kind === "timeout" ? [`${timing.seconds}s`, `${timing.seconds}s`, `${timing.seconds}s`] : quick;
  // --disable-arp-ping: no ARP / neighbour-discovery ping of its own (-Pn still does one on a local segment): nmap uses
  // the kernel's neighbour lookup, as single probes do (IPv6 neighbours are not warmed: a ruleset dropping neighbour
  // discovery leaves every port of the sweep unanswered, as it leaves single probes; unlike them a sweep does not say why).
  return [
    "nmap", ...(family === "ipv6" ? ["-6"] : []), protocol === "tcp" ? "-sS" : "-sU", "-Pn", "--disable-arp-ping", "-n", "--reason", "-oX", "-",
    "--max-retries", "0", "--min-rate", String(MIN_RATE), "--max-scan-delay", "0",
    // UDP: one empty datagram per port, from a data folder whose nmap-payloads is empty (docker/Dockerfile). nmap's
    // protocol-specific payloads send some ports two or more (NTP 123, TFTP 69, SNMP 161; --data-length 0 empties them but
    // still sends one per payload), and the counters' sums assume one packet a port (resolve.ts): a REJECT's second
    // count was taken for another port's, an admitted port read as refused. fwspec's listeners echo an empty datagram too.
    ...(protocol === "udp" ? ["--datadir", NMAP_DATA] : []),
    // One known source port: the step's trace tells the sweep's packets from single probes' to the same ports.
    "-g", String(sourcePort),
    "--initial-rtt-timeout", wait[0]!, "--min-rtt-timeout", wait[1]!, "--max-rtt-timeout", wait[2]!,
    ...(source === undefined ? [] : ["-S", source.address, "-e", source.interface]),
    "-p", portList(ports), address,
  ];
}

/** nmap's output could not be read as a complete scan: the sweep is an error, never a verdict. */
/** The command as a person would paste it: nmap's own readable output instead of XML on stdout. */
export function readableArgv(argv: readonly string[]): string[] {
  const i = argv.indexOf("-oX");
  return i < 0 ? [...argv] : [...argv.slice(0, i), ...argv.slice(i + 2)];
}

export class NmapOutputError extends FwspecError {
  /** What is wrong with the output, without the prefix. */
  readonly problem: string;
  /** `invocation`: how the user runs fwspec, for the command the hint names (harness/invocation.ts). */
  constructor(problem: string, invocation?: string) {
    super(`nmap output: ${problem}`, { hint: `run the sweep's repro command in the lab (${fwspecCommand("run --keep", invocation)}) and read nmap's own output` });
    this.problem = problem;
  }
}

interface Element {
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly parent: string | undefined;
}

const ENTITIES: Readonly<Record<string, string>> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decode(value: string): string {
  return value.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|[a-z]+);/g, (all, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(Number(e.slice(1)));
    const v = ENTITIES[e];
    if (v === undefined) throw new NmapOutputError(`unknown entity ${all}`);
    return v;
  });
}

/** nmap's XML as a flat list of elements with their parent's name (it has no text content fwspec needs). */
export function xmlElements(xml: string): Element[] {
  const out: Element[] = [];
  const stack: string[] = [];
  const tag = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w:.-]+\s*=\s*"[^"]*")*)\s*(\/?)>/g;
  let at = 0;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    const between = xml.slice(at, m.index);
    if (between.trim() !== "") throw new NmapOutputError(`unexpected text \`${between.trim().slice(0, 40)}\``);
    at = m.index + m[0].length;
    const name = m[2];
    if (name === undefined) continue; // comment, processing instruction, doctype
    if (m[1] === "/") {
      if (stack.pop() !== name) throw new NmapOutputError(`unbalanced </${name}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (m[3] ?? "").matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)) attrs[a[1]!] = decode(a[2]!);
    out.push({ name, attrs, parent: stack.at(-1) });
    if (m[4] !== "/") stack.push(name);
  }
  const rest = xml.slice(at).trim();
  if (rest !== "") throw new NmapOutputError(rest.includes("<") ? "output ends inside a tag (cut short?)" : `unexpected text \`${rest.slice(0, 40)}\``);
  if (stack.length > 0) throw new NmapOutputError(`unclosed <${stack.at(-1)}> (output cut short?)`);
  return out;
}

/** One answer (nmap's reason) per requested port; throws NmapOutputError (its hint's command started with `invocation`) when the output does not account for each exactly once. */
export function parseNmapXml(xml: string, protocol: SweepProtocol, requested: readonly number[], invocation?: string): Map<number, string> {
  try {
    return answersOf(xml, protocol, requested);
  } catch (error) {
    if (error instanceof NmapOutputError && invocation !== undefined) throw new NmapOutputError(error.problem, invocation);
    throw error;
  }
}

function answersOf(xml: string, protocol: SweepProtocol, requested: readonly number[]): Map<number, string> {
  const elements = xmlElements(xml);
  const finished = elements.find((e) => e.name === "finished");
  if (!finished) throw new NmapOutputError("no <finished> element (nmap did not complete)");
  if (finished.attrs["exit"] !== "success") throw new NmapOutputError(`nmap reported ${finished.attrs["exit"] ?? "no exit"}: ${finished.attrs["errormsg"] ?? ""}`);
  const answers = new Map<number, string>();
  const put = (port: number, reason: string | undefined) => {
    if (!reason) throw new NmapOutputError(`port ${port} has no reason`);
    if (answers.has(port)) throw new NmapOutputError(`port ${port} is reported twice`);
    answers.set(port, reason);
  };
  let port: { readonly port: number; readonly protocol: string } | undefined;
  for (const e of elements) {
    if (e.name === "port") port = { port: Number(e.attrs["portid"]), protocol: e.attrs["protocol"] ?? "" };
    else if (e.name === "state" && e.parent === "port" && port) {
      if (port.protocol === protocol) put(port.port, e.attrs["reason"]);
      port = undefined;
    } else if (e.name === "extrareasons" && e.parent === "extraports") {
      if ((e.attrs["proto"] ?? protocol) !== protocol) continue;
      const list = e.attrs["ports"];
      if (list === undefined) throw new NmapOutputError("<extrareasons> without a port list (nmap older than 7.80?)");
      const ports = expandPorts(list);
      if (e.attrs["count"] !== undefined && Number(e.attrs["count"]) !== ports.length) throw new NmapOutputError(`<extrareasons> count ${e.attrs["count"]} but ${ports.length} ports listed`);
      for (const p of ports) put(p, e.attrs["reason"]);
    }
  }
  const wanted = new Set(requested);
  const missing = requested.filter((p) => !answers.has(p));
  const extra = [...answers.keys()].filter((p) => !wanted.has(p));
  if (missing.length > 0 || extra.length > 0) {
    throw new NmapOutputError(`the scan accounted for ${answers.size} of ${requested.length} ports${missing.length ? `; missing ${portList(missing).slice(0, 60)}` : ""}${extra.length ? `; not asked for ${portList(extra).slice(0, 60)}` : ""}`);
  }
  return answers;
}
