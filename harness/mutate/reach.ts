/**
 * Mutants beyond the lab's reach (pure): the changed rule can match only
 * packets no fwspec lab ever carries, so no check a user can write could kill
 * the mutant. Decided from the rule text before running; such a mutant is
 * reported apart ("beyond the lab's reach"), not run and not scored.
 *
 * The lab's traffic space: probes, answers and ICMP errors travel only between
 * the lab ranges 198.18.0.0/15, 2001:db8::/32 and loopback (127.0.0.0/8, ::1;
 * targets.ts). Besides them
 * the kernel sends its own ICMPv6 neighbour discovery and MLD (link-local
 * fe80::/10 sources, multicast ff00::/8 destinations, `::` as a DAD source)
 * and IGMP (224.0.0.0/4): never TCP or UDP. A rule is beyond reach when one of
 * its matches excludes all of that:
 * - an address match (nft `ip6 daddr { … }`, iptables `-s`/`-d`) disjoint
 *   from the lab ranges, and for a rule not restricted to TCP or UDP also from
 *   the kernel's own addresses above — unless the scenario lets the lab carry
 *   other addresses (a NAT rule rewriting to one, `ip addr add` of one;
 *   lab-addresses.ts);
 * - ICMPv6 router advertisements (134): no lab host sends one (no router
 *   daemon runs; Linux sends none itself); redirects (137) only where no host
 *   of the scenario routes (a forwarding host sends them). Router
 *   solicitations (133) are NOT beyond reach: measured on this engine
 *   (router_solicitations -1), a lab host sends them again and again while a
 *   scenario runs (5 in its first 71 s);
 * - a type 0 routing header (nft `rt type 0`, `-m rt --rt-type 0`);
 * - input interface `lo` in a forward hook / FORWARD: Linux forwards no packet
 *   that arrived on loopback;
 * - any rule or policy of a forward hook / FORWARD chain of a host that
 *   forwards nothing in this scenario's lab: no `router: true` (lab hosts
 *   start with forwarding off) and no apply source or `run` step that names
 *   forwarding (`sysctl … ip_forward`, `…/forwarding`). Not beyond every
 *   lab — a scenario that declares the host a router reaches the chain — so
 *   the reason says how.
 * Per operator, the rule whose packets the change touches: the changed rule
 * (delete, verdict and REJECT-type swaps, port — the reasons above never rest
 * on ports —, `-I`→`-A`, move-end); swap: either rule (fates differ only for
 * packets matching both); set-element: the rule with only the removed element.
 * Never drop-v6 or loopback-iface; policy only by the forward argument. Withheld when a check could read
 * the rule (observed-rules.ts) or a `run` step could send other traffic (a
 * program not known to send nothing, or a ping or plain nmap scan at or from
 * an address outside the lab ranges; run-programs.ts), and when the mutant removes
 * or moves a rule a later positional command counts on (`-D INPUT 1` then acts
 * on another rule; positional.ts).
 */
import { addressValue, type Cidr, overlaps, parseCidr } from "../model/cidr.ts";
import { allowedTarget, LAB_RANGES, LOOPBACK_RANGES } from "../model/targets.ts";
import type { Family } from "../model/types.ts";
import type { Scenario } from "../scenario/model.ts";
import { plainFlag, tcpOrUdpOnly } from "./classify.ts";
import type { Mutant } from "./mutants.ts";
import { carriesOtherAddresses } from "./lab-addresses.ts";
import { isNftLine } from "./nft-lines.ts";
import { setItems, setWords } from "./nft-operators.ts";
import { rulesObserved } from "./observed-rules.ts";
import { shiftedPositional } from "./positional.ts";
import { renderLine, type RuleLine, scenarioRuleLines } from "./rule-lines.ts";
import { isAddressPlaceholder, pingSource, pingTargets, scanTargets, sendsNoPackets } from "./run-programs.ts";

