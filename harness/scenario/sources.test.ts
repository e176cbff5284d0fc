/**
 * Unit tests (table-driven, no Docker) for probe sources and extra addresses:
 * `scanner@ADDRESS` must be one of the host's declared addresses (fixed or
 * extra), extra addresses are checked like fixed ones, both forms of
 * expectation carry the source, and it fixes the probe's family.
 */
import path from "node:path";
import { describe, expect, test } from "vitest";
import { plannedProbe } from "../plan/plan.ts";
import { onlyProblemAtMark } from "../testing/positioned.ts";
import { parseScenarioText } from "./load.ts";
import { type Expectation, probeFamilies } from "./model.ts";

const FILE = path.join(import.meta.dirname, "testdata", "case.yaml");
const SUBNETS = "subnets:\n  lan: { ipv4: 198.18.7.0/24, ipv6: 2001:db8:7::/64 }\n";
const SCANNER = '  scanner: { addresses: { lan: { ipv4: 198.18.7.10, ipv6: "2001:db8:7::10", extra: [198.18.7.99, "2001:db8:7::99"] } } }\n';

function scenario(expect: string, scanner = SCANNER, top = SUBNETS): string {
  return `name: n\ndescription: d\n${top}hosts:\n  server: { firewall: true, listen: [tcp/22, udp/53] }\n${scanner}steps:\n  - expect:\n      - ${expect}\n`;
}

const problem = (text: string): string => onlyProblemAtMark(text, FILE);

function firstExpectation(text: string): Expectation {
  const s = parseScenarioText(text, FILE);
  const step = s.steps[0]!;
  if (step.kind !== "expect") throw new Error("not an expect step");
  return step.expectations[0]!;
}

describe("probe sources", () => {
  test.each<[string, string, string, readonly string[]]>([
    ["an extra IPv4 address", "scanner@198.18.7.99 -> server:22 dropped", "198.18.7.99", ["ipv4"]],
    ["an extra IPv6 address", "scanner@[2001:db8:7::99] -> server:22 dropped", "2001:db8:7::99", ["ipv6"]],
    ["the fixed address", "scanner@198.18.7.10 -> server:22 open", "198.18.7.10", ["ipv4"]],
    ["another spelling of an extra address", "scanner@[2001:db8:7:0::99] -> server:22 dropped", "2001:db8:7:0::99", ["ipv6"]],
    ["the object form", "{ from: scanner@198.18.7.99, to: server, port: 22, verdict: dropped }", "198.18.7.99", ["ipv4"]],
    ["the object form, IPv6", '{ from: "scanner@[2001:db8:7::99]", to: server, port: 53, protocol: udp, verdict: dropped }', "2001:db8:7::99", ["ipv6"]],
    ["a sweep", "scanner@198.18.7.99 -> server:1-1024 blocked except 22", "198.18.7.99", ["ipv4"]],
    ["a sweep, IPv6, object form", '{ from: "scanner@[2001:db8:7::99]", to: server, port: 1-1024, except: [22], verdict: blocked }', "2001:db8:7::99", ["ipv6"]],
  ])("%s", (_what, line, source, families) => {
    const e = firstExpectation(scenario(line));
    expect(e).toMatchObject({ from: "scanner", source, families });
    expect(e.text).toMatch(/^scanner@/);
  });

  test("extra addresses reach the host spec", () => {
    const s = parseScenarioText(scenario("scanner -> server:22 open"), FILE);
    expect(s.hosts.find((h) => h.name === "scanner")?.addresses).toEqual({ lan: { ipv4: "198.18.7.10", ipv6: "2001:db8:7::10", extra: ["198.18.7.99", "2001:db8:7::99"] } });
  });

  test.each<[string, string, string, string, RegExp]>([
    ["an address the host does not hold", "scanner@‸198.18.7.98 -> server:22 dropped", SCANNER, SUBNETS, /198\.18\.7\.98 is not an address of `scanner`\n`scanner` holds `?198\.18\.7\.10`?, `?2001:db8:7::10`?, `?198\.18\.7\.99`? and `?2001:db8:7::99`?/],
    ["a host without declared addresses", "server@‸198.18.7.2 -> localhost:22 open", SCANNER, SUBNETS, /not an address of `server`\n.*give `server` `addresses: \{ lan: \{ extra: \[198\.18\.7\.2\] \} \}`/],
    ["another host's address", "scanner@‸[2001:db8:7::5] -> server:22 open", SCANNER + '  other: { addresses: { lan: { ipv6: "2001:db8:7::5" } } }\n', SUBNETS, /2001:db8:7::5 is not an address of `scanner`/],
    ["the object form", "{ from: scanner@‸198.18.7.98, to: server, port: 22, verdict: dropped }", SCANNER, SUBNETS, /198\.18\.7\.98 is not an address of `scanner`/],
    ["the object form's syntax", "{ from: scanner@‸2001:db8:7::99, to: server, port: 22, verdict: dropped }", SCANNER, SUBNETS, /needs brackets/],
    ["a family that conflicts (object form)", "{ from: scanner@198.18.7.99, to: server, port: 22, family: ‸ipv6, verdict: dropped }", SCANNER, SUBNETS, /`family: ipv6` conflicts with the IPv4 source address `198\.18\.7\.99`/],
    ["a protocol suffix that conflicts (object form)", "{ from: scanner@198.18.7.99, to: server, port: 53, protocol: ‸udp6, verdict: dropped }", SCANNER, SUBNETS, /asks for IPv6 but the source `198\.18\.7\.99` is an IPv4 address/],
    ["a literal target of the other family (object form)", '{ from: scanner@198.18.7.99, to: ‸"2001:db8:7::2", port: 22, verdict: dropped }', SCANNER, SUBNETS, /source `198\.18\.7\.99` is an IPv4 address but `2001:db8:7::2` is IPv6/],
    ["a suffix that conflicts (compact)", "scanner@198.18.7.99 -> server:22/tcp‸6 dropped", SCANNER, SUBNETS, /asks for IPv6 but the source/],
    ["a sweep from an address the host does not hold", "scanner@‸198.18.7.98 -> server:1-1024 blocked except 22", SCANNER, SUBNETS, /198\.18\.7\.98 is not an address of `scanner`/],
  ])("%s", (_what, line, scanner, top, message) => {
    expect(problem(scenario(line, scanner, top))).toMatch(message);
  });
});

