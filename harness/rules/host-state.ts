/**
 * A host's whole network state beyond the iptables-save view, read in one
 * in-container command: the nftables ruleset (nft's own JSON), legacy
 * iptables tables of both families, addresses, routes, routing rules and a
 * fixed list of net sysctls. Pure: the reading script, its parser, the
 * normalised digest, and the plan that brings a host back to its boot
 * reading (or says why it cannot). The effects are in host-reset.ts.
 */
import { createHash } from "node:crypto";
import { linkDelta, neighDelta, routeDelta, ruleDelta } from "./state-delta.ts";
import { type Backend, isIptablesTable } from "../model/types.ts";
import { changedTablesInput, effectiveRuleset } from "./reset.ts";

const MARK = "@@fwspec-state ";

/** Sysctls (paths under /proc/sys/net, globs over conf/<interface>) an apply script may change. */
export const SYSCTL_GLOBS: readonly string[] = [
  "ipv4/ip_forward",
  "ipv4/ip_nonlocal_bind",
  "ipv4/tcp_syncookies",
  "ipv4/icmp_echo_ignore_all",
  "ipv4/icmp_echo_ignore_broadcasts",
  ...["forwarding", "rp_filter", "accept_redirects", "send_redirects", "secure_redirects", "accept_source_route", "accept_local", "route_localnet", "proxy_arp", "arp_ignore", "arp_announce", "arp_filter", "log_martians", "src_valid_mark", "bc_forwarding"].map((k) => `ipv4/conf/*/${k}`),
  ...["forwarding", "disable_ipv6", "accept_ra", "accept_redirects", "accept_source_route", "proxy_ndp"].map((k) => `ipv6/conf/*/${k}`),
  ...["nf_conntrack_tcp_loose", "nf_conntrack_tcp_be_liberal", "nf_conntrack_checksum", "nf_conntrack_acct", "nf_conntrack_helper", "nf_conntrack_log_invalid"].map((k) => `netfilter/${k}`),
];

/** Which iptables binaries `iptables` & co. are (the host's backend): a script could switch them. */
const ALTERNATIVES = ["iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore"];

/** The neighbour tables' settings (ARP and IPv6 neighbour discovery, per link and default), under /proc/sys/net. */
export const NEIGH_GLOBS: readonly string[] = ["ipv4/neigh/*/*", "ipv6/neigh/*/*"];

/**
 * The reading: `sh -c READ_STATE` prints each part after a marker line, in as
 * few processes as it can (a reset reads it every time): one nft, one
 * `ip -batch` (addresses, routes of every table, IPv4 rules: one JSON list a
 * line), one `ip -6 rule`, one readlink of the iptables alternatives. Legacy tables are read only when the legacy
 * modules hold a table in this network namespace (/proc/net/ip*_tables_names
 * not empty); sysctls only when /proc/sys/net is writable (Docker mounts it
 * read-only, so no script can write them); the neighbour tables' settings
 * always (netlink changes them: `ip ntable change`).
 */
export const READ_STATE = [
  `echo '${MARK}nft'; nft -j list ruleset`,
  `echo '${MARK}legacy4'; if read -r _ </proc/net/ip_tables_names; then iptables-legacy-save; fi`,
  `echo '${MARK}legacy6'; if read -r _ </proc/net/ip6_tables_names; then ip6tables-legacy-save; fi`,
  `echo '${MARK}ip'; printf 'addr\nroute show table all\nrule\n' | ip -j -batch -`,
  `echo '${MARK}rule6'; ip -6 -j rule`,
  `echo '${MARK}alternatives'; cd /etc/alternatives && readlink ${ALTERNATIVES.join(" ")}`,
  `echo '${MARK}sysctl'; if [ -w /proc/sys/net/ipv4/ip_forward ]; then cd /proc/sys/net && { grep -s . ${SYSCTL_GLOBS.join(" ")} || :; }; fi`,
  // Readable however /proc/sys is mounted, and changed over netlink (`ip ntable change`) where it is read-only.
  `echo '${MARK}neigh'; (cd /proc/sys/net && { grep -s . ${NEIGH_GLOBS.join(" ")} || :; })`,
].join("\n");