/** What the scenario's lab and the rule's place decide for a reach argument. */
export interface ReachContext {
  /** Some host forwards packets (`router: true`): it may send ICMPv6 redirects. */
  readonly routers: boolean;
  /**
   * No loopback packet (127.0.0.0/8, ::1) reaches the rule: it sits in a forward hook (Linux forwards none), or
   * behind an `iifname "lo" accept` (input hook) / `oifname "lo" accept` (output hook) of its own chain.
   */
  readonly noLoopback?: boolean;
  /** Packets with addresses outside the lab ranges travel in the lab (lab-addresses.ts): no address argument holds. */
  readonly otherAddresses?: boolean;
}

type Direction = "source" | "destination";

const cidrs = (family: Family, texts: readonly string[]): Cidr[] => texts.map((t) => parseCidr(t, family)!);

/** Where probes, their answers and errors travel: the lab ranges and loopback. */
const LAB: Readonly<Record<Family, readonly Cidr[]>> = { ipv4: cidrs("ipv4", [LAB_RANGES.ipv4]), ipv6: cidrs("ipv6", [LAB_RANGES.ipv6]) };
const LOOPBACK: Readonly<Record<Family, readonly Cidr[]>> = { ipv4: cidrs("ipv4", [LOOPBACK_RANGES.ipv4]), ipv6: cidrs("ipv6", [LOOPBACK_RANGES.ipv6]) };
/** The kernel's own neighbour discovery, MLD and IGMP (never TCP or UDP), per direction. */
const KERNEL: Readonly<Record<Direction, Readonly<Record<Family, readonly Cidr[]>>>> = {
  source: { ipv4: cidrs("ipv4", ["0.0.0.0/32"]), ipv6: cidrs("ipv6", ["fe80::/10", "::/128"]) },
  destination: { ipv4: cidrs("ipv4", ["224.0.0.0/4"]), ipv6: cidrs("ipv6", ["fe80::/10", "ff00::/8"]) },
};

/** `2002::/24`, `224.0.0.251`, `224.0.0.251/32,` as a CIDR of the family, or null (a range, a name, a set reference). */
function cidrOf(text: string, family: Family): Cidr | null {
  const t = text.replace(/,$/, "");
  if (t.includes("/")) return parseCidr(t, family);
  return addressValue(t, family) === null ? null : parseCidr(`${t}/${family === "ipv4" ? 32 : 128}`, family);
}

interface AddressMatch {
  readonly family: Family;
  readonly direction: Direction;
  readonly values: readonly Cidr[];
}

/** Plain address matches of an nft rule: `ip saddr X`, `ip6 daddr { X, Y }` (no `!=`, no named set, no range). */
function nftAddressMatches(words: readonly string[]): AddressMatch[] {
  const out: AddressMatch[] = [];
  words.forEach((w, i) => {
    const family: Family | undefined = w === "ip" ? "ipv4" : w === "ip6" ? "ipv6" : undefined;
    const field = words[i + 1];
    if (!family || (field !== "saddr" && field !== "daddr")) return;
    const texts = words[i + 2] === "{" ? setItems(words, i + 2)?.[0] : words[i + 2] === undefined ? undefined : [words[i + 2]!];
    const values = texts?.map((t) => cidrOf(t, family));
    if (values && values.length > 0 && values.every((v) => v !== null)) out.push({ family, direction: field === "saddr" ? "source" : "destination", values: values as Cidr[] });
  });
  return out;
}

/** Plain `-s`/`-d` of an iptables rule (comma lists too; not negated). */
function iptAddressMatches(line: RuleLine, words: readonly string[]): AddressMatch[] {
  const out: AddressMatch[] = [];
  for (const [direction, names] of [["source", ["-s", "--source", "--src"]], ["destination", ["-d", "--destination", "--dst"]]] as const) {
    const value = plainFlag(words, names);
    const values = value?.split(",").map((t) => cidrOf(t, line.family));
    if (values && values.every((v) => v !== null)) out.push({ family: line.family, direction, values: values as Cidr[] });
  }
  return out;
}

