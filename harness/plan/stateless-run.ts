/**
 * `run` steps that leave nothing a shared lab's reset would have to undo
 * (pure): they only send traffic (whose conntrack entries the reset flushes,
 * as a probe's), show state, or check rules. A scenario whose run steps are
 * all such can share a lab with others (plan/labs.ts shareable). Anything
 * that changes a host — addresses, sysctls, files, rules, zeroed counters —
 * keeps the scenario on a lab of its own. A step that shows rule counters
 * (`iptables -L -v`, `iptables-save -c`, `nft list`) only reads, but what it
 * prints depends on every packet since the counters were last zeroed: the
 * handoff before such a scenario zeroes every counter of its firewall hosts'
 * own backend (showsCounters, countersZeroedOn; runner/shared-lab.ts); other
 * counters, and an nft listing of an nft-backend host's iptables tables
 * (listsIptablesNft), get the scenario a fresh lab (plan/labs.ts
 * needsFreshLab). The program decides; a wrapper (`sh -c`, `ip netns exec`,
 * `env`) is anything.
 */
import type { Backend } from "../model/types.ts";

/** Programs that send traffic to any address they are given (plan/absorb.ts keeps their scenarios off larger labs). */
export const SENDS_TRAFFIC: ReadonlySet<string> = new Set(["ping", "ping6", "nmap", "curl", "nc"]);
/** Programs that only send traffic, wait, or show sockets. */
const TRAFFIC_ONLY = new Set([...SENDS_TRAFFIC, "ss", "true", "sleep"]);
const IPTABLES = new Set(["iptables", "ip6tables", "iptables-legacy", "ip6tables-legacy", "iptables-nft", "ip6tables-nft"]);
/** iptables commands that only read: list rules, check one, print the version. */
const IPTABLES_READ = new Set(["-S", "--list-rules", "-C", "--check", "-L", "--list", "-V", "--version"]);
/** iptables commands that write or zero counters (short letters, long names), and -M / --modprobe, which runs a program of the caller's choosing. */
const IPTABLES_WRITES = { letters: "AIDRFZNXPEM", longs: ["--append", "--insert", "--delete", "--replace", "--flush", "--zero", "--new-chain", "--delete-chain", "--policy", "--rename-chain", "--modprobe"] } as const;
/** iptables options that print counters with a listing. */
const IPTABLES_COUNTERS = { letters: "vx", longs: ["--verbose", "--exact"] } as const;
/** iptables-save options that write the ruleset to a file (which the reset does not undo) or run a program. */
const SAVE_WRITES = { letters: "fM", longs: ["--file", "--modprobe"] } as const;
/** The iptables-save option that prints counters. */
const SAVE_COUNTERS = { letters: "c", longs: ["--counters"] } as const;
/** nft options a listing may carry (none reads a file or changes anything); `-s` leaves counters out. */
const NFT_LIST_OPTIONS = new Set(["-a", "--handle", "-j", "--json", "-n", "--numeric", "-N", "--reversedns", "-s", "--stateless", "-t", "--terse", "-y", "--numeric-priority", "-p", "--numeric-protocol", "-T", "--numeric-time"]);
/** `ip OBJECT ACTION` pairs that show, or flush what a fresh host starts without (neighbour entries). */
const IP_OBJECTS = new Set(["link", "l", "addr", "address", "a", "route", "r", "rule", "neigh", "neighbour", "neighbor", "n", "ntable"]);

/**
 * A traffic program's options that run code of the caller's choosing: nmap's
 * scripts (`--script`, `-script` (nmap takes long options with one dash),
 * `-sC` and `-sCV`, `-A` alone or bundled (`-nA`); `--datadir`, where
 * `-sV`'s scripts are read from: any Lua, which can change rules; tester
 * 37a), netcat's `-e`/`-c` (a program per connection). `-sA`, `-PA`: scan
 * and ping types, not `-A`.
 */
function runsCode(program: string, args: readonly string[]): boolean {
  if (program === "nmap") return args.some((w) => /^--?(script|datadir)/.test(w) || /^-s[A-Za-z]*C/.test(w) || /^-(?![sP-])[A-Za-z]*A/.test(w));
  if (program === "nc") return args.some((w) => /^-[A-Za-z]*[ec]/.test(w));
  return false;
}

function ipLeavesNoState(args: readonly string[]): boolean {
  const words = args.filter((w) => !w.startsWith("-"));
  const [object, action] = words;
  // IPsec's policies and states are shown one level down (`ip xfrm policy show`; tester 38a: taken for a change).
  if (object === "xfrm") return ["policy", "state"].includes(action ?? "") && (words[2] === undefined || ["show", "list", "get", "count"].includes(words[2]!));
  if (object === undefined || !IP_OBJECTS.has(object) || words.includes("exec")) return false;
  if (action === undefined || action === "show" || action === "list" || action === "ls") return true;
  // A flushed neighbour cache is what a fresh host has: nothing to undo.
  return action === "flush" && ["neigh", "neighbour", "neighbor", "n"].includes(object);
}

/** Short options bundled in one word (`-nvL`) that include one of `letters`. */
const bundled = (w: string, letters: string) => !w.startsWith("--") && new RegExp(`^-[a-zA-Z]*[${letters}]`).test(w);

/**
 * Does the word give one of the options: a short one, alone or bundled
 * (`-nvL`), or a long one, whole or abbreviated as getopt_long takes it
 * (`--zer` is `--zero`; `=value` aside; an ambiguous prefix, which the tool
 * refuses, counts too)?
 */
