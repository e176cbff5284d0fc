/** Unit tests (no Docker) for literal targets: which are literal, and the addresses `ip -j addr show` lists. */
import { describe, expect, test } from "vitest";
import { addressesIn, literalTarget } from "./literal-targets.ts";

describe("literal targets", () => {
  test.each<[string, Parameters<typeof literalTarget>[0]["to"], string | undefined]>([
    ["a lab address", { kind: "address", address: "198.18.0.99" }, "198.18.0.99"],
    ["an IPv6 lab address", { kind: "address", address: "2001:db8::99" }, "2001:db8::99"],
    ["IPv4 loopback: the prober's own", { kind: "address", address: "127.0.0.1" }, undefined],
    ["any of 127.0.0.0/8", { kind: "address", address: "127.1.2.3" }, undefined],
    ["IPv6 loopback", { kind: "address", address: "::1" }, undefined],
    ["::1 written long", { kind: "address", address: "0:0:0:0:0:0:0:1" }, undefined],
    ["a host", { kind: "host", host: "server" }, undefined],
    ["localhost", { kind: "localhost" }, undefined],
  ])("%s", (_what, to, want) => {
    expect(literalTarget({ to })).toBe(want);
  });

  test("addresses of `ip -j addr show`, and nothing from output that is not its JSON", () => {
    const out = JSON.stringify([{ ifname: "lo", addr_info: [{ local: "127.0.0.1" }, { local: "::1" }] }, { ifname: "eth0", addr_info: [{ local: "198.18.0.77", prefixlen: 24 }, { family: "inet6" }] }, { ifname: "eth1" }]);
    expect(addressesIn(out)).toEqual(["127.0.0.1", "::1", "198.18.0.77"]);
    expect(addressesIn("Object \"-j\" is unknown")).toEqual([]);
    expect(addressesIn('{"a":1}')).toEqual([]);
  });
});