/** Why an address match leaves out every packet of the lab, or undefined. */
function addressReason(m: AddressMatch, tcpUdp: boolean, noLoopback: boolean): string | undefined {
  const reachable = [...LAB[m.family], ...(noLoopback ? [] : LOOPBACK[m.family]), ...(tcpUdp ? [] : KERNEL[m.direction][m.family])];
  if (m.values.some((v) => reachable.some((r) => overlaps(v, r)))) return undefined;
  const what = `${tcpUdp ? "TCP/UDP packets with " : ""}${m.family === "ipv4" ? "IPv4" : "IPv6"} ${m.direction}s in ${m.values.map((v) => v.text.replace(/,$/, "")).join(", ")}`;
  const why = tcpUdp
    ? `the lab sends TCP and UDP only between ${LAB_RANGES.ipv4}, ${LAB_RANGES.ipv6} and loopback (no link-local, no multicast)`
    : `no lab packet has such a ${m.direction} (lab traffic: ${LAB_RANGES.ipv4}, ${LAB_RANGES.ipv6}, loopback, and the kernel's own neighbour discovery, MLD and IGMP)`;
  return `its rule matches only ${what}: ${why}${noLoopback && m.values.some((v) => LOOPBACK[m.family].some((l) => overlaps(v, l))) ? "; no loopback packet reaches the rule" : ""}`;
}

const RA = new Set(["134", "nd-router-advert", "router-advertisement"]);
const REDIRECT = new Set(["137", "nd-redirect", "redirect"]);

/** The ICMPv6 types a rule is restricted to (nft `icmpv6 type X|{ … }`, `--icmpv6-type X`), or undefined. */
function icmpv6Types(line: RuleLine, words: readonly string[]): string[] | undefined {
  if (!isNftLine(line)) return plainFlag(words, ["--icmpv6-type"])?.split("/").slice(0, 1);
  const i = words.findIndex((w, j) => w === "icmpv6" && words[j + 1] === "type");
  if (i < 0) return undefined;
  return words[i + 2] === "{" ? setItems(words, i + 2)?.[0] : words[i + 2] === undefined ? undefined : [words[i + 2]!];
}

function icmpv6Reason(types: readonly string[] | undefined, context: ReachContext): string | undefined {
  if (!types || types.length === 0) return undefined;
  if (types.every((t) => RA.has(t))) return "its rule matches only ICMPv6 router advertisements (134): no lab host sends one (no router daemon runs in the lab, Linux sends none itself, fwspec never does)";
  if (!context.routers && types.every((t) => RA.has(t) || REDIRECT.has(t))) return "its rule matches only ICMPv6 router advertisements (134) and redirects (137): no lab host sends them (no router daemon; only a forwarding host redirects, and no host of this scenario routes)";
  return undefined;
}

function routingHeaderType0(line: RuleLine, words: readonly string[]): boolean {
  if (isNftLine(line)) return words.some((w, i) => w === "rt" && words[i + 1] === "type" && words[i + 2] === "0");
  return plainFlag(words, ["--rt-type"]) === "0";
}

function loopbackForwarded(line: RuleLine, words: readonly string[]): boolean {
  if (isNftLine(line)) return line.nft.hook === "forward" && words.some((w, i) => (w === "iifname" || w === "iif") && (words[i + 1] === '"lo"' || words[i + 1] === "lo"));
  return line.chain === "FORWARD" && plainFlag(words, ["-i", "--in-interface"]) === "lo";
}

/** Why every packet the rule (with `words`, by default its own) can match is outside the lab's traffic, or undefined. */
export function ruleBeyondReach(line: RuleLine, context: ReachContext, words: readonly string[] = line.words): string | undefined {
  if (isNftLine(line) && line.nft.role !== "rule") return undefined;
  const tcpUdp = tcpOrUdpOnly({ ...line, words });
  const addresses = context.otherAddresses === true ? [] : isNftLine(line) ? nftAddressMatches(words) : iptAddressMatches(line, words);
  for (const m of addresses) {
    const why = addressReason(m, tcpUdp, context.noLoopback === true);
    if (why) return why;
  }
  const icmp = icmpv6Reason(icmpv6Types(line, words), context);
  if (icmp) return icmp;
  if (routingHeaderType0(line, words)) return "its rule matches only IPv6 packets with a type 0 routing header: no lab host sends one (fwspec never does; Linux sends none of its own)";
  if (loopbackForwarded(line, words)) return "its rule matches only forwarded packets that arrived on lo: Linux forwards no packet that arrived on loopback";
  return undefined;
}

