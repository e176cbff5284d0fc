/**
 * The nftables selectors of a `counters` item: a native rule by handle
 * (`{ table: inet fw, handle: 8 }`), by its text as `nft list ruleset` prints
 * it (`{ table: inet fw, chain: input, rule: "tcp dport 8080 counter drop" }`),
 * by chain and position in an nft table, and a named counter
 * (`{ counter: ssh_hits }`); a comment in an nft table (and chain):
 * `{ table: inet fw, chain: input, comment: "web" }` (comment-selector.ts).
 */
import { commentSelector } from "./comment-selector.ts";
import type { CheckBase } from "./context.ts";
import type { Path } from "./locate.ts";
import type { RuleSelector } from "./model.ts";
import { NFT_TABLE } from "./schema.ts";
import { type FamilyChoice, truncate } from "./values.ts";

/** The counter item's selector keys as zod read them. */
export interface NftSelectorInput {
  readonly rule?: string | undefined;
  readonly chain?: string | undefined;
  readonly position?: number | undefined;
  readonly table?: string | undefined;
  readonly handle?: number | undefined;
  readonly counter?: string | undefined;
  readonly comment?: string | undefined;
}

/** Does this item select an nftables rule or counter (then nftSelector reads it)? */
export function selectsNft(c: NftSelectorInput): boolean {
  return c.handle !== undefined || c.counter !== undefined || (c.table !== undefined && NFT_TABLE.test(c.table));
}

/**
 * The family a check of a native table reads (`ip` IPv4, `ip6` IPv6; an `inet`
 * table's counters count both at once, read with IPv4), or a problem: a
 * `family` the table holds no rule of, or any `family` for an `inet` table
 * (one counter of both: checked twice, or labelled with a family it does not
 * keep apart), or an arp, bridge or netdev table (not read).
 * Undefined `table`: not an nft table; `family` as given.
 */
export function nftCheckFamily(table: string | undefined, family: FamilyChoice | undefined): { readonly family: FamilyChoice } | { readonly problem: string; readonly hint: string } {
  const kind = table === undefined ? undefined : /^(ip|ip6|inet|arp|bridge|netdev) /.exec(table)?.[1];
  if (kind === undefined) return { family: family ?? "ipv4" };
  if (kind === "arp" || kind === "bridge" || kind === "netdev") {
    return {
      problem: `table ${table} is a${kind === "arp" ? "n" : ""} ${kind} table: fwspec reads the counters of ip, ip6 and inet tables only (a ${kind} table's chains see frames before or beside IP, and a probe's packet is not attributed there)`,
      hint: "check a rule of an ip, ip6 or inet table; the probe's verdict is observed whichever table decides it",
    };
  }
  if (kind === "inet") {
    if (family === "both") return { problem: `table ${table} is an inet table: each of its rules has one counter for IPv4 and IPv6 together, so \`family: both\` would check that one count twice`, hint: "leave `family` out: the check reads the rule's counter once, both families together" };
    // The count holds the other family's packets too: a check labelled with one family would pass on the other's traffic.
    if (family !== undefined) return { problem: `table ${table} is an inet table: each of its rules has one counter for IPv4 and IPv6 together, so \`family: ${family}\` cannot be checked apart (the count includes ${family === "ipv4" ? "IPv6" : "IPv4"} packets)`, hint: ONE_FAMILY_HINT };
    return { family: "ipv4" };
  }
  const only = kind === "ip" ? "ipv4" : "ipv6";
  if (family !== undefined && family !== only) return { problem: `table ${table} holds only ${only} rules: a \`family: ${family}\` check finds no rule there`, hint: `leave \`family\` out (a check of an ${kind} table reads ${only}), or name the table of the other family` };
  return { family: only };
}

const ONE_FAMILY_HINT = "leave `family` out (the check reads both families together); to count one family, check a rule that matches only it (`meta nfproto ipv6`, `ip6 saddr …`) or a rule of an ip or ip6 table";

