/**
 * One text for the ways a person may write a native nft rule that nft prints
 * alike (pure): `ct state related,established` is printed
 * `established,related`, `tcp dport {443,80}` is `{ 80, 443 }`, `ssh` is `22`,
 * `reject with icmpx type admin-prohibited` loses its `type`, a bare `reject`
 * is `reject with icmp port-unreachable` after an IPv4 match, and a protocol
 * match the next expression implies (`meta l4proto tcp tcp dport 22`) is left
 * out. Used to find which line of a person's nft file wrote a printed rule
 * (origin.ts) and which rule a counter check names (match.ts). Only
 * rewritings nft itself makes when it loads and prints a rule: two texts with
 * one canonical form are printed alike (`ip6 nexthdr tcp tcp dport 22` is
 * printed `tcp dport 22` in an ip6 table, though the two differ for a packet
 * with extension headers). Quoted strings (comments, log prefixes) are left
 * as they are.
 */

/** Well-known service names nft resolves (Debian's /etc/services), as a person writes them after `dport`/`sport`. */
const SERVICES: Readonly<Record<string, string>> = {
  "ftp-data": "20", ftp: "21", ssh: "22", telnet: "23", smtp: "25", domain: "53", kerberos: "88", http: "80", pop3: "110",
  sunrpc: "111", ntp: "123", "netbios-ssn": "139", imap2: "143", imap: "143", snmp: "161", bgp: "179", ldap: "389", https: "443",
  "microsoft-ds": "445", submissions: "465", syslog: "514", submission: "587", ldaps: "636", rsync: "873", imaps: "993",
  pop3s: "995", openvpn: "1194", "ms-sql-s": "1433", mysql: "3306", postgresql: "5432", "http-alt": "8080",
};

/** Protocols by number, and the names nft prints for them (`icmpv6` is printed `ipv6-icmp`). */
const PROTOCOLS: Readonly<Record<string, string>> = { "1": "icmp", "6": "tcp", "17": "udp", "58": "ipv6-icmp", "132": "sctp", "33": "dccp", "136": "udplite", icmpv6: "ipv6-icmp" };

/** The header expression a protocol match is implied by (`tcp dport …` implies `meta l4proto tcp`). */
const HEADER: Readonly<Record<string, string>> = { tcp: "tcp", udp: "udp", sctp: "sctp", dccp: "dccp", udplite: "udplite", icmp: "icmp", "ipv6-icmp": "icmpv6" };

const QUOTED = /"(?:[^"\\]|\\.)*"/g;

/** Rule text with each quoted string (a comment, a log prefix) emptied: a word in one is no statement. */
export function blankQuoted(text: string): string {
  return text.replace(QUOTED, '""');
}