/** The rule of a set-element mutant with only the removed element left in its set, or undefined. */
function removedElementWords(mutant: Mutant): readonly string[] | undefined {
  const line = mutant.lines[0]!;
  const after = mutant.changes[0]?.after;
  if (!isNftLine(line) || line.nft.role !== "rule" || after == null) return undefined;
  for (let open = 0; open < line.words.length; open++) {
    const set = setItems(line.words, open);
    if (!set) continue;
    const [items, close] = set;
    for (const item of items) {
      const rest = items.filter((x) => x !== item);
      if (renderLine(line, [...line.words.slice(0, open), ...setWords(rest), ...line.words.slice(close)]).trim() === after) return [...line.words.slice(0, open), item, ...line.words.slice(close + 1)];
    }
  }
  return undefined;
}

const IP_TABLES = new Set(["ip", "ip6", "inet"]);
const LO_ACCEPT_FIELDS: Readonly<Record<string, readonly string[]>> = { input: ["iifname", "iif"], output: ["oifname", "oif"] };

/** `iifname "lo" accept` (input) / `oifname "lo" accept` (output), a counter allowed. */
function acceptsLoopback(words: readonly string[], fields: readonly string[]): boolean {
  const w = words.filter((x) => x !== "counter");
  return w.length === 3 && fields.includes(w[0]!) && (w[1] === '"lo"' || w[1] === "lo") && w[2] === "accept";
}

/**
 * Does no loopback packet reach `line`? In a forward hook or FORWARD: Linux forwards none. In an input/output hook:
 * when a rule of the same chain before it (not `partner`, the rule a swap exchanges it with) accepts every packet
 * of lo, which every loopback packet there crosses.
 */
function loopbackKept(line: RuleLine, lines: readonly RuleLine[], partner?: RuleLine): boolean {
  if (!isNftLine(line)) return line.chain === "FORWARD";
  if (!IP_TABLES.has(line.nft.tableFamily)) return false;
  if (line.nft.hook === "forward") return true;
  const fields = LO_ACCEPT_FIELDS[line.nft.hook ?? ""];
  const position = line.nft.position;
  if (!fields || position === undefined || /\S/.test(line.prefix)) return false;
  const isPartner = (o: RuleLine) => partner !== undefined && o.step === partner.step && o.source === partner.source && o.index === partner.index;
  return lines.some((o) => !isPartner(o) && isNftLine(o) && o.nft.role === "rule" && o.step === line.step && o.source === line.source && o.table === line.table && o.chain === line.chain
    && o.nft.position !== undefined && o.nft.position < position && !/\S/.test(o.prefix) && acceptsLoopback(o.words, fields));
}

/** Is the line a rule or policy of a forward hook (nft: ip, ip6, inet tables) or a FORWARD chain? */
function inForwardPath(line: RuleLine): boolean {
  return isNftLine(line) ? IP_TABLES.has(line.nft.tableFamily) && line.nft.hook === "forward" : line.chain === "FORWARD";
}

/** Words that turn forwarding on (`sysctl -w net.ipv4.ip_forward=1`, `echo 1 > /proc/sys/net/ipv6/conf/all/forwarding`). */
const FORWARDING_SWITCH = /ip_forward|forwarding/;

/** The hosts that may forward packets in the scenario's lab: routers, and hosts an apply source or `run` step may switch forwarding on for. */
function forwardingHosts(scenario: Scenario): Set<string> {
  const hosts = new Set(scenario.hosts.filter((h) => h.router === true).map((h) => h.name));
  for (const step of scenario.steps) {
    if (step.kind === "run" && step.command.some((w) => FORWARDING_SWITCH.test(w))) hosts.add(step.host);
    if (step.kind === "apply" && step.sources.some((s) => (s.kind === "commands" ? s.commands.some((c) => c.some((w) => FORWARDING_SWITCH.test(w))) : s.kind === "script" && FORWARDING_SWITCH.test(s.content)))) hosts.add(step.host);
  }
  return hosts;
}