/** A named counter given without its table, with a `family`: refused (undefined when fine); it may be an inet table's, which counts both families together. */
export function namedCounterFamilyProblem(c: NftSelectorInput & { readonly family?: FamilyChoice | undefined }): { readonly problem: string; readonly hint: string } | undefined {
  if (c.counter === undefined || c.table !== undefined || c.family === undefined) return undefined;
  return { problem: `a named counter counts what every rule using it counts, in an inet table IPv4 and IPv6 together: \`family: ${c.family}\` does not select one family's packets`, hint: `give its table (\`table: ip6 NAME\` reads IPv6 only, \`table: ip NAME\` IPv4 only), or ${ONE_FAMILY_HINT}` };
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const HINT = "select an nft rule by `{ table: inet fw, handle: 8 }`, by `{ table: inet fw, chain: input, rule: <as nft list ruleset prints it> }`, by `{ table: inet fw, chain: input, position: 1 }` or by `comment:` (in a `table:` and `chain:` if given); a named counter by `{ counter: NAME }`";

/** The selector, or undefined after reporting why there is none. */
export function nftSelector(ctx: CheckBase, c: NftSelectorInput, p: Path): RuleSelector | undefined {
  const table = c.table;
  const given = (["rule", "handle", "counter", "comment", "position"] as const).filter((k) => c[k] !== undefined);
  if (given.length > 1 && !(given.length === 2 && given.includes("rule") && given.includes("handle"))) {
    ctx.problem([...p, given[1]!], `a counter check selects one rule one way; this one has both \`${given[0]}\` and \`${given[1]}\``, HINT, { atKey: true });
    return undefined;
  }
  if (c.chain !== undefined && !NAME.test(c.chain)) {
    ctx.problem([...p, "chain"], `invalid nft chain name \`${truncate(c.chain)}\``, "an nft chain name is letters, digits, `_`, `.` or `-`, e.g. `input`");
    return undefined;
  }
  if (c.counter !== undefined) {
    if (!NAME.test(c.counter)) {
      ctx.problem([...p, "counter"], `invalid nft counter name \`${truncate(c.counter)}\``, "the name of a `counter NAME { }` object, e.g. `ssh_hits`");
      return undefined;
    }
    if (c.chain !== undefined) {
      ctx.problem([...p, "chain"], "a named counter belongs to a table, not a chain", "remove `chain`", { atKey: true });
      return undefined;
    }
    return { kind: "named-counter", name: c.counter, ...(table !== undefined ? { table } : {}) };
  }
  if (table === undefined || !NFT_TABLE.test(table)) {
    ctx.problem([...p, "handle"], "an nft rule's handle needs its table (`FAMILY NAME`, e.g. `inet fw`): handles are per table", HINT, { atKey: true });
    return undefined;
  }
  if (c.handle !== undefined) {
    if (c.rule !== undefined) {
      ctx.problem([...p, "rule"], "a counter check selects one rule one way; this one has both `handle` and `rule`", HINT, { atKey: true });
      return undefined;
    }
    return { kind: "handle", table, handle: c.handle, ...(c.chain !== undefined ? { chain: c.chain } : {}) };
  }
  if (c.rule !== undefined) {
    const rule = c.rule.trim();
    if (/[\0\n\r]/.test(rule) || rule === "") {
      ctx.problem([...p, "rule"], "an nft rule is one non-empty line", "write the rule as `nft list ruleset` prints it, on one line");
      return undefined;
    }
    if (c.chain === undefined) {
      ctx.problem([...p, "rule"], "an nft rule's text needs its `chain`", `e.g. \`{ table: ${table}, chain: input, rule: ${truncate(rule)} }\``, { atKey: true });
      return undefined;
    }
    return { kind: "nft-text", table, chain: c.chain, rule };
  }
  if (c.position !== undefined) {
    if (c.chain === undefined) {
      ctx.problem([...p, "position"], "`position` needs a `chain`", `e.g. \`{ table: ${table}, chain: input, position: 1 }\``, { atKey: true });
      return undefined;
    }
    return { kind: "position", table, chain: c.chain, position: c.position };
  }
  if (c.comment !== undefined) return commentSelector(ctx, { comment: c.comment, table, chain: c.chain }, p);
  ctx.problem(p, "a counter check needs a rule selector", HINT);
  return undefined;
}
