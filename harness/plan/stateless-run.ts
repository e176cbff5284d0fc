/**
 * `run` steps that leave nothing a shared lab's reset would have to undo
 * (pure): they only send traffic (whose conntrack entries the reset flushes,
 * as a probe's), show state, or check rules. A scenario whose run steps are
 * all such can share a lab with others (plan/labs.ts shareable). Anything
 * that changes a host — addresses, sysctls, files, rules, zeroed counters —
 * or shows rule counters (a shared lab's reset does not zero the counters of
 * tables it did not have to restore) keeps the scenario on a lab of its own.
 * The program decides; a wrapper (`sh -c`, `ip netns exec`, `env`) is
 * anything.
 */

/** Programs that only send traffic, wait, or show sockets. */
const TRAFFIC_ONLY = new Set(["ping", "ping6", "nmap", "curl", "nc", "ss", "true", "sleep"]);
const IPTABLES = new Set(["iptables", "ip6tables", "iptables-legacy", "ip6tables-legacy", "iptables-nft", "ip6tables-nft"]);
/** iptables commands that only read: list rules, check one, print the version. */
const IPTABLES_READ = new Set(["-S", "--list-rules", "-C", "--check", "-L", "--list", "-V", "--version"]);
/** iptables commands that write, and options that show or zero counters. */
const IPTABLES_NOT_READ_ONLY = new Set(["-A", "--append", "-I", "--insert", "-D", "--delete", "-R", "--replace", "-F", "--flush", "-Z", "--zero", "-N", "--new-chain", "-X", "--delete-chain", "-P", "--policy", "-E", "--rename-chain", "-v", "--verbose", "-x", "--exact"]);
/** `ip OBJECT ACTION` pairs that show, or flush what a fresh host starts without (neighbour entries). */
const IP_OBJECTS = new Set(["link", "l", "addr", "address", "a", "route", "r", "rule", "neigh", "neighbour", "neighbor", "n"]);

function ipLeavesNoState(args: readonly string[]): boolean {
  const words = args.filter((w) => !w.startsWith("-"));
  const [object, action] = words;
  if (object === undefined || !IP_OBJECTS.has(object) || words.includes("exec")) return false;
  if (action === undefined || action === "show" || action === "list" || action === "ls") return true;
  // A flushed neighbour cache is what a fresh host has: nothing to undo.
  return action === "flush" && ["neigh", "neighbour", "neighbor", "n"].includes(object);
}

function iptablesReadOnly(args: readonly string[]): boolean {
  return args.some((w) => IPTABLES_READ.has(w)) && !args.some((w) => IPTABLES_NOT_READ_ONLY.has(w) || /^-[a-zA-Z]*[vxZ]/.test(w) && !w.startsWith("--"));
}

/** Does the `run` step's command leave the host as a shared lab's reset expects it? */
export function leavesNoState(command: readonly string[]): boolean {
  const [program, ...args] = command;
  if (program === undefined) return false;
  if (TRAFFIC_ONLY.has(program)) return true;
  if (program === "ip") return ipLeavesNoState(args);
  if (IPTABLES.has(program)) return iptablesReadOnly(args);
  if (program === "iptables-save" || program === "ip6tables-save") return !args.some((w) => w === "-c" || w === "--counters");
  return false;
}
