/** Unit tests for declared.ts: declared families in a subnet plan, endpoint settings, clashes with the engine. */
import { describe, expect, test } from "vitest";
import { LabError } from "../errors.ts";
import { parseCidr } from "../model/cidr.ts";
import { subnetForSlot } from "./addresses.ts";
import { checkDeclaredFree, declaredCidrs, endpointConfig, withDeclared } from "./declared.ts";

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
});
