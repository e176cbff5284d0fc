/** Unit tests (table-driven, no Docker) for subnets.ts: declared subnets and host addresses, with positions. */
import path from "node:path";
import { describe, expect, test } from "vitest";
import { parseCidr } from "../model/cidr.ts";
import { parseScenarioText, ScenarioError } from "./load.ts";
import type { MachineRoute } from "./subnets.ts";

const FILE = path.join(import.meta.dirname, "testdata", "case.yaml");
const MARK = "‸";

function scenario(top: string, hosts: string): string {
  return `name: n\ndescription: d\n${top}hosts:\n${hosts}steps:\n  - expect: [a -> b:8080 open]\n`;
}

const routes: MachineRoute[] = [{ cidr: parseCidr("198.18.200.0/24", "ipv4")!, description: "198.18.200.0/24 dev eth9" }];

function problem(text: string): { line: number; column: number; message: string; hint: string } {
  const i = text.indexOf(MARK);
  const before = text.slice(0, i);
  const want = { line: before.split("\n").length, column: i - (before.lastIndexOf("\n") + 1) + 1 };
  try {
    parseScenarioText(text.replace(MARK, ""), FILE, { machineRoutes: routes });
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    const d = (error as ScenarioError).diagnostics;
    expect(d.map((x) => x.message)).toHaveLength(1);
    expect({ line: d[0]!.line, column: d[0]!.column }).toEqual(want);
    return { ...want, message: d[0]!.message, hint: d[0]!.hint ?? "" };
  }
  throw new Error("accepted");
}

const HOSTS = "  a: { addresses: { lan: { ipv4: 198.18.7.10 } } }\n  b: { firewall: true, listen: [tcp/8080] }\n";