/** Why no packet reaches any line the mutant changes because each sits in the forward path of a host that forwards nothing, or undefined. */
function forwardBeyondReach(mutant: Mutant, forwarding: ReadonlySet<string>): string | undefined {
  const lines = mutant.lines;
  if (lines.length === 0 || !lines.every((l) => inForwardPath(l) && !forwarding.has(l.host))) return undefined;
  const line = lines[0]!;
  const where = isNftLine(line) ? `a forward hook (chain ${line.chain})` : "the FORWARD chain";
  return `its ${mutant.operator === "policy" ? "policy" : "rule"} is in ${where} of ${line.host}, which forwards nothing in this lab (no \`router: true\`: forwarding is off, so no packet enters the chain); if ${line.host} forwards traffic for others, declare it \`router: true\` with a host on each side and add a probe through it`;
}

/** Why the mutant's change touches only packets outside the lab's traffic (before looking at the scenario's steps), or undefined. */
function changeBeyondReach(mutant: Mutant, lines: readonly RuleLine[], lab: Omit<ReachContext, "noLoopback">, forwarding: ReadonlySet<string>): string | undefined {
  const [a, b] = mutant.lines;
  if (!a) return undefined;
  const forward = forwardBeyondReach(mutant, forwarding);
  if (forward) return forward;
  const of = (line: RuleLine, partner?: RuleLine, words?: readonly string[]) => ruleBeyondReach(line, { ...lab, noLoopback: loopbackKept(line, lines, partner) }, words);
  switch (mutant.operator) {
    case "delete": case "accept-drop": case "drop-reject": case "reject-type": case "port": case "insert-append": case "move-end":
      return of(a);
    case "swap": {
      const why = of(a, b) ?? (b ? of(b, a) : undefined);
      return why && `${why} (the swapped rules' order matters only for packets both match)`;
    }
    case "set-element": {
      const words = removedElementWords(mutant);
      const why = words && of(a, undefined, words);
      return why && `the removed element's ${why.replace(/^its /, "")}`;
    }
    default:
      return undefined;
  }
}

/** A `run` step that may send packets outside the lab's traffic: a program not known to send nothing, or a ping or nmap scan not only at (and from) lab addresses. */
function sendsOtherTraffic(command: readonly string[]): boolean {
  if (sendsNoPackets(command)) return false;
  const targets = pingTargets(command) ?? scanTargets(command);
  // `ping -I eth0` sends from the interface's address; `ping -I 10.9.9.9` from that address.
  const source = pingSource(command);
  const addresses = targets && source !== undefined && /^[\d.]+$|:|\{\{/.test(source) ? [...targets, source] : targets;
  return addresses === undefined || !addresses.every((t) => isAddressPlaceholder(t) || allowedTarget(t));
}

/**
 * For one scenario: why a mutant of it is beyond the lab's reach (not run, not scored), or undefined. `ran`: the
 * mutant ran and every check held, those that read its rules too, so the packet argument alone decides (as for
 * equivalents, classify.ts).
 */
export function reachClaims(scenario: Scenario, ran = false): (mutant: Mutant) => string | undefined {
  const lines = scenarioRuleLines(scenario);
  const lab = { routers: scenario.hosts.some((h) => h.router === true), otherAddresses: carriesOtherAddresses(scenario) };
  const noisy = scenario.steps.some((s) => s.kind === "run" && sendsOtherTraffic(s.command));
  const forwarding = forwardingHosts(scenario);
  return (mutant) => {
    if (noisy || shiftedPositional(mutant, scenario, lines) !== undefined) return undefined;
    const why = changeBeyondReach(mutant, lines, lab, forwarding);
    return why === undefined || (!ran && rulesObserved(mutant, scenario)) ? undefined : why;
  };
}

/** Why the mutant is beyond the lab's reach, or undefined (reachClaims for one mutant). */
export function beyondReach(mutant: Mutant, scenario: Scenario): string | undefined {
  return reachClaims(scenario)(mutant);
}
