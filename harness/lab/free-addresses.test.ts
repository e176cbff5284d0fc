import { expect, test } from "vitest";
import { parseCidr } from "../model/cidr.ts";
import type { HostSpec } from "../model/types.ts";
import { freeAddresses } from "./free-addresses.ts";

const host = (name: string, addresses?: HostSpec["addresses"]): HostSpec => ({ name, firewall: false, listen: [], backend: "nft", ...(addresses ? { addresses } : {}) }) as HostSpec;
const shown = (m: ReturnType<typeof freeAddresses>) => Object.fromEntries([...m].map(([n, { fixed, value }]) => [n, `${fixed ? "fixed" : "free"} ${value ?? "none"}`]));
const v4 = (last: number) => BigInt((198 << 24) + (18 << 16) + (90 << 8) + last) & 0xffffffffn;

test.each<[string, HostSpec[], string, Record<string, string>]>([
  ["past the gateway, skipping fixed and extra addresses of the family", [host("a"), host("b", { lan: { ipv4: "198.18.90.3", extra: ["198.18.90.4"] } }), host("c")], "198.18.90.0/24", { a: `free ${v4(2)}`, b: `fixed ${v4(3)}`, c: `free ${v4(5)}` }],
  ["a /30 has one address past its gateway: never the broadcast one", [host("a"), host("b")], "198.18.90.0/30", { a: `free ${v4(2)}`, b: "free none" }],
])("%s", (_, hosts, subnet, expected) => {
  expect(shown(freeAddresses(hosts, "lan", parseCidr(subnet, "ipv4")!))).toEqual(expected);
});