describe("a hold from a chosen source", () => {
  test("is refused with its own message at the address, not as an unknown host", () => {
    const text = `name: n\ndescription: d\n${SUBNETS}hosts:\n  server: { firewall: true, listen: [tcp/22] }\n${SCANNER}steps:\n  - hold: { name: s, from: scanner@‸198.18.7.99, to: server, port: 22 }\n  - expect: [held s open]\n`;
    expect(problem(text)).toMatch(/a hold cannot choose its source address yet\n.*hold from `scanner`'s own address/);
  });
});

describe("extra addresses", () => {
  const host = (extra: string) => `  scanner: { addresses: { lan: { ipv4: 198.18.7.10, extra: [${extra}] } } }\n`;
  test.each<[string, string, string, RegExp]>([
    ["outside the subnet", host("‸198.18.8.99"), SUBNETS, /198\.18\.8\.99 is outside `lan`'s subnet 198\.18\.7\.0\/24/],
    ["the gateway", host("‸198.18.7.1"), SUBNETS, /gateway/],
    ["the broadcast address", host("‸198.18.7.255"), SUBNETS, /broadcast/],
    ["the host's own fixed address", host("‸198.18.7.10"), SUBNETS, /198\.18\.7\.10 on `lan` is already `scanner`'s address/],
    ["twice", host("198.18.7.99, ‸198.18.7.99"), SUBNETS, /already `scanner`'s address/],
    ["another host's address", host("198.18.7.20") + "  other: { addresses: { lan: { ipv4: ‸198.18.7.20 } } }\n", SUBNETS, /198\.18\.7\.20 on `lan` is already `scanner`'s address/],
    ["with a prefix length", host("198.18.7.99‸/24"), SUBNETS, /has a prefix length/],
    ["not an address", host("‸office"), SUBNETS, /`office` is not an IPv4 or IPv6 address/],
    ["on an automatic subnet", "  scanner: { addresses: { lan: { extra: [‸198.18.7.99] } } }\n", "", /needs a declared IPv4 subnet for `lan`/],
    ["an IPv6 one without a declared IPv6 subnet", host('‸"2001:db8:7::99"'), "subnets:\n  lan: { ipv4: 198.18.7.0/24 }\n", /needs a declared IPv6 subnet/],
  ])("%s", (_what, scanner, top, message) => {
    expect(problem(scenario("scanner -> server:22 open", scanner, top))).toMatch(message);
  });
});

describe("a source fixes the family", () => {
  const e = (): Expectation => firstExpectation(scenario("scanner@198.18.7.99 -> server:22 dropped"));
  test("--family can only leave it out", () => {
    expect(probeFamilies(e(), ["ipv4", "ipv6"])).toEqual(["ipv4"]);
    expect(probeFamilies(e(), ["ipv6"])).toEqual([]);
    expect(probeFamilies(e())).toEqual(["ipv4"]);
  });
  test("no parity probe in the other family; the probe carries its source", () => {
    const s = parseScenarioText(scenario("scanner@198.18.7.99 -> server:22 dropped"), FILE);
    const p = plannedProbe(s, e(), "ipv4");
    expect(p.parity).toBeUndefined();
    expect(p.spec.source).toBe("198.18.7.99");
    expect(p.title).toBe("scanner@198.18.7.99 -> server:22 dropped [ipv4]");
  });
});
