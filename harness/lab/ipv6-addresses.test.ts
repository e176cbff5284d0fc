/** Unit tests for ipv6-addresses.ts: which IPv6 address each lab host gets on each of its networks. */
import { describe, expect, test } from "vitest";
import { LabError } from "../errors.ts";
import type { HostSpec } from "../model/types.ts";
import { ipv6BootEnv, ipv6Label, ipv6Labels, ipv6SourceFor, planIpv6 } from "./ipv6-addresses.ts";

const host = (name: string, more: Partial<HostSpec> = {}): HostSpec => ({ name, firewall: false, backend: "nft", listen: [], ...more });
const lan = (spec: HostSpec) => spec.networks ?? ["lan"];
const plain = (plan: Map<string, Map<string, string>>) => Object.fromEntries([...plan].map(([h, m]) => [h, Object.fromEntries(m)]));

describe("planIpv6", () => {
  test.each([
    {
      case: "automatic: from the subnet's second address on, in host order",
      hosts: [host("server"), host("remote")],
      subnets: { lan: "2001:db8:f5:3::/64" },
      want: { server: { lan: "2001:db8:f5:3::2" }, remote: { lan: "2001:db8:f5:3::3" } },
    },
    {
      case: "fixed addresses kept; nobody else gets one of them or an extra address",
      hosts: [host("a"), host("b", { addresses: { lan: { ipv6: "2001:db8:7::2" } } }), host("c", { addresses: { lan: { extra: ["2001:db8:7::3", "198.18.7.99"] } } })],
      subnets: { lan: "2001:db8:7::/64" },
      want: { a: { lan: "2001:db8:7::4" }, b: { lan: "2001:db8:7::2" }, c: { lan: "2001:db8:7::5" } },
    },
    {
      case: "each network on its own; a host only on its networks",
      hosts: [host("gw", { networks: ["wan", "dmz"] }), host("web", { networks: ["dmz"] }), host("out", { networks: ["wan"] })],
      subnets: { wan: "2001:db8:f5:1::/64", dmz: "2001:db8:f5:2::/64" },
      want: { gw: { wan: "2001:db8:f5:1::2", dmz: "2001:db8:f5:2::2" }, web: { dmz: "2001:db8:f5:2::3" }, out: { wan: "2001:db8:f5:1::3" } },
    },
  ])("$case", ({ hosts, subnets, want }) => {
    expect(plain(planIpv6(hosts, lan, new Map(Object.entries(subnets))))).toEqual(want);
  });

  test("a subnet with no address left is a LabError naming the host", () => {
    const hosts = [host("h0"), host("h1"), host("h2")];
    const subnets = new Map([["lan", "2001:db8:7::fc/126"]]);
    expect(plain(planIpv6(hosts.slice(0, 2), lan, subnets))).toEqual({ h0: { lan: "2001:db8:7::fe" }, h1: { lan: "2001:db8:7::ff" } });
    expect(() => planIpv6(hosts, lan, subnets)).toThrow(LabError);
    expect(() => planIpv6(hosts, lan, subnets)).toThrow(/no IPv6 address left in 2001:db8:7::fc\/126 for h2/);
  });

  test("a fixed address is written as the engine writes addresses", () => {
    const plan = planIpv6([host("a", { addresses: { lan: { ipv6: "2001:DB8:7:0:0:0:0:0010" } } }), host("b")], lan, new Map([["lan", "2001:db8:7::/64"]]));
    expect(plain(plan)).toEqual({ a: { lan: "2001:db8:7::10" }, b: { lan: "2001:db8:7::2" } });
  });

  test("the boot script finds each network's interface by its IPv4 subnet", () => {
    const networks = new Map([["wan", { ipv4Subnet: "198.18.7.0/24", ipv6Subnet: "2001:db8:7::/64" }], ["dmz", { ipv4Subnet: "198.19.130.0/24", ipv6Subnet: "2001:db8:f5:2::/64" }]]);
    expect(ipv6BootEnv(new Map([["wan", "2001:db8:7::2"], ["dmz", "2001:db8:f5:2::3"]]), networks)).toBe("198.18.7.0/24,2001:db8:7::2/64 198.19.130.0/24,2001:db8:f5:2::3/64");
    expect(() => ipv6BootEnv(new Map([["lan", "2001:db8:7::2"]]), networks)).toThrow(/no network lan/);
  });

  test("labels carry them, one per network", () => {
    expect(ipv6Labels(new Map([["wan", "2001:db8:f5:1::2"], ["dmz", "2001:db8:f5:2::2"]]))).toEqual({ [ipv6Label("wan")]: "2001:db8:f5:1::2", "fwspec.ipv6.dmz": "2001:db8:f5:2::2" });
  });
});

describe("ipv6SourceFor", () => {
  test.each([
    ["20.10.24+dfsg1", "fwspec"],
    ["25.0.5", "fwspec"],
    // 26.0.2 turns IPv6 off on container interfaces of IPv4 networks.
    ["26.0.2", "engine"],
    ["27.3.1", "engine"],
    ["", "engine"],
    ["dev", "engine"],
  ] as const)("Docker %j: %s", (version, source) => {
    expect(ipv6SourceFor(version)).toBe(source);
  });
});
