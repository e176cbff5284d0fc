/**
 * Literal probe targets that are addresses of this machine (e.g. docker0's
 * 198.19.255.1, inside the lab range): refused before any lab starts, since a
 * lab probe must never be aimed at the machine itself. `machineAddressTargets`
 * is pure (the interfaces are an argument, read by env/interfaces.ts).
 */
import { BlockList } from "node:net";
import type { Interfaces } from "../env/interfaces.ts";
import type { Scenario, SourceLocation } from "./model.ts";
import type { Diagnostic } from "./diagnostics.ts";
export { type Interfaces, machineInterfaces } from "../env/interfaces.ts";
import type { ProbeTarget } from "../model/types.ts";

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
