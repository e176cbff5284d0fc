/** The rules a step's trace named, by chain position from the listing's handles; unknown handles or monitor errors make it incomplete. */
import { describe, expect, test } from "vitest";
import { chainHandles, parseTrace } from "./trace-events.ts";
import { namedRules } from "./trace-named.ts";

const listing = [
  "table inet fw { # handle 7",
  "\tchain input { # handle 1",
  "\t\ttype filter hook input priority filter; policy drop;",
  "\t\tct state { established, related } accept # handle 4",
  "\t\ttcp dport 22 accept # handle 5",
  "\t\ttcp dport 8080 accept # handle 6",
  "\t}",
  "}",
].join("\n");

const line = (id: string, text: string) => `trace id ${id} ${text}`;
const packet = (id: string) => line(id, "inet fwspec_trace pre packet: iif \"eth0\" ip saddr 198.18.0.2 ip daddr 198.18.0.3 tcp sport 40000 tcp dport 8080 tcp flags == syn");

describe("namedRules", () => {
  test.each([
    ["a rule with a verdict and one with continue, by position", [packet("a"), line("a", "inet fw input rule tcp dport 8080 accept # handle 6 (verdict accept)"), packet("b"), line("b", "inet fw input rule ct state { established, related } accept # handle 4 (verdict accept)")], ["nft inet fw input #1", "nft inet fw input #3"], true],
    ["fwspec's own table is never named", [packet("a"), line("a", "inet fwspec_trace pre rule meta nfproto ipv4 ip daddr 198.18.0.3 meta nftrace set 1 # handle 3 (verdict continue)")], [], true],
    ["a handle the listing does not have", [packet("a"), line("a", "inet fw input rule tcp dport 9 accept # handle 99 (verdict accept)")], [], false],
    ["the monitor reported an error", [packet("a"), "netlink: Error: No buffer space available"], [], false],
  ])("%s", (_what, log, keys, complete) => {
    const text = log.join("\n");
    const r = namedRules(text, parseTrace(text), chainHandles(listing));
    expect([[...r.keys].sort(), r.complete]).toEqual([keys, complete]);
  });
});
