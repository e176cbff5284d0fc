/** Unit tests (table-driven, no Docker) for address.ts. */
import { describe, expect, it } from "vitest";
import type { Family } from "../model/types.ts";
import { formatIPv6, isAnyAddress, normalizeAddress, parseIPv6 } from "./address.ts";

describe("normalizeAddress", () => {
  it.each<[Family, string, string]>([
    ["ipv4", "127.0.0.1", "127.0.0.1/32"],
    ["ipv4", "127.0.0.1/32", "127.0.0.1/32"],
    ["ipv4", "10.0.0.0/8", "10.0.0.0/8"],
    ["ipv4", "10.0.0.0/255.0.0.0", "10.0.0.0/8"],
    ["ipv4", "10.1.2.3/8", "10.0.0.0/8"],
    ["ipv4", "192.168.1.77/255.255.255.0", "192.168.1.0/24"],
    ["ipv4", "10.0.0.0/255.0.255.0", "10.0.0.0/255.0.255.0"],
    ["ipv4", "0.0.0.0/0", "0.0.0.0/0"],
    ["ipv4", "010.0.0.1", "10.0.0.1/32"],
    ["ipv4", "localhost", "localhost"],
    ["ipv4", "Example.COM", "example.com"],
    ["ipv4", "::1", "::1"],
    ["ipv4", "1.2.3.4,5.6.7.8", "1.2.3.4/32,5.6.7.8/32"],
    ["ipv6", "::1", "::1/128"],
    ["ipv6", "::1/128", "::1/128"],
    ["ipv6", "0:0:0:0:0:0:0:1", "::1/128"],
    ["ipv6", "2001:DB8:0:0:0:0:0:1", "2001:db8::1/128"],
    ["ipv6", "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1/128"],
    ["ipv6", "2001:db8::1/64", "2001:db8::/64"],
    ["ipv6", "2001:db8::/ffff:ffff::", "2001:db8::/32"],
    ["ipv6", "fe80:0:0:0:1:0:0:0", "fe80::1:0:0:0/128"],
    ["ipv6", "fe80:0:0:1:0:0:0:0", "fe80:0:0:1::/128"],
    ["ipv6", "::", "::/128"],
    ["ipv6", "::/0", "::/0"],
    ["ipv6", "::ffff:10.0.0.1", "::ffff:10.0.0.1/128"],
    ["ipv6", "2001:db8::1%eth0", "2001:db8::1%eth0"],
    ["ipv6", "127.0.0.1", "127.0.0.1"],
  ])("%s %s -> %s", (family, input, expected) => {
    expect(normalizeAddress(input, family)).toBe(expected);
  });

  it.each([
    ["1::2::3", null],
    ["12345::", null],
    ["1:2:3:4:5:6:7:8:9", null],
    ["1:2:3:4:5:6:7", null],
    ["g::", null],
    ["1:2:3:4:5:6:7:8", [1, 2, 3, 4, 5, 6, 7, 8]],
    ["::ffff:1.2.3.4", [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]],
  ])("parseIPv6 %s", (input, words) => {
    expect(parseIPv6(input)).toEqual(words);
  });

  it.each([
    [[0, 0, 0, 0, 0, 0, 0, 0], "::"],
    [[0, 0, 0, 0, 0, 0, 0, 1], "::1"],
    [[1, 0, 0, 0, 0, 0, 0, 0], "1::"],
    [[1, 0, 2, 0, 0, 3, 0, 0], "1:0:2::3:0:0"],
    [[1, 2, 3, 4, 5, 6, 7, 0], "1:2:3:4:5:6:7:0"],
    [[0, 0, 0, 0, 0, 0, 0x0a00, 1], "::10.0.0.1"],
  ])("formatIPv6 %j -> %s", (words, text) => {
    expect(formatIPv6(words)).toBe(text);
  });

  it.each([
    ["0.0.0.0/0", true],
    ["::/0", true],
    ["0.0.0.0/32", false],
  ])("isAnyAddress %s", (text, any) => {
    expect(isAnyAddress(text)).toBe(any);
  });
});
