/**
 * Literal probe targets that are addresses of this machine (e.g. docker0's
 * 198.19.255.1, inside the lab range): refused before any lab starts, since a
 * lab probe must never be aimed at the machine itself. `machineAddressTargets`
 * is pure (the interfaces are an argument); `machineInterfaces` reads them.
 */
import { execFileSync } from "node:child_process";
import { BlockList } from "node:net";
import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";
import type { Scenario, SourceLocation } from "./model.ts";
import type { Diagnostic } from "./diagnostics.ts";
import type { ProbeTarget } from "../model/types.ts";

export type Interfaces = Readonly<Record<string, readonly NetworkInterfaceInfo[] | undefined>>;

/**
 * This machine's addresses by interface: os.networkInterfaces() leaves out
 * interfaces without carrier (docker0 with no container on it), so `ip -j addr`
 * is added when it runs.
 */
export function machineInterfaces(): Interfaces {
  const all: Record<string, NetworkInterfaceInfo[]> = {};
  for (const [name, list] of Object.entries(networkInterfaces())) all[name] = [...(list ?? [])];
  try {
    const out = execFileSync("ip", ["-j", "addr", "show"], { encoding: "utf8", timeout: 5000, stdio: ["ignore", "pipe", "ignore"] });
    for (const link of JSON.parse(out) as { ifname?: string; addr_info?: { family?: string; local?: string }[] }[]) {
      for (const a of link.addr_info ?? []) {
        if (!link.ifname || !a.local || (a.family !== "inet" && a.family !== "inet6")) continue;
        (all[link.ifname] ??= []).push({ address: a.local, family: a.family === "inet" ? "IPv4" : "IPv6" } as NetworkInterfaceInfo);
      }
    }
  } catch {
    // No iproute2 (not Linux): networkInterfaces() is what there is.
  }
  return all;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4");
LOOPBACK.addAddress("::1", "ipv6");

const HINT = "lab probes never go to the machine itself; target a lab host by name, or a lab address that no interface of this machine has";

/** Every probe or hold whose literal target is an address of one of `interfaces`, at its place in the scenario file. */
export function machineAddressTargets(scenarios: readonly Scenario[], interfaces: Interfaces): Diagnostic[] {
  const owners = new Map<string, BlockList>();
  for (const [name, list] of Object.entries(interfaces)) {
    const block = new BlockList();
    for (const i of list ?? []) block.addAddress(i.address.replace(/%.*$/, ""), i.family === "IPv6" ? "ipv6" : "ipv4");
    owners.set(name, block);
  }
  const ownerOf = (address: string): string | undefined => {
    const type = address.includes(":") ? "ipv6" : "ipv4";
    for (const [name, block] of owners) if (block.check(address, type)) return name;
    return undefined;
  };
  const found: Diagnostic[] = [];
  const check = (to: ProbeTarget, location: SourceLocation, held: boolean) => {
    // Loopback is the probing host's own, never the machine's.
    if (to.kind !== "address" || held || LOOPBACK.check(to.address, to.address.includes(":") ? "ipv6" : "ipv4")) return;
    const owner = ownerOf(to.address);
    if (owner === undefined) return;
    found.push({ ...location, message: `probe target ${to.address} is an address of this machine (interface ${owner}); fwspec refuses to probe the machine from a lab`, hint: HINT });
  };
  for (const scenario of scenarios) {
    for (const step of scenario.steps) {
      if (step.kind === "hold") check(step.to, step.location, false);
      // A held expectation repeats its hold's target: the hold is reported.
      if (step.kind === "expect") for (const e of step.expectations) check(e.to, e.location, e.held !== undefined);
    }
  }
  return found;
}
