/** Unit tests for declared.ts: declared families in a subnet plan, endpoint settings, clashes with the engine. */
import { describe, expect, test } from "vitest";
import { LabError } from "../errors.ts";
import { parseCidr } from "../model/cidr.ts";
import { subnetForSlot } from "./addresses.ts";
import type { HostSpec } from "../model/types.ts";
import { checkDeclaredFree, chosenAddresses, declaredCidrs, endpointConfig, StuckSubnetError, withDeclared } from "./declared.ts";

describe("declared subnets in the lab", () => {
  test("declared families replace the automatic ones; the gateway is the first address", () => {
    const plan = withDeclared(subnetForSlot(3), { ipv4: "198.18.7.0/24" });
    expect(plan).toMatchObject({ ipv4Subnet: "198.18.7.0/24", ipv4Gateway: "198.18.7.1", ipv6Subnet: "2001:db8:f5:3::/64" });
    expect(withDeclared(subnetForSlot(3), { ipv6: "2001:db8:7::/64" })).toMatchObject({ ipv4Subnet: "198.19.131.0/24", ipv6Subnet: "2001:db8:7::/64", ipv6Gateway: "2001:db8:7:0:0:0:0:1" });
  });

  test("endpoint settings only for fixed addresses", () => {
    expect(endpointConfig(undefined)).toBeUndefined();
    expect(endpointConfig({})).toBeUndefined();
    expect(endpointConfig({ ipv4: "198.18.7.10" })).toEqual({ IPAMConfig: { IPv4Address: "198.18.7.10" } });
    expect(endpointConfig({ ipv4: "198.18.7.10", ipv6: "2001:db8:7::10" })).toEqual({ IPAMConfig: { IPv4Address: "198.18.7.10", IPv6Address: "2001:db8:7::10" } });
    // Where fwspec gives IPv6 addresses (lab/ipv6-addresses.ts), the engine gets the IPv4 one only.
    expect(endpointConfig({ ipv4: "198.18.7.10", ipv6: "2001:db8:7::10" }, "fwspec")).toEqual({ IPAMConfig: { IPv4Address: "198.18.7.10" } });
    expect(endpointConfig({ ipv6: "2001:db8:7::10" }, "fwspec")).toBeUndefined();
  });

  test("a declared subnet already on the engine is a LabError naming both", () => {
    const declared = declaredCidrs({ lan: { ipv4: "198.18.7.0/24", ipv6: "2001:db8:7::/64" } });
    expect(declared.map((c) => c.text)).toEqual(["198.18.7.0/24", "2001:db8:7::/64"]);
    expect(() => checkDeclaredFree("x", declared, [{ network: "other", cidr: parseCidr("198.18.8.0/24", "ipv4")! }])).not.toThrow();
    const run = (): void => checkDeclaredFree("x", declared, [{ network: "fwspec-1-y", cidr: parseCidr("198.18.7.128/25", "ipv4")! }]);
    expect(run).toThrow(LabError);
    expect(run).toThrow(/declared subnet 198\.18\.7\.0\/24 overlaps 198\.18\.7\.128\/25 of network fwspec-1-y/);
  });

  test.each([
    [{ run: "3ea6de84", warm: false }, /belongs to a lab kept by run 3ea6de84 \(--keep or --keep-on-failure; kept up to a day\)/, "remove it with `npx fwspec cleanup --run 3ea6de84`, or declare another subnet"],
    [{ run: "3ea6de84", warm: true }, /belongs to a lab left warm by a --reuse run/, "remove it with `npx fwspec cleanup --kept`, or declare another subnet"],
  ])("a declared subnet a kept or warm lab holds is no wait: StuckSubnetError with how to remove it (%j)", (holder, message, hint) => {
    const declared = declaredCidrs({ lan: { ipv4: "198.18.7.0/24" } });
    let error: unknown;
    try {
      checkDeclaredFree("x", declared, [{ network: "fwspec-3ea6de84-wan", cidr: parseCidr("198.18.7.0/24", "ipv4")! }], new Map(), undefined, new Map([["fwspec-3ea6de84-wan", holder]]));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StuckSubnetError);
    expect((error as Error).message).toMatch(message);
    expect((error as StuckSubnetError).hint).toBe(hint);
  });
});

describe("chosenAddresses: the other hosts of a network with fixed addresses", () => {
  const host = (name: string, addresses?: HostSpec["addresses"]): HostSpec => ({ name, firewall: false, listen: [], backend: "nft", ...(addresses ? { addresses } : {}) }) as HostSpec;
  const lan = () => ["lan"];
  test.each<[string, HostSpec[], Record<string, string>]>([
    ["a fixed .2: the others after it", [host("srv", { lan: { ipv4: "198.18.90.2" } }), host("c1"), host("c2")], { c1: "198.18.90.3", c2: "198.18.90.4" }],
    ["fixed .3 and an extra .4: skipped", [host("c1"), host("srv", { lan: { ipv4: "198.18.90.3", extra: ["198.18.90.4"] } }), host("c2")], { c1: "198.18.90.2", c2: "198.18.90.5" }],
    ["no fixed address: the engine's choice", [host("c1"), host("c2")], {}],
    ["only extra addresses: the engine's choice (they are reserved there)", [host("c1", { lan: { extra: ["198.18.90.2"] } }), host("c2")], {}],
  ])("%s", (_, hosts, chosen) => {
    expect(Object.fromEntries(chosenAddresses(hosts, lan, "lan", "198.18.90.0/24", "ipv4"))).toEqual(chosen);
  });
  test("a host on another network is not given one; IPv6 too", () => {
    const hosts = [host("gw", { lan: { ipv6: "2001:db8:90::2" } }), host("c1"), host("far")];
    expect(Object.fromEntries(chosenAddresses(hosts, (h) => (h.name === "far" ? ["wan"] : ["lan"]), "lan", "2001:db8:90::/64", "ipv6"))).toEqual({ c1: "2001:db8:90::3" }); // written as the engine reports it (RFC 5952)
  });
  test("a full subnet leaves the rest to the engine", () => {
    const hosts = [host("a", { lan: { ipv4: "198.18.90.2" } }), ...["b", "c", "d", "e", "f", "g"].map((n) => host(n))];
    expect([...chosenAddresses(hosts, lan, "lan", "198.18.90.0/29", "ipv4").values()]).toEqual(["198.18.90.3", "198.18.90.4", "198.18.90.5", "198.18.90.6"]);
  });
});
