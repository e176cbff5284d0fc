/**
 * This machine's addresses by interface (read, not decided): what lab probes
 * must never target, and what a lab bridge must not have.
 */
import { execFileSync } from "node:child_process";
import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";

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