function gives(w: string, options: { readonly letters: string; readonly longs: readonly string[] }): boolean {
  if (!w.startsWith("--")) return bundled(w, options.letters);
  const name = w.split("=")[0]!;
  return name.length > 2 && options.longs.some((l) => l.startsWith(name));
}

function iptablesReadOnly(args: readonly string[]): boolean {
  return args.some((w) => IPTABLES_READ.has(w) || bundled(w, "LSC")) && !args.some((w) => gives(w, IPTABLES_WRITES));
}

const SAVE = /^ip6?tables(-nft|-legacy)?-save$/;

/** A word of an nft listing: a keyword or a name (no option, and no `;`, newline, brace or comment, which would start or hold another command). */
const NFT_LIST_WORD = /^[A-Za-z0-9_.:/@$][A-Za-z0-9_.:/@$-]*$/;

/** `nft [options] list …`: a listing, nothing else (nft runs every `;`-separated command of its line). */
function nftListing(args: readonly string[]): boolean {
  const first = args.findIndex((w) => !w.startsWith("-"));
  return first >= 0 && args[first] === "list" && args.slice(0, first).every((w) => NFT_LIST_OPTIONS.has(w)) && args.slice(first).every((w) => NFT_LIST_WORD.test(w));
}

/** Does the command print rule counters (an iptables listing with -v/-x, iptables-save -c, an nft listing without -s)? */
export function showsCounters(command: readonly string[]): boolean {
  const [program, ...args] = command;
  if (program === undefined) return false;
  if (IPTABLES.has(program)) return iptablesReadOnly(args) && args.some((w) => gives(w, IPTABLES_COUNTERS));
  if (SAVE.test(program)) return args.some((w) => gives(w, SAVE_COUNTERS));
  if (program === "nft") return nftListing(args) && !args.some((w) => w === "-s" || w === "--stateless");
  return false;
}

/** Does the command print iptables-save's listing (any variant, any table): a table an earlier scenario left empty shows there. */
export function savesTables(command: readonly string[]): boolean {
  return SAVE.test(command[0] ?? "");
}

/**
 * Are the counters a command shows ones a handoff zeroes on a firewall host
 * of `backend`? Those of the host's own iptables backend (`iptables`,
 * `iptables-save` and co., or the `-nft`/`-legacy` variant named for it),
 * and of nftables on an nft-backend host. Not the other backend's: on a
 * legacy host Docker's DNS rules are iptables-nft rules in nftables, which
 * no reset restores, and on an nft host a legacy table an earlier
 * scenario's listing created counts every packet from then on.
 */
export function countersZeroedOn(command: readonly string[], backend: Backend): boolean {
  const program = command[0] ?? "";
  if (program === "nft") return backend === "nft";
  const variant = /^ip6?tables-(nft|legacy)/.exec(program)?.[1];
  return variant === undefined || variant === backend;
}

/**
 * Does the command leave a host of `backend` as a shared lab's reset expects
 * it? As leavesNoState, except that a legacy iptables command on an
 * nft-backend host, a listing too (on a legacy-backend host, a listing:
 * legacyTableListing), makes the legacy table it names (the
 * kernel instantiates one on first use), which no reset removes: every later
 * `iptables -L` or `iptables-save` there prints "# Warning: iptables-legacy
 * tables present", which a fresh lab's does not.
 */
export function leavesNoStateOn(command: readonly string[], backend: Backend): boolean {
  return leavesNoState(command) && !(backend === "nft" && /^ip6?tables-legacy/.test(command[0] ?? "")) && !(backend === "legacy" && legacyTableListing(command));
}

/**
 * A legacy iptables listing or check (`iptables -t raw -L`, `-S`, `-C`,
 * `iptables-save -t raw`; not a plain `iptables-save`, which reads the tables
 * the kernel holds, nor `-V`): the
 * kernel makes the table it names on first use, and a legacy table cannot be
 * removed, so on a legacy-backend host the next scenario's `iptables-save`
 * would print a table a fresh lab's does not.
 */
function legacyTableListing(command: readonly string[]): boolean {
  const [program = "", ...args] = command;
  // `iptables-save -t raw` opens the table it names as a listing does; without -t it reads only the tables there are.
  if (/^ip6?tables(-legacy)?-save$/.test(program)) return args.some((w) => w === "-t" || w.startsWith("--table") || /^-t./.test(w));
  return /^ip6?tables(-legacy)?$/.test(program) && args.some((w) => IPTABLES_READ.has(w) || bundled(w, "LSC")) && !args.some((w) => w === "-V" || w === "--version");
}

/**
 * Does the command list nftables on a host of `backend` whose iptables tables
 * are nftables tables (nft)? A used lab's reset leaves them unlike a fresh
 * lab's: a table the boot lacks left empty (`table ip filter` and its base
 * chains), nat restored with every built-in chain (Docker made only OUTPUT
 * and POSTROUTING), so the listing would print what a fresh lab's does not.
 */
export function listsIptablesNft(command: readonly string[], backend: Backend): boolean {
  return backend === "nft" && command[0] === "nft" && nftListing(command.slice(1));
}

/** Does the `run` step's command leave the host as a shared lab's reset expects it? */
export function leavesNoState(command: readonly string[]): boolean {
  const [program, ...args] = command;
  if (program === undefined) return false;
  if (TRAFFIC_ONLY.has(program)) return !runsCode(program, args);
  if (program === "ip") return ipLeavesNoState(args);
  if (IPTABLES.has(program)) return iptablesReadOnly(args);
  if (program === "iptables-save" || program === "ip6tables-save") return !args.some((w) => gives(w, SAVE_WRITES));
  if (program === "nft") return nftListing(args);
  return false;
}