/** A printed rule without what changes by itself: counter values, quota usage, and surplus spaces. */
export function stableRuleText(text: string): string {
  return text
    .replace(/\bcounter packets \d+ bytes \d+/g, "counter")
    .replace(/\s+used \d+ [a-z]*bytes\b/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** The ICMP type a bare `reject` answers with, by the family the rule's table or its earlier matches bind it to (`icmp` for IPv4, `icmpv6` for IPv6), or undefined. */
function boundTo(before: string, table: string | undefined): "icmp" | "icmpv6" | undefined {
  const family = table?.split(" ")[0];
  if (family === "ip" || /\b(?:ip (?:saddr|daddr|protocol)|meta nfproto ipv4)\b/.test(before)) return "icmp";
  if (family === "ip6" || /\b(?:ip6 (?:saddr|daddr|nexthdr)|meta nfproto ipv6)\b/.test(before)) return "icmpv6";
  return undefined;
}

/**
 * The canonical text of a native nft rule as a person wrote it or nft printed
 * it. `table` (`inet fw`, `ip nat`) says which protocol matches nft drops as
 * implied: `ip protocol tcp` before `tcp dport` only in an `ip` table.
 */
export function canonicalNftRule(text: string, table?: string): string {
  const quoted: string[] = [];
  // Quoted strings stand aside as placeholders, untouched by the rewritings; a quoted plain word (`iif "lo"`) comes back as that word.
  let code = stableRuleText(
    text
      .replace(/\s+# handle \d+\s*$/, "")
      .replace(QUOTED, (q) => {
        quoted.push(/^"[A-Za-z0-9_.:-]+"$/.test(q) ? q.slice(1, -1) : q);
        return `\u0000${quoted.length - 1}\u0000`;
      }),
  ).replace(/(^|\s)counter(?=\s|$)(?!\s+name)/g, "$1");
  code = code
    // `tcp flags & (syn|ack) == syn` is printed `tcp flags syn / syn,ack`.
    .replace(/\btcp flags & \(([\w|]+)\) == (\w+)/g, (_, mask: string, value: string) => `tcp flags ${value} / ${mask.split("|").join(",")}`)
    .replace(/\breject with (icmpx|icmpv6|icmp) type (\S+)/g, "reject with $1 $2")
    // A bare `reject` answers port-unreachable: icmpx's in an inet table, and nft prints it `reject with icmp
    // port-unreachable` once an IPv4 match binds the rule (`ip protocol tcp … reject`), icmpv6's after an IPv6 one.
    // Folded only so: an inet rule that names icmp or icmpv6 without such a match stays itself.
    .replace(/\breject with (icmpx|icmpv6|icmp) port-unreachable\b/g, (all, type: string, offset: number, whole: string) => (type === "icmpx" || boundTo(whole.slice(0, offset), table) === type ? "reject" : all))
    .replace(/\b(meta l4proto|ip protocol|ip6 nexthdr) (\S+)/g, (all, key: string, p: string) => `${key} ${PROTOCOLS[p] ?? p}`)
    .replace(/\b(th|tcp|udp|sctp|dccp|udplite) (dport|sport)( != | )(\{[^{}]*\}|\S+)/g, (_, proto: string, dir: string, op: string, value: string) => `${proto} ${dir}${op}${value.replace(/(?<![@$\w-])[a-z][\w-]*/g, (w) => SERVICES[w] ?? w)}`)
    .replace(/\b0x0*([0-9a-fA-F]+)\b/g, (_, hex: string) => `0x${hex.toLowerCase()}`);
  // nft 1.0.6 prints no `meta nfproto ipv4|ipv6` where the rule's other words imply it, and none before `reject with tcp
  // reset` or a set's `add @s { ip saddr }` either (tester 44a): left out on both sides (after the bare reject's folding,
  // which reads it); origin.ts checks the family.
  code = code.replace(/(^|\s)meta nfproto (ipv4|ipv6)(?=\s)/g, "$1");
  // A protocol match the next expression implies; `ip protocol`/`ip6 nexthdr` only where the table is of that family.
  const family = table?.split(" ")[0];
  code = code.replace(/\b(meta l4proto|ip protocol|ip6 nexthdr) ([\w-]+) (?=(\w+) )/g, (all, key: string, p: string, next: string) => {
    const implied = HEADER[p] === next && (key === "meta l4proto" || (key === "ip protocol" && family === "ip") || (key === "ip6 nexthdr" && family === "ip6"));
    return implied ? "" : all;
  });
  // `reject with tcp reset` holds only for TCP: nft adds the `meta l4proto tcp` a person may leave out.
  if (/\breject with tcp reset\b/.test(code)) {
    const rest = code.replace(/\breject with tcp reset\b/, "").replace(/\bmeta l4proto tcp\b/, "");
    if (!/\b(?:tcp|udp|udplite|sctp|dccp|icmp|icmpv6|th|l4proto|protocol|nexthdr)\b/.test(rest)) code = code.replace(/\bmeta l4proto tcp /, "");
  }
  code = code
    // Sets and maps: elements in one order, spaced alike (`22: accept` is `22 : accept`; IPv6 colons have no spaces).
    .replace(/\{([^{}]*)\}/g, (_, inner: string) => {
      const elements = inner.split(",").map((e) => e.trim().replace(/\s*:\s+|\s+:\s*/g, " : ")).filter((e) => e !== "");
      return `{ ${elements.sort().join(", ")} }`;
    })
    // Bare flag lists (`ct state new,established`, a flags mask): one order.
    .replace(/(^|\s)([a-z][\w-]*(?:,[a-z][\w-]*)+)(?=\s|$)/g, (_, lead: string, list: string) => `${lead}${list.split(",").sort().join(",")}`)
    .replace(/\s+/g, " ")
    .trim();
  return code.replace(/\u0000(\d+)\u0000/g, (_, i: string) => quoted[Number(i)]!);
}