export interface HostState {
  /** Normalised nft objects (no metainfo, handles or counter values), in a canonical order. */
  readonly nft: readonly NftObject[];
  /** iptables-legacy-save / ip6tables-legacy-save text ("" when no legacy table exists). */
  readonly legacy: { readonly ipv4: string; readonly ipv6: string };
  readonly addr: unknown;
  readonly route: unknown;
  readonly rules: unknown;
  /** Where /etc/alternatives/iptables & co. point. */
  readonly alternatives: string;
  /** Path under /proc/sys/net → value. */
  readonly sysctl: ReadonlyMap<string, string>;
  /** The neighbour tables' settings (NEIGH_GLOBS): path under /proc/sys/net → value. */
  readonly neigh: ReadonlyMap<string, string>;
}

export type NftObject = Readonly<Record<string, Record<string, unknown>>>;

/** Keys whose values change by themselves (handles, counters, DAD): left out of every comparison. */
const VOLATILE = new Set(["handle", "packets", "bytes", "used", "tentative"]);
/**
 * Timers that count down by themselves: compared by whether they run, not
 * their value. A route or address that expires, where the boot's did not, is
 * a change (a route re-added with `expires 20` is gone 20 s later).
 */
const TIMERS: Readonly<Record<string, (v: unknown) => unknown>> = {
  expires: () => "set",
  valid_life_time: (v) => (v === 4294967295 ? "forever" : "finite"),
  preferred_life_time: (v) => (v === 4294967295 ? "forever" : v === 0 ? "deprecated" : "finite"),
};

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (!VOLATILE.has(k)) out[k] = TIMERS[k] ? TIMERS[k](v) : normalise(v);
  return out;
}

const kind = (o: NftObject) => Object.keys(o)[0] ?? "";
const body = (o: NftObject) => Object.values(o)[0] ?? {};
/** `family name` of the table an nft object belongs to. */
export function tableOf(o: NftObject): string {
  const b = body(o);
  return kind(o) === "table" ? `${b["family"]} ${b["name"]}` : `${b["family"]} ${b["table"]}`;
}

