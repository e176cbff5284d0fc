/** Unit tests (table-driven, no Docker) for interfaces.ts: interface names of lab hosts, with positions. */
import path from "node:path";
import { describe, expect, test } from "vitest";
import { interfaceNameProblem } from "./interfaces.ts";
import { onlyProblemAtMark } from "../testing/positioned.ts";
import { parseScenarioText } from "./load.ts";

const FILE = path.join(import.meta.dirname, "testdata", "case.yaml");

describe("interfaceNameProblem", () => {
  test.each(["wan", "lan", "ens18", "eth1", "eth0", "enp0s31f6", "br-lan.10", "wg_0", "a", "abcdefghijklmno", "0uplink"])("%s is a valid name", (name) => {
    expect(interfaceNameProblem(name)).toBeUndefined();
  });

  // [name, message fragment, offset of the offending character]
  test.each<[string, RegExp, number | undefined]>([
    ["", /cannot be empty/, undefined],
    ["abcdefghijklmnop", /16 characters; Linux allows at most 15/, 15],
    ["lo", /loopback/, undefined],
    ["all", /settings of all interfaces/, undefined],
    ["default", /settings of all interfaces/, undefined],
    ["eth+", /contains `\+`, iptables' wildcard/, 3],
    ["wan/0", /contains `\/`/, 3],
    ["wan:1", /contains `:`/, 3],
    ["w an", /contains a space/, 1],
    ["-wan", /starts with `-`/, 0],
    [".wan", /starts with `\.`/, 0],
    ["wаn", /character 2, `а` \(U\+0430, looks like `a`\), is not ASCII/, 1],
    ["fwspec-t0", /fwspec's own/, undefined],
  ])("%j is refused", (name, message, offset) => {
    const p = interfaceNameProblem(name);
    expect(p?.message).toMatch(message);
    expect(p?.offset).toBe(offset);
  });
});

function scenario(hosts: string, top = ""): string {
  return `name: n\ndescription: d\n${top}hosts:\n${hosts}steps:\n  - expect: [peer -> gw:22 open]\n`;
}

const problem = (text: string): string => onlyProblemAtMark(text, FILE);

const ROUTED = "networks: [outside, inside]\n";
const PEER = "  peer: { networks: [outside] }\n";

describe("hosts' interfaces in a scenario", () => {
  test("names reach the host spec; a single-network lab names `lan`", () => {
    const s = parseScenarioText(scenario(`  gw: { firewall: true, router: true, listen: [tcp/22], networks: [outside, inside], interfaces: { outside: wan, inside: lan } }\n${PEER}`, ROUTED), FILE);
    expect(s.hosts.find((h) => h.name === "gw")?.interfaces).toEqual({ outside: "wan", inside: "lan" });
    expect(s.hosts.find((h) => h.name === "peer")?.interfaces).toBeUndefined();
    const single = parseScenarioText(scenario("  gw: { firewall: true, listen: [tcp/22], interfaces: { lan: ens18 } }\n  peer: {}\n"), FILE);
    expect(single.hosts.find((h) => h.name === "gw")?.interfaces).toEqual({ lan: "ens18" });
  });

  test.each<[string, string, string, RegExp]>([
    ["a network the host is not on", `  gw: { firewall: true, listen: [tcp/22], networks: [outside], interfaces: { ‸inside: lan } }\n${PEER}`, ROUTED, /`gw` is not on network `inside`/],
    ["a misspelt network", `  gw: { firewall: true, listen: [tcp/22], networks: [outside], interfaces: { ‸outsid: wan } }\n${PEER}`, ROUTED, /not on network `outsid`/],
    ["the default network has another name", "  gw: { firewall: true, listen: [tcp/22], interfaces: { ‸wan: ens18 } }\n  peer: {}\n", "", /`gw` is not on network `wan`/],
    ["too long", "  gw: { firewall: true, listen: [tcp/22], interfaces: { lan: averyveryverylo‸ngname } }\n  peer: {}\n", "", /21 characters; Linux allows at most 15/],
    ["a wildcard", "  gw: { firewall: true, listen: [tcp/22], interfaces: { lan: \"eth‸+\" } }\n  peer: {}\n", "", /iptables' wildcard/],
    ["loopback", "  gw: { firewall: true, listen: [tcp/22], interfaces: { lan: ‸lo } }\n  peer: {}\n", "", /loopback/],
    ["a colon", "  gw: { firewall: true, listen: [tcp/22], interfaces: { lan: \"eth0‸:1\" } }\n  peer: {}\n", "", /contains `:`/],
    [
      "the same name twice on one host",
      `  gw: { firewall: true, router: true, listen: [tcp/22], networks: [outside, inside], interfaces: { outside: wan, inside: ‸wan } }\n${PEER}`,
      ROUTED,
      /`wan` already names `gw`'s interface on `outside`/,
    ],
  ])("%s", (_what, hosts, top, message) => {
    expect(problem(scenario(hosts, top))).toMatch(message);
  });

  test("the same name on two hosts is fine", () => {
    const s = parseScenarioText(scenario("  gw: { firewall: true, listen: [tcp/22], interfaces: { lan: wan } }\n  peer: { interfaces: { lan: wan } }\n"), FILE);
    expect(s.hosts.map((h) => h.interfaces)).toEqual([{ lan: "wan" }, { lan: "wan" }]);
  });
});
