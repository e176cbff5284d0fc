/** Unit tests for routes.ts: the machine's route tables as CIDRs. */
import { describe, expect, test } from "vitest";
import { overlaps, parseCidr } from "../model/cidr.ts";
import { parseIPv4Routes, parseIPv6Routes } from "./routes.ts";

const V4 = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth1\t000712C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;
const V6 = `20010db8000700000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth1
00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 00000400 00000001 00000000 00200200       lo
`;

describe("machine routes", () => {
  test("IPv4: the default route is left out, others are CIDRs", () => {
    const r = parseIPv4Routes(V4);
    expect(r.map((x) => x.description)).toEqual(["198.18.7.0/24 dev eth1"]);
    expect(overlaps(r[0]!.cidr, parseCidr("198.18.7.0/25", "ipv4")!)).toBe(true);
    expect(overlaps(r[0]!.cidr, parseCidr("198.18.8.0/24", "ipv4")!)).toBe(false);
  });
  test("IPv6", () => {
    const r = parseIPv6Routes(V6);
    expect(r.map((x) => x.description)).toEqual(["2001:0db8:0007:0000:0000:0000:0000:0000/64 dev eth1"]);
    expect(overlaps(r[0]!.cidr, parseCidr("2001:db8:7::/65", "ipv6")!)).toBe(true);
  });
});