/** Objects sorted by table, then kind, then name; rules keep their order within a chain. */
function canonicalNft(objects: readonly NftObject[]): NftObject[] {
  const order = ["table", "chain", "set", "map", "flowtable", "rule"];
  const key = (o: NftObject) => {
    const b = body(o);
    const rank = order.indexOf(kind(o));
    return `${tableOf(o)}\u0000${rank < 0 ? order.length : rank}\u0000${kind(o)}\u0000${String(b["chain"] ?? b["name"] ?? "")}`;
  };
  return objects.map((o, i) => ({ o, i, k: key(o) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i)).map((x) => x.o);
}

function json(text: string, part: string): unknown {
  try {
    return JSON.parse(text.trim() === "" ? "[]" : text);
  } catch (error) {
    throw new SyntaxError(`the host state's ${part} part is not JSON: ${(error as Error).message}`);
  }
}

/**
 * The kernel adds a link-local address's local route only once duplicate
 * address detection is over, which may be after the boot reading, and on a
 * forwarding host (a router) the subnet-router anycast routes of its prefixes
 * (`anycast fe80::`) likewise: those routes follow from the addresses and the
 * forwarding setting (compared themselves) and are left out.
 */
function withoutLinkLocalRoutes(routes: unknown): unknown {
  if (!Array.isArray(routes)) return routes;
  return routes.filter((r: Record<string, unknown>) => !(r["protocol"] === "kernel" && ((r["type"] === "local" && /^fe80:/i.test(String(r["dst"]))) || r["type"] === "anycast")));
}

/** Parses READ_STATE's output. */
export function parseHostState(output: string): HostState {
  const parts = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  for (const line of output.split("\n")) {
    if (line.startsWith(MARK)) {
      if (name !== undefined) parts.set(name, lines.join("\n"));
      name = line.slice(MARK.length).trim();
      lines = [];
    } else if (name !== undefined) lines.push(line);
  }
  if (name !== undefined) parts.set(name, lines.join("\n"));
  const missing = ["nft", "legacy4", "legacy6", "ip", "rule6", "alternatives", "sysctl", "neigh"].filter((p) => !parts.has(p));
  if (missing.length > 0) throw new SyntaxError(`the host state reading lacks its ${missing.join(", ")} part(s)`);
  const nftDoc = json(parts.get("nft")!, "nft") as { nftables?: NftObject[] };
  const nft = canonicalNft((nftDoc.nftables ?? []).filter((o) => kind(o) !== "metainfo").map((o) => normalise(o) as NftObject));
  const ip = parts.get("ip")!.split("\n").filter((l) => l.trim() !== "");
  if (ip.length !== 3) throw new SyntaxError(`the host state's ip part has ${ip.length} line(s), not 3 (addresses, routes, rules)`);
  const [addr, route, rule4] = ip as [string, string, string];
  const values = (part: string) => {
    const out = new Map<string, string>();
    for (const line of parts.get(part)!.split("\n")) {
      const at = line.indexOf(":");
      if (at > 0) out.set(line.slice(0, at), line.slice(at + 1));
    }
    return out;
  };
  const sysctl = values("sysctl");
  const neigh = values("neigh");
  return {
    nft,
    legacy: { ipv4: parts.get("legacy4")!.trim(), ipv6: parts.get("legacy6")!.trim() },
    addr: normalise(json(addr, "addr")),
    route: withoutLinkLocalRoutes(normalise(json(route, "route"))),
    rules: { ipv4: json(rule4, "rule4"), ipv6: json(parts.get("rule6")!, "rule6") },
    alternatives: parts.get("alternatives")!.trim(),
    sysctl,
    neigh,
  };
}

/** A table iptables-nft manages (ip/ip6 filter, nat, …): on an nft-backend host the iptables restore owns it. */
export function iptablesOwned(table: string, backend: Backend): boolean {
  const [family, name] = table.split(" ");
  return backend === "nft" && (family === "ip" || family === "ip6") && isIptablesTable(name ?? "");
}

/**
 * True when an iptables-owned table holds something iptables-save cannot show
 * (a set, map or flowtable, or a base chain that is not one of the table's
 * built-in upper-case chains): then iptables-save's view alone proves nothing.
 */
function foreignInOwned(objects: readonly NftObject[], backend: Backend): boolean {
  return objects.some((o) => {
    if (!iptablesOwned(tableOf(o), backend)) return false;
    const k = kind(o);
    if (k === "table" || k === "rule") return false;
    if (k !== "chain") return true;
    const b = body(o);
    return b["hook"] !== undefined && String(b["name"]) !== String(b["name"]).toUpperCase();
  });
}

/**
 * iptables-owned tables with only built-in upper-case base chains, ACCEPT
 * policies and nothing else: what an iptables restore of an empty table
 * leaves, the same as no table (as in iptables-save's view).
 */
export function emptyOwnedTables(objects: readonly NftObject[], backend: Backend): Set<string> {
  const full = new Set<string>();
  const seen = new Set<string>();
  for (const o of objects) {
    const t = tableOf(o);
    if (!iptablesOwned(t, backend)) continue;
    seen.add(t);
    const b = body(o);
    const k = kind(o);
    const emptyChain = k === "chain" && b["hook"] !== undefined && b["policy"] === "accept" && String(b["name"]) === String(b["name"]).toUpperCase();
    if (k !== "table" && !emptyChain) full.add(t);
  }
  return new Set([...seen].filter((t) => !full.has(t)));
}

/**
 * Without empty iptables-owned tables, and without empty built-in base chains
 * (upper-case, ACCEPT policy, no rules) of iptables-owned tables: iptables-nft
 * creates those only when a rule needs them, a restore creates them all, and
 * iptables-save shows them either way.
 */
function effectiveNft(objects: readonly NftObject[], backend: Backend): NftObject[] {
  const empty = emptyOwnedTables(objects, backend);
  const used = new Set(objects.filter((o) => kind(o) === "rule").map((o) => `${tableOf(o)}\u0000${String(body(o)["chain"])}`));
  const idle = (o: NftObject) => {
    const b = body(o);
    const name = String(b["name"]);
    return kind(o) === "chain" && iptablesOwned(tableOf(o), backend) && b["hook"] !== undefined && b["policy"] === "accept" && name === name.toUpperCase() && !used.has(`${tableOf(o)}\u0000${name}`);
  };
  return objects.filter((o) => !empty.has(tableOf(o)) && !idle(o));
}

/** Tables whose nft objects differ between two readings (`family name`). */
function differingTables(a: readonly NftObject[], b: readonly NftObject[]): Set<string> {
  const byTable = (objects: readonly NftObject[]) => {
    const m = new Map<string, string[]>();
    for (const o of objects) m.set(tableOf(o), [...(m.get(tableOf(o)) ?? []), JSON.stringify(o)]);
    return m;
  };
  const x = byTable(a);
  const y = byTable(b);
  return new Set([...x.keys(), ...y.keys()].filter((t) => (x.get(t) ?? []).join("\n") !== (y.get(t) ?? []).join("\n")));
}

/** The tables an iptables-legacy-save text holds (`*filter` …), empty or not. */
export function legacyTables(text: string): string[] {
  return [...text.matchAll(/^\*(\S+)/gm)].map((m) => m[1]!).sort();
}

/**
 * A legacy family's part of the digest on an nft-backend host: what its
 * tables do, and which exist — an empty one too, since iptables-nft warns of
 * any legacy table in every listing and a legacy table cannot be removed.
 */
function legacyPart(text: string): string {
  return `${legacyTables(text).join(",")}\n${effectiveRuleset(text)}`;
}

/**
 * sha256 of a reading. `owned` false leaves out the iptables-owned nft tables
 * (the iptables-save digest covers them, and a reading taken while the
 * iptables restore runs may see them half-way). On a legacy-backend host the
 * legacy tables are iptables-save's, so they are left out too.
 */
export function stateDigest(state: HostState, backend: Backend, owned = true): string {
  const nft = effectiveNft(state.nft, backend).filter((o) => owned || !iptablesOwned(tableOf(o), backend));
  const legacy = backend === "legacy" ? "" : `${legacyPart(state.legacy.ipv4)}\n--\n${legacyPart(state.legacy.ipv6)}`;
  const doc = { nft, legacy, addr: state.addr, route: state.route, rules: state.rules, alternatives: state.alternatives, sysctl: sorted(state.sysctl), neigh: sorted(state.neigh) };
  return createHash("sha256").update(JSON.stringify(doc)).digest("hex");
}

const sorted = (m: ReadonlyMap<string, string>) => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export interface StatePlan {
  /** nft tables (`family name`) to delete: they did not exist at boot. */
  readonly deleteTables: readonly string[];
  /** nft tables that existed at boot and changed or vanished (`flush ruleset`): loaded again from the boot reading. */
  readonly restoreTables: readonly string[];
  /** `nft -j -f` input doing both in one transaction ("" when nothing is to be done). */
  readonly nftInput: string;
  /** iptables-legacy-restore / ip6tables-legacy-restore input ("" when nothing differs). */
  readonly legacy: { readonly ipv4: string; readonly ipv6: string };
  /** [path under /proc/sys/net, boot value], in the order to write them. */
  readonly sysctls: ReadonlyArray<readonly [string, string]>;
  /** Parts that differ from boot and are not restored: the host cannot be reused. */
  readonly unrestorable: readonly string[];
  /** Something is to be done (or checked again once the iptables restore is over). */
  readonly needed: boolean;
}

/** The sysctl writes back to boot: `all` before `default` before the interfaces (writing `all` also sets them). */
function sysctlWrites(boot: ReadonlyMap<string, string>, now: ReadonlyMap<string, string>): Array<readonly [string, string]> {
  const rank = (p: string) => (/\/conf\/all\//.test(p) ? 1 : /\/conf\/default\//.test(p) ? 2 : /\/conf\//.test(p) ? 3 : 0);
  const differ = [...boot].filter(([p, v]) => now.get(p) !== v).map(([p]) => p);
  const leaves = new Set(differ.filter((p) => rank(p) === 1 || p === "ipv4/ip_forward").map((p) => p.replace(/^.*\//, "").replace("ip_forward", "forwarding")));
  // A written `all` (or ip_forward) value spreads to every interface: write theirs back too.
  const spread = [...boot.keys()].filter((p) => rank(p) >= 1 && leaves.has(p.replace(/^.*\//, "")));
  return [...new Set([...differ, ...spread])].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1)).map((p) => [p, boot.get(p)!] as const);
}

/** A normalised object as `nft -j -f` adds it: an anonymous counter (its values normalised away) is `null`. */
function loadable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(loadable);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === "counter" && v !== null && typeof v === "object" && Object.keys(v).length === 0 ? null : loadable(v)]));
}

/** `nft -j -f` input: delete `remove` (present now), then add the boot objects of `restore`, in the boot reading's order. */
function nftInput(remove: readonly string[], restore: readonly string[], boot: readonly NftObject[]): string {
  if (remove.length === 0 && restore.length === 0) return "";
  const table = (t: string) => ({ family: t.split(" ")[0], name: t.split(" ").slice(1).join(" ") });
  const commands = [
    ...remove.map((t) => ({ delete: { table: table(t) } })),
    ...boot.filter((o) => restore.includes(tableOf(o))).map((o) => ({ add: loadable(o) })),
  ];
  return JSON.stringify({ nftables: commands });
}

/** What brings `now` back to `boot`, or why it cannot be. Pure. */
export function planStateReset(boot: HostState, now: HostState, backend: Backend): StatePlan {
  const unrestorable: string[] = [];
  const bootTables = new Set(boot.nft.map(tableOf));
  const nowTables = new Set(now.nft.map(tableOf));
  const differing = [...differingTables(boot.nft, now.nft)].filter((t) => !iptablesOwned(t, backend));
  const deleteTables = differing.filter((t) => !bootTables.has(t)).sort();
  // iptables-nft's rules hold xtables compat expressions nft cannot load (Docker's DNS rules on a legacy host).
  const compat = new Set(boot.nft.filter((o) => JSON.stringify(o).includes('{"xt":')).map(tableOf));
  const restoreTables = differing.filter((t) => bootTables.has(t) && !compat.has(t)).sort();
  for (const t of differing.filter((t) => compat.has(t))) unrestorable.push(`nftables table ${t} changed (iptables-nft rules, which nft cannot load back)`);
  const nft = nftInput([...deleteTables, ...restoreTables.filter((t) => nowTables.has(t))], restoreTables, boot.nft);
  const legacy =
    backend === "legacy" ? { ipv4: "", ipv6: "" } : { ipv4: changedTablesInput(boot.legacy.ipv4, now.legacy.ipv4), ipv6: changedTablesInput(boot.legacy.ipv6, now.legacy.ipv6) };
  if (backend === "nft") {
    for (const [family, tool] of [["ipv4", "iptables-legacy"], ["ipv6", "ip6tables-legacy"]] as const) {
      const added = legacyTables(now.legacy[family]).filter((t) => !legacyTables(boot.legacy[family]).includes(t));
      if (added.length > 0) unrestorable.push(`${tool} table(s) ${added.join(", ")}, which the boot lacked (a legacy table cannot be removed; iptables-nft warns of it in every listing)`);
    }
  }
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(boot.addr, now.addr)) unrestorable.push(`links or addresses changed${linkDelta(boot.addr, now.addr)}`);
  if (!same(boot.route, now.route)) unrestorable.push(`routes changed${routeDelta(boot.route, now.route)}`);
  if (!same(boot.rules, now.rules)) unrestorable.push(`routing rules changed${ruleDelta(boot.rules, now.rules)}`);
  if (boot.alternatives !== now.alternatives) unrestorable.push("the iptables alternatives (backend) changed");
  const neigh = neighDelta(boot.neigh, now.neigh);
  if (neigh.length > 0) unrestorable.push(`neighbour table settings changed (${neigh.slice(0, 3).join(", ")}${neigh.length > 3 ? ` and ${neigh.length - 3} more` : ""}: \`ip ntable change\`)`);
  const added = [...now.sysctl.keys()].filter((p) => !boot.sysctl.has(p));
  const gone = [...boot.sysctl.keys()].filter((p) => !now.sysctl.has(p));
  if (added.length + gone.length > 0) unrestorable.push(`sysctls appeared or vanished (${[...added, ...gone].slice(0, 3).join(", ")})`);
  const sysctls = sysctlWrites(boot.sysctl, now.sysctl);
  const foreign = foreignInOwned(now.nft, backend);
  const needed = nft !== "" || legacy.ipv4 !== "" || legacy.ipv6 !== "" || sysctls.length > 0 || foreign;
  return { deleteTables, restoreTables, nftInput: nft, legacy, sysctls, unrestorable, needed };
}

/** What differs between two readings, for a message (empty when the digests agree). */
export function stateDifferences(boot: HostState, now: HostState, backend: Backend): string[] {
  const out = [...differingTables(effectiveNft(boot.nft, backend), effectiveNft(now.nft, backend))].map((t) => `nftables table ${t}`);
  if (backend !== "legacy" && legacyPart(boot.legacy.ipv4) !== legacyPart(now.legacy.ipv4)) out.push("iptables-legacy tables");
  if (backend !== "legacy" && legacyPart(boot.legacy.ipv6) !== legacyPart(now.legacy.ipv6)) out.push("ip6tables-legacy tables");
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(boot.addr, now.addr)) out.push(`links or addresses${linkDelta(boot.addr, now.addr)}`);
  if (!same(boot.route, now.route)) out.push(`routes${routeDelta(boot.route, now.route)}`);
  if (!same(boot.rules, now.rules)) out.push(`routing rules${ruleDelta(boot.rules, now.rules)}`);
  if (boot.alternatives !== now.alternatives) out.push("iptables alternatives");
  for (const p of new Set([...boot.sysctl.keys(), ...now.sysctl.keys()])) if (boot.sysctl.get(p) !== now.sysctl.get(p)) out.push(`sysctl ${p}`);
  for (const d of neighDelta(boot.neigh, now.neigh)) out.push(`neighbour setting ${d}`);
  return out;
}
