/** Unit tests (table-driven, no Docker) for targets.ts. */
import { describe, expect, test } from "vitest";
import { allowedTarget, ipv6Groups, targetRefusal } from "./targets.ts";

describe("targetRefusal: only 198.18.0.0/15, 2001:db8::/32 and loopback", () => {
  test.each([
    ["198.18.0.1"],
    ["198.19.255.254"],
    ["198.18.4.0"],
    ["127.0.0.1"],
    ["127.1.2.3"],
    ["::1"],
    ["0:0:0:0:0:0:0:1"],
    ["2001:db8::1"],
    ["2001:DB8::9"],
    ["2001:0db8:0:0:0:0:0:9"],
    ["2001:db8:f5:a::2"],
    ["2001:db8::198.18.0.1"],
  ])("allows %s", (address) => {
    expect(targetRefusal(address)).toBeUndefined();
    expect(allowedTarget(address)).toBe(true);
  });

  test.each([
    ["8.8.8.8", /internet/],
    ["198.20.0.1", /internet/],
    ["198.17.255.254", /internet/],
    ["10.0.0.1", /private.*10\.0\.0\.0\/8/],
    ["172.16.5.4", /private/],
    ["192.168.1.1", /private/],
    ["100.64.0.1", /shared/],
    ["169.254.169.254", /link-local.*metadata/],
    ["0.0.0.0", /unspecified/],
    ["0.1.2.3", /unspecified/],
    ["255.255.255.255", /broadcast/],
    ["198.18.3.255", /broadcast/],
    ["198.19.255.255", /broadcast/],
    ["127.255.255.255", /broadcast/],
    ["224.0.0.1", /multicast/],
    ["239.255.255.250", /multicast/],
    ["240.0.0.1", /reserved/],
    ["::", /unspecified/],
    ["::0", /unspecified/],
    ["::ffff:8.8.8.8", /IPv4-mapped form of 8\.8\.8\.8/],
    ["::ffff:127.0.0.1", /IPv4-mapped form of 127\.0\.0\.1/],
    ["::ffff:198.18.0.1", /IPv4-mapped/],
    ["::ffff:808:808", /IPv4-mapped form of 8\.8\.8\.8/],
    ["::ffff:0:8.8.8.8", /IPv4-translated form of 8\.8\.8\.8/],
    ["::8.8.8.8", /IPv4-compatible form of 8\.8\.8\.8/],
    ["::2", /IPv4-compatible/],
    ["64:ff9b::8.8.8.8", /NAT64 form of 8\.8\.8\.8/],
    ["64:ff9b:1::808:808", /NAT64/],
    ["2002:808:808::1", /6to4 form of 8\.8\.8\.8/],
    ["2001:0:4136:e378::1", /Teredo/],
    ["2001:4860::1", /internet/],
    ["2001:db9::1", /internet/],
    ["fe80::1", /link-local/],
    ["febf::1", /link-local/],
    ["fe80::1%eth0", /zone index/],
    ["ff02::1", /multicast/],
    ["fd00::1", /unique local/],
    ["fc00::1", /unique local/],
    ["localhost", /not an IPv4 or IPv6/],
    ["010.0.0.1", /not an IPv4 or IPv6/],
    ["198.18.0.1.", /not an IPv4 or IPv6/],
  ])("refuses %s", (address, reason) => {
    expect(targetRefusal(address)?.reason).toMatch(reason);
    expect(allowedTarget(address)).toBe(false);
  });
});

describe("ipv6Groups", () => {
  test.each([
    ["::", [0, 0, 0, 0, 0, 0, 0, 0]],
    ["::1", [0, 0, 0, 0, 0, 0, 0, 1]],
    ["2001:db8::9", [0x2001, 0xdb8, 0, 0, 0, 0, 0, 9]],
    ["1:2:3:4:5:6:7::", [1, 2, 3, 4, 5, 6, 7, 0]],
    ["::ffff:1.2.3.4", [0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]],
    ["1:2:3:4:5:6:1.2.3.4", [1, 2, 3, 4, 5, 6, 0x102, 0x304]],
  ] as const)("%s", (text, groups) => {
    expect(ipv6Groups(text)).toEqual(groups);
  });
  test.each([["1::2::3"], [":1"], ["1:2:3:4:5:6:7:8:9"], ["1:2:3:4:5:6:7"], ["12345::"], ["::1.2.3"], ["g::1"]])("rejects %s", (text) => {
    expect(ipv6Groups(text)).toBeUndefined();
  });
});
