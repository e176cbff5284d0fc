/** The decided line of an expectation whose first packet was let through but got no answer: the answer was lost on its way back. */
import { describe, expect, test } from "vitest";
import type { Decision } from "../model/results.ts";
import type { Verdict } from "../model/types.ts";
import { decidedFor, decidedLine, replyChains } from "./failure.ts";

const accept: Decision = { host: "router", family: "ipv4", table: "inet f", path: ["forward_b"], rule: "ip6 daddr backend tcp dport 8080 counter accept", action: "accept", policy: false, source: "trace", handle: 7 };
const unfiltered: Decision = { host: "router", family: "ipv4", table: "none", path: ["nat prerouting"], rule: "no filter chain", action: "accept", policy: false, unfiltered: true, source: "trace" };
const drop: Decision = { ...accept, rule: "tcp dport 8080 drop", action: "drop" };
const answerTaken: Decision = { ...drop, answer: true };

describe("decidedFor", () => {
  test.each<[string, Verdict, Decision, boolean]>([
    ["dropped, its SYN accepted by a rule", "dropped", accept, true],
    ["dropped, its SYN met no filter chain", "dropped", unfiltered, true],
    ["dropped by the rule that took its SYN", "dropped", drop, false],
    ["dropped, a rule named taking its answer", "dropped", answerTaken, false],
    ["open, its SYN accepted", "open", accept, false],
  ])("%s", (_, actual, d, lost) => {
    const line = decidedFor({ actual }, d);
    expect(line.startsWith(decidedLine(d))).toBe(true);
    expect(line.includes("the answer was lost on its way back")).toBe(lost);
  });

  test("dropped, its SYN accepted and answered (the target holds it half-open): a later packet was lost, not the answer", () => {
    const line = decidedFor({ actual: "dropped", halfOpen: true, to: "server" }, accept);
    expect(line).toBe(`${decidedLine(accept)}; it let the first packet through and the answer came back: a later packet, the handshake's last ACK or what followed, was lost on its way to server (only first packets are traced; look at what takes established packets there, a policy drop among them, whose count native nftables chains do not keep)`);
    expect(decidedFor({ actual: "dropped", halfOpen: true }, { ...drop, later: true })).toBe(decidedLine({ ...drop, later: true }));
    // An iptables table's policy keeps its count (and counted: shows it): no word about nftables there (tester 42a).
    const iptables = { ...accept, table: "filter", rule: "-A INPUT -p tcp -m state --state NEW -j ACCEPT" };
    expect(decidedFor({ actual: "dropped", halfOpen: true, to: "server" }, iptables)).toMatch(/look at what takes established packets there\)$/);
  });

  test("the chains the lost answer crosses: out of the target, through a router, into the prober, wherever the accepting rule was (tester 42b)", () => {
    // The rule let it in on the router: the hint no longer says `output on router`.
    expect(decidedFor({ actual: "dropped", from: "client", to: "server" }, accept)).toBe(`${decidedLine(accept)}; it let the first packet through: the answer was lost on its way back (answers are not traced; look at the chains its reply crosses: output on server, forward on a router between them, input on client)`);
    // Sent on by a DNAT: the answer leaves the host it was sent to (reviewer).
    expect(decidedFor({ actual: "dropped", from: "internet", to: "gw" }, { ...accept, sentOnTo: "198.18.51.10:80" })).toContain("look at the chains its reply crosses: output on the host at 198.18.51.10:80 (where the DNAT sent it), forward on a router between them, input on internet)");
    expect(replyChains("server", "localhost")).toBe("output and input on server");
    expect(replyChains("server", "server")).toBe("output and input on server");
    expect(replyChains(undefined, undefined)).toBe("output on the target, forward on a router between them, input on the prober");
  });

  test("a port verdict map: the element that took this port is named, not the map alone (tester 42b)", () => {
    const vmap: Decision = { ...accept, table: "inet fw", path: ["input"], rule: "tcp dport vmap { 80 : jump web, 8080 : drop, 8000-8010 : accept }", action: "drop" };
    expect(decidedFor({ actual: "dropped", port: 8080 }, vmap)).toContain("tcp dport vmap { 80 : jump web, 8080 : drop, 8000-8010 : accept } [handle 7] (its element for port 8080: 8080 : drop) (took its first packet");
    expect(decidedFor({ actual: "open", port: 8005 }, { ...vmap, action: "accept" })).toContain("(its element for port 8005: 8000-8010 : accept)");
    // No port, a port no element holds, or after a rewrite (the map may have seen another port): the rule alone.
    expect(decidedFor({ actual: "dropped" }, vmap)).toBe(decidedLine(vmap));
    expect(decidedFor({ actual: "dropped", port: 9 }, vmap)).toBe(decidedLine(vmap));
    expect(decidedFor({ actual: "dropped", port: 8080 }, { ...vmap, rewrites: ["ip nat prerouting: redirect to :8080"] })).not.toContain("its element");
    // A map that took the answer saw the reply's ports, not the probed one (reviewer).
    expect(decidedFor({ actual: "dropped", port: 8080 }, { ...vmap, answer: true })).not.toContain("its element");
  });
});
