/**
 * What differs between two host-state readings (rules/host-state.ts), in
 * words for a message (pure): links field by field, routes as `ip route`
 * prints them, neighbour-table settings by path, anything else as JSON.
 */

/** ` (added …, removed …)`: the entries of two JSON lists that are not in both, for a message. */
export function listDelta(before: unknown, after: unknown, words: (item: unknown) => string = (x) => JSON.stringify(x)): string {
  const items = (v: unknown) => (Array.isArray(v) ? v : [v]).map((x) => ({ key: JSON.stringify(x), text: words(x) }));
  const a = items(before);
  const b = items(after);
  const keys = (xs: { key: string }[]) => new Set(xs.map((x) => x.key));
  const added = b.filter((x) => !keys(a).has(x.key)).map((x) => x.text);
  const removed = a.filter((x) => !keys(b).has(x.key)).map((x) => x.text);
  const show = (label: string, xs: string[]) => (xs.length === 0 ? [] : [`${label} ${xs.slice(0, 2).join(", ")}${xs.length > 2 ? ` and ${xs.length - 2} more` : ""}`]);
  const parts = [...show("added", added), ...show("removed", removed)];
  return parts.length === 0 ? "" : ` (${parts.join("; ")})`;
}

/**
 * ` (eth0: qdisc noqueue → tbf; …)`: what changed on each link of two `ip -j
 * addr` readings, field by field (an address as added or removed), links
 * added or removed by name; listDelta for anything else.
 */
export function linkDelta(before: unknown, after: unknown): string {
  const byName = (v: unknown) => (Array.isArray(v) && v.every((l) => typeof l === "object" && l !== null && typeof (l as Record<string, unknown>)["ifname"] === "string")
    ? new Map((v as Record<string, unknown>[]).map((l) => [String(l["ifname"]), l])) : undefined);
  const a = byName(before);
  const b = byName(after);
  if (!a || !b) return listDelta(before, after);
  const shown = (x: unknown) => (typeof x === "string" || typeof x === "number" || typeof x === "boolean" ? String(x) : x === undefined ? "none" : JSON.stringify(x));
  const parts: string[] = [];
  for (const name of [...new Set([...a.keys(), ...b.keys()])]) {
    const was = a.get(name);
    const now = b.get(name);
    if (!was || !now) {
      parts.push(`link ${name} ${was ? "removed" : "added"}`);
      continue;
    }
    const fields: string[] = [];
    for (const key of [...new Set([...Object.keys(was), ...Object.keys(now)])]) {
      if (JSON.stringify(was[key]) === JSON.stringify(now[key])) continue;
      if (key === "addr_info") {
        const addrs = (v: unknown) => (Array.isArray(v) ? v.map((x) => `${(x as Record<string, unknown>)["local"]}/${(x as Record<string, unknown>)["prefixlen"]}`) : []);
        const [x, y] = [addrs(was[key]), addrs(now[key])];
        const added = y.filter((e) => !x.includes(e));
        const removed = x.filter((e) => !y.includes(e));
        fields.push([...(added.length > 0 ? [`address ${added.join(", ")} added`] : []), ...(removed.length > 0 ? [`address ${removed.join(", ")} removed`] : [])].join(", ") || "address details");
      } else fields.push(`${key} ${shown(was[key])} → ${shown(now[key])}`);
    }
    if (fields.length > 0) parts.push(`${name}: ${fields.join(", ")}`);
  }
  return parts.length === 0 ? "" : ` (${parts.join("; ")})`;
}

/** `ipv6/neigh/eth0/ucast_solicit 3 → 0`, for the settings that differ (at most three named). */
export function neighDelta(boot: ReadonlyMap<string, string>, now: ReadonlyMap<string, string>): string[] {
  return [...new Set([...boot.keys(), ...now.keys()])].filter((p) => boot.get(p) !== now.get(p)).sort().map((p) => `${p} ${boot.get(p) ?? "(none)"} → ${now.get(p) ?? "(none)"}`);
}

/** A route of `ip -j route` as `ip route` prints it: `2001:db8:1::/64 via 2001:db8::1 dev eth0 proto kernel metric 256 expires`. */
export function routeWords(route: unknown): string {
  if (typeof route !== "object" || route === null) return JSON.stringify(route);
  const r = route as Record<string, unknown>;
  const words: string[] = [];
  if (r["type"] !== undefined && r["type"] !== "unicast") words.push(String(r["type"]));
  words.push(String(r["dst"] ?? "?"));
  const pairs: ReadonlyArray<readonly [string, string]> = [["gateway", "via"], ["dev", "dev"], ["table", "table"], ["protocol", "proto"], ["scope", "scope"], ["prefsrc", "src"], ["metric", "metric"], ["pref", "pref"]];
  for (const [key, word] of pairs) if (r[key] !== undefined && !(key === "table" && r[key] === "main")) words.push(`${word} ${String(r[key])}`);
  if (r["expires"] !== undefined) words.push("expires");
  const known = new Set(["type", "dst", "flags", "expires", ...pairs.map(([k]) => k)]);
  for (const [key, value] of Object.entries(r)) if (!known.has(key)) words.push(`${key} ${JSON.stringify(value)}`);
  if (Array.isArray(r["flags"]) && r["flags"].length > 0) words.push(r["flags"].join(" "));
  return words.join(" ");
}

/** ` (added …; removed …)` for two `ip -j route` readings, each route as `ip route` prints it. */
export function routeDelta(before: unknown, after: unknown): string {
  return listDelta(before, after, routeWords);
}

/** A rule of `ip -j rule` as `ip rule` prints it: `100: from 198.18.0.0/24 lookup 100`. */
export function ruleWords(rule: unknown): string {
  if (typeof rule !== "object" || rule === null) return JSON.stringify(rule);
  const { priority, src, srclen, dst, dstlen, table, ...rest } = rule as Record<string, unknown>;
  const words = [`${String(priority ?? "?")}:`, `from ${String(src ?? "all")}${srclen !== undefined ? `/${String(srclen)}` : ""}`];
  if (dst !== undefined) words.push(`to ${String(dst)}${dstlen !== undefined ? `/${String(dstlen)}` : ""}`);
  for (const [key, value] of Object.entries(rest)) words.push(`${key} ${typeof value === "string" || typeof value === "number" ? String(value) : JSON.stringify(value)}`);
  if (table !== undefined) words.push(`lookup ${String(table)}`);
  return words.join(" ");
}

/** ` (IPv4: added …; IPv6: removed …)` for two readings' routing rules (`{ ipv4, ipv6 }` of `ip -j rule`). */
export function ruleDelta(before: unknown, after: unknown): string {
  const family = (v: unknown, f: string) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[f] : undefined);
  const parts = (["ipv4", "ipv6"] as const).map((f) => [f, listDelta(family(before, f) ?? [], family(after, f) ?? [], ruleWords)] as const).filter(([, d]) => d !== "");
  return parts.length === 0 ? "" : ` (${parts.map(([f, d]) => `${f === "ipv4" ? "IPv4" : "IPv6"}: ${d.slice(2, -1)}`).join("; ")})`;
}
