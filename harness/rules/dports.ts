/**
 * The destination ports a rule names, as ranges (pure): an iptables-save rule
 * by its tokens (`--dport 22`, `--dports 80,443`, `--dport 1000:2000`), a
 * native nft rule as nft prints it (`tcp dport 22`, `dport { 80, 8000-8002 }`).
 * Undefined when it names none, negates them, or names them in a way not read
 * here (service names): any port, as far as fwspec can tell.
 */
import { tokenizeRule } from "./tokenize.ts";
import { blankQuoted } from "./nft-canonical.ts";

export type PortRanges = readonly (readonly [number, number])[];

function ranges(parts: readonly string[], separator: string): PortRanges | undefined {
  const out = parts.map((p) => {
    const [a, b = a] = p.split(separator).map((x) => (/^\d+$/.test(x) ? Number(x) : NaN));
    return [a!, b!] as const;
  });
  return out.length > 0 && out.every(([a, b]) => Number.isInteger(a) && Number.isInteger(b)) ? out : undefined;
}

const IPTABLES_OPTIONS = {
  dport: ["--dport", "--destination-port", "--dports", "--destination-ports"],
  sport: ["--sport", "--source-port", "--sports", "--source-ports"],
} as const;

export function iptablesDports(text: string, which: "dport" | "sport" = "dport"): PortRanges | undefined {
  let tokens: string[];
  try {
    tokens = tokenizeRule(text);
  } catch {
    return undefined;
  }
  const options: readonly string[] = IPTABLES_OPTIONS[which];
  const i = tokens.findIndex((t) => options.includes(t));
  if (i < 0 || tokens[i - 1] === "!" || tokens[i + 1] === "!") return undefined;
  return ranges((tokens[i + 1] ?? "").split(","), ":");
}

export function nftDports(text: string, which: "dport" | "sport" = "dport"): PortRanges | undefined {
  const named = new RegExp(`(?:^|\\s)(?:tcp|udp|th|sctp|dccp)\\s+${which}\\s+(!=\\s+)?(\\{[^}]*\\}|\\S+)`).exec(blankQuoted(text));
  if (!named || named[1] !== undefined) return undefined;
  return ranges(named[2]!.replace(/^\{|\}$/g, "").split(",").map((p) => p.trim()).filter((p) => p !== ""), "-");
}

/** The ports a rule (iptables-save or nft text) names as its packets' destination or source ports; undefined: not read. */
export function textPorts(text: string, which: "dport" | "sport"): PortRanges | undefined {
  return /^-A\s/.test(text) ? iptablesDports(text, which) : nftDports(text, which);
}

/**
 * The destination ports a native rule's port-keyed verdict map (`tcp dport
 * vmap { 80 : jump grey, 22 : accept }`) sends to `chain` by `jump` or
 * `goto`: [[80, 80]] here; none ([]) when no element does; undefined when
 * that cannot be read (no such map in the text, a named map `vmap @m`, a key
 * that is no number or range).
 */
export function vmapJumpPorts(text: string, chain: string): PortRanges | undefined {
  const m = /(?:^|\s)(?:tcp|udp|th|sctp|dccp)\s+dport\s+vmap\s+\{([^{}]*)\}/.exec(blankQuoted(text));
  if (!m) return undefined;
  const keys: string[] = [];
  for (const element of m[1]!.split(",")) {
    const e = /^\s*(\S+)\s*:\s*(?:jump|goto)\s+(\S+)\s*$/.exec(element);
    if (e && e[2] === chain) keys.push(e[1]!);
  }
  return keys.length === 0 ? [] : ranges(keys, "-");
}

/**
 * A rule's destination-port verdict map as it applies to one port: `tcp dport
 * vmap { 22 : accept, 8000-8090 : drop }` for port 8080 reads `tcp dport vmap
 * { 8080 : drop }`, so an edit of the map's other elements leaves what the
 * rule does to that port the same text. The text unchanged when it has no
 * such map in its text (a named one, `vmap @ports`) or no element holds the port.
 */
export function vmapFor(text: string, port: number): string {
  const found = vmapElementAt(text, port);
  return found ? `${text.slice(0, found.start)}{ ${port} : ${found.verdict} }${text.slice(found.end)}` : text;
}

/** The verdict of the element of a rule's anonymous port verdict map that holds `port` (`drop`, `jump web`); undefined when none does. */
export function vmapVerdict(text: string, port: number): string | undefined {
  return vmapElementAt(text, port)?.verdict;
}

/** The name of a rule's named port verdict map (`@svc` in `tcp dport vmap @svc`); undefined for an anonymous map or none. */
export function namedVmap(text: string): string | undefined {
  return /(?:^|\s)(?:tcp|udp|th|sctp|dccp)\s+dport\s+vmap\s+(@[A-Za-z0-9_.-]+)/.exec(blankQuoted(text))?.[1];
}

/** The element of a rule's anonymous port verdict map that holds `port`, as written (`8000-8090 : drop`); undefined when none does. */
export function vmapElement(text: string, port: number): string | undefined {
  return vmapElementAt(text, port)?.element;
}

function vmapElementAt(text: string, port: number): { start: number; end: number; element: string; verdict: string } | undefined {
  const m = /(?:^|\s)(?:tcp|udp|th|sctp|dccp)\s+dport\s+vmap\s+(\{[^{}]*\})/.exec(blankQuoted(text));
  if (!m) return undefined;
  const start = m.index + m[0].length - m[1]!.length;
  const map = text.slice(start, start + m[1]!.length);
  for (const element of map.slice(1, -1).split(",")) {
    const e = /^\s*(\d+)(?:-(\d+))?\s*:\s*(.+?)\s*$/.exec(element);
    if (e && Number(e[1]) <= port && port <= Number(e[2] ?? e[1])) return { start, end: start + map.length, element: element.trim(), verdict: e[3]! };
  }
  return undefined;
}