describe("declared subnets and addresses", () => {
  test("a valid plan reaches the scenario and its hosts", () => {
    const s = parseScenarioText(scenario("subnets:\n  lan: { ipv4: 198.18.7.0/24, ipv6: 2001:db8:7::/64 }\n", "  a: { addresses: { lan: { ipv4: 198.18.7.10, ipv6: 2001:db8:7::10 } } }\n  b: { firewall: true, listen: [tcp/8080] }\n"), FILE, { machineRoutes: routes });
    expect(s.subnets).toEqual({ lan: { ipv4: "198.18.7.0/24", ipv6: "2001:db8:7::/64" } });
    expect(s.hosts.find((h) => h.name === "a")?.addresses).toEqual({ lan: { ipv4: "198.18.7.10", ipv6: "2001:db8:7::10" } });
    expect(s.hosts.find((h) => h.name === "b")?.addresses).toBeUndefined();
  });

  test.each([
    ["not a subnet", `subnets:\n  lan: { ipv4: ‸198.18.7.0 }\n`, HOSTS, /not an IPv4 subnet/],
    ["host bits", `subnets:\n  lan: { ipv4: ‸198.18.7.1/24 }\n`, HOSTS, /host bits/],
    ["outside the range", `subnets:\n  lan: { ipv4: ‸10.0.0.0/24 }\n`, HOSTS.replace("198.18.7.10", "10.0.0.10"), /outside 198\.18\.0\.0\/16/],
    ["engine pools", `subnets:\n  lan: { ipv4: ‸198.19.7.0/24 }\n`, HOSTS.replace("198.18.7.10", "198.19.7.10"), /198\.19\.0\.0\/16/],
    ["automatic IPv6", `subnets:\n  lan: { ipv4: 198.18.7.0/24, ipv6: ‸2001:db8:f5:1::/64 }\n`, HOSTS, /automatic lab subnets/],
    ["prefix too short", `subnets:\n  lan: { ipv4: ‸198.18.0.0/15 }\n`, HOSTS, /\/16 to a \/29/],
    ["machine route", `subnets:\n  lan: { ipv4: ‸198.18.200.0/25 }\n`, HOSTS.replace("198.18.7.10", "198.18.200.10"), /route of this machine \(198\.18\.200\.0\/24 dev eth9\)/],
    ["unknown network", `subnets:\n  ‸wan: { ipv4: 198.18.8.0/24 }\n  lan: { ipv4: 198.18.7.0/24 }\n`, HOSTS, /unknown network `wan`/],
    [
      "overlap with each other",
      `networks: [lan, dmz]\nsubnets:\n  lan: { ipv4: 198.18.6.0/23 }\n  dmz: { ipv4: ‸198.18.7.0/24 }\n`,
      "  a: { addresses: { lan: { ipv4: 198.18.6.10 } } }\n  b: { firewall: true, listen: [tcp/8080] }\n",
      /overlaps `lan`'s subnet 198\.18\.6\.0\/23/,
    ],
    ["address outside", `subnets:\n  lan: { ipv4: 198.18.7.0/25 }\n`, "  a: { addresses: { lan: { ipv4: ‸198.18.7.200 } } }\n  b: { firewall: true, listen: [tcp/8080] }\n", /outside `lan`'s subnet/],
    // Leading zeros: no address to the engine (which refused the lab at its start), octal to inet_aton.
    ["leading zeros", `subnets:\n  lan: { ipv4: 198.18.72.0/24 }\n`, "  a: { addresses: { lan: { ipv4: ‸198.18.072.010 } } }\n  b: { firewall: true, listen: [tcp/8080] }\n", /`198\.18\.072\.010` is not an IPv4 address/],
    // Six addresses (five hosts, one extra) on a /29 with five usable: the engine refused the lab at its start.
    [
      "more addresses than the subnet has",
      `subnets:\n  lan: { ipv4: ‸198.18.74.0/29 }\n`,
      "  a: { addresses: { lan: { ipv4: 198.18.74.2, extra: [198.18.74.6] } } }\n  b: { firewall: true, listen: [tcp/8080] }\n  c: {}\n  d: {}\n  e: {}\n",
      /`lan`'s IPv4 subnet 198\.18\.74\.0\/29 has 5 usable address\(es\), but its hosts need 6: a \(2\), b, c, d, e/,
    ],
    ["gateway", `subnets:\n  lan: { ipv4: 198.18.7.0/24 }\n`, "  a: { addresses: { lan: { ipv4: ‸198.18.7.1 } } }\n  b: { firewall: true, listen: [tcp/8080] }\n", /gateway/],
    ["broadcast", `subnets:\n  lan: { ipv4: 198.18.7.0/24 }\n`, "  a: { addresses: { lan: { ipv4: ‸198.18.7.255 } } }\n  b: { firewall: true, listen: [tcp/8080] }\n", /broadcast/],
    ["no declared subnet", "", "  a: { addresses: { lan: { ipv4: ‸198.18.7.10 } } }\n  b: { firewall: true, listen: [tcp/8080] }\n", /needs a declared IPv4 subnet/],
    ["not an address", `subnets:\n  lan: { ipv4: 198.18.7.0/24 }\n`, "  a: { addresses: { lan: { ipv4: ‸198.18.7.10/32 } } }\n  b: { firewall: true, listen: [tcp/8080] }\n", /not an IPv4 address/],
    [
      "used twice",
      `subnets:\n  lan: { ipv4: 198.18.7.0/24 }\n`,
      "  a: { addresses: { lan: { ipv4: 198.18.7.10 } } }\n  b: { firewall: true, listen: [tcp/8080], addresses: { lan: { ipv4: ‸198.18.7.10 } } }\n",
      /already `a`'s address/,
    ],
    [
      "network the host is not on",
      `networks: [lan, dmz]\nsubnets:\n  lan: { ipv4: 198.18.7.0/24 }\n  dmz: { ipv4: 198.18.8.0/24 }\n`,
      "  a: { addresses: { ‸dmz: { ipv4: 198.18.8.10 } } }\n  b: { firewall: true, listen: [tcp/8080] }\n",
      /`a` is not on network `dmz`/,
    ],
  ])("%s", (_name, top, hosts, message) => {
    expect(problem(scenario(top, hosts)).message).toMatch(message);
  });
});

test("the hint for a kept address says what fwspec keeps in that family (tester 43a: IPv6 has no broadcast address)", () => {
  const v6 = problem(scenario(`subnets:\n  lan: { ipv6: "2001:db8:7::/64" }\n`, '  a: { addresses: { lan: { ipv6: ‸"2001:db8:7::1" } } }\n  b: { firewall: true, listen: [tcp/8080] }\n'));
  expect([v6.message, v6.hint]).toEqual(["address 2001:db8:7::1 is the gateway (the lab bridge) of 2001:db8:7::/64", "pick another address inside 2001:db8:7::/64; fwspec keeps the network address and the first address after it (the gateway)"]);
  const v4 = problem(scenario(`subnets:\n  lan: { ipv4: 198.18.7.0/24 }\n`, "  a: { addresses: { lan: { ipv4: ‸198.18.7.1 } } }\n  b: { firewall: true, listen: [tcp/8080] }\n"));
  expect(v4.hint).toBe("pick another address inside 198.18.7.0/24; fwspec keeps the network address, the first address after it (the gateway) and the broadcast address");
});

describe("lab-address placeholders are checked when the scenario is validated", () => {
  const hosts = "  a: {}\n  b: { firewall: true, listen: [tcp/8080] }\n";
  test.each([
    ["a rules file: the step's field, with the file's line", "  - apply: { restore: { ipv4: ‸placeholders-unknown.v4 } }\n", /^placeholders-unknown\.v4:3: `\{\{ nobody\.ipv4 \}\}`: no host or network `nobody`/],
    ["a command line", "  - apply: { commands: [\"iptables -A INPUT -s ‸{{ a.lan.ipv5 }} -j DROP\"] }\n", /is not a lab address/],
    ["a run step's command", "  - run: { host: b, command: \"iptables -C INPUT -s ‸{{ c.ipv4 }} -j DROP\" }\n", /no host or network `c`/],
    ["a host on another network", "  - apply: { commands: [[iptables, -s, \"‸{{ a.dmz.ipv4 }}\"]] }\n", /host `a` is not on network `dmz`/],
  ])("%s", (_name, step, message) => {
    const text = `name: n\ndescription: d\nhosts:\n${hosts}steps:\n${step}  - expect: [a -> b:8080 open]\n`;
    expect(problem(text).message).toMatch(message);
  });

  test("known names pass", () => {
    const text = `name: n\ndescription: d\nhosts:\n${hosts}steps:\n  - apply: { commands: ["iptables -A INPUT -s {{ a.ipv4 }} -d {{ lan.ipv4 }} -j DROP"] }\n  - expect: [a -> b:8080 open]\n`;
    const s = parseScenarioText(text, FILE);
    expect(s.steps[0]).toMatchObject({ sources: [{ kind: "commands", commands: [["iptables", "-A", "INPUT", "-s", "{{a.ipv4}}", "-d", "{{lan.ipv4}}", "-j", "DROP"]] }] });
  });
});

test.each([
  // 256 hosts on the default network (tester 44d): refused at the 254th, before any container.
  ["the default network", "", 256, "lan"],
  ["a declared network", "networks: [dmz]\n", 254, "dmz"],
])("more hosts than an automatic IPv4 /24 holds, on %s: refused at the first past them", (_what, top, count, net) => {
  const names = Array.from({ length: count }, (_, i) => (i === 0 ? "b" : i === 1 ? "a" : `h${i}`));
  const on = top === "" ? "" : ` networks: [${net}]`;
  const hosts = names.map((n, i) => `  ${i === 253 ? "‸" : ""}${n}: {${i === 0 ? " firewall: true, listen: [tcp/8080]," : ""}${on} }\n`).join("");
  const p = problem(scenario(top, hosts));
  expect(p.message).toBe(`${count} hosts are on \`${net}\`, whose automatic IPv4 subnet (a /24) has 253 usable addresses: this host is the first one past them`);
  expect(p.hint).toContain(`subnets: { ${net}: { ipv4: 198.18.0.0/22 } }`);
});

test("253 hosts fit the automatic /24; a declared wider subnet holds more", () => {
  const hosts = (n: number) => Array.from({ length: n }, (_, i) => `  ${i === 0 ? "b" : i === 1 ? "a" : `h${i}`}: {${i === 0 ? " firewall: true, listen: [tcp/8080]" : ""} }\n`).join("");
  expect(() => parseScenarioText(scenario("", hosts(253)), FILE, { machineRoutes: routes })).not.toThrow();
  expect(() => parseScenarioText(scenario("subnets:\n  lan: { ipv4: 198.18.0.0/22 }\n", hosts(300)), FILE, { machineRoutes: routes })).not.toThrow();
});
