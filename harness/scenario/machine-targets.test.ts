/** Unit tests (table-driven, no Docker) for machine-targets.ts. */
import type { NetworkInterfaceInfo } from "node:os";
import { describe, expect, it } from "vitest";
import type { Expectation, Scenario, Step } from "./model.ts";
import { machineAddressTargets } from "./machine-targets.ts";

const at = (line: number) => ({ file: "/s/x.yaml", line, column: 9 });
const nic = (address: string, family: "IPv4" | "IPv6"): NetworkInterfaceInfo =>
  ({ address, family, netmask: "", mac: "02:42:00:00:00:01", internal: false, cidr: null }) as NetworkInterfaceInfo;
const interfaces = {
  docker0: [nic("198.19.255.1", "IPv4")],
  "br-0123456789ab": [nic("2001:db8:f5:7::1", "IPv6"), nic("fe80::42:1", "IPv6")],
  eth0: [nic("192.0.2.2", "IPv4")],
  lo: [nic("127.0.0.1", "IPv4"), nic("::1", "IPv6")],
};

function expectation(address: string, line: number, held?: string): Expectation {
  return { ...(held ? { held } : {}), from: "remote", to: { kind: "address", address }, port: 22, protocol: "tcp", families: [address.includes(":") ? "ipv6" : "ipv4"], expected: "dropped", text: "", location: at(line) };
}
function scenario(steps: Step[]): Scenario {
  return { file: "/s/x.yaml", name: "x", description: "", hosts: [], steps, timeoutSeconds: 2 };
}
const expect_ = (...expectations: Expectation[]): Step => ({ kind: "expect", expectations, location: at(1) });

describe("machineAddressTargets", () => {
  it.each<[string, Step[], string[]]>([
    ["docker0's address", [expect_(expectation("198.19.255.1", 7))], ["7 198.19.255.1 docker0"]],
    ["a bridge's IPv6 address written another way", [expect_(expectation("2001:db8:f5:7:0::1", 8))], ["8 2001:db8:f5:7:0::1 br-0123456789ab"]],
    ["IPv4-mapped form of docker0's address", [expect_(expectation("::ffff:198.19.255.1", 9))], ["9 ::ffff:198.19.255.1 docker0"]],
    ["loopback is the probing host's own", [expect_(expectation("127.0.0.1", 3), expectation("::1", 4), expectation("::ffff:127.0.0.1", 5))], []],
    ["lab addresses and host names are fine", [expect_(expectation("198.18.4.3", 3), { ...expectation("x", 4), to: { kind: "host", host: "server" } })], []],
    ["a hold to the machine; its held expectation is not reported twice", [
      { kind: "hold", name: "s", from: "remote", to: { kind: "address", address: "198.19.255.1" }, port: 22, protocol: "tcp", family: "ipv4", location: at(5) },
      expect_(expectation("198.19.255.1", 6, "s")),
    ], ["5 198.19.255.1 docker0"]],
  ])("%s", (_name, steps, expected) => {
    const found = machineAddressTargets([scenario(steps)], interfaces);
    expect(found.map((d) => `${d.line} ${/target (\S+)/.exec(d.message)![1]} ${/interface (\S+)\)/.exec(d.message)![1]}`)).toEqual(expected);
    for (const d of found) expect(d.file).toBe("/s/x.yaml");
  });
});
