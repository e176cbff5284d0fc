/**
 * This machine's addresses by interface (read, not decided): what lab probes
 * must never target, and what a lab bridge must not have.
 */
import { execFile, execFileSync } from "node:child_process";
import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";
import { promisify } from "node:util";

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
    addIpAddresses(all, execFileSync("ip", ["-j", "addr", "show"], { encoding: "utf8", timeout: 5000, stdio: ["ignore", "pipe", "ignore"] }));
  } catch {
    // No iproute2 (not Linux): networkInterfaces() is what there is.
  }
  return all;
}

/** `ip -j addr show` output's addresses added to `all` (by interface name). */
function addIpAddresses(all: Record<string, NetworkInterfaceInfo[]>, out: string): void {
  for (const link of JSON.parse(out) as { ifname?: string; addr_info?: { family?: string; local?: string }[] }[]) {
    for (const a of link.addr_info ?? []) {
      if (!link.ifname || !a.local || (a.family !== "inet" && a.family !== "inet6")) continue;
      (all[link.ifname] ??= []).push({ address: a.local, family: a.family === "inet" ? "IPv4" : "IPv6" } as NetworkInterfaceInfo);
    }
  }
}

/**
 * One interface's addresses, read without blocking (`ip -j addr show dev
 * NAME`; a lab start reads its bridge's while other labs' commands run). A
 * failed reading throws, iproute2 missing included (what Node sees leaves out
 * an interface that is not up, as a new bridge is): it proves nothing about
 * the addresses.
 */
export async function interfaceAddresses(name: string): Promise<Interfaces> {
  const out = (await promisify(execFile)("ip", ["-j", "addr", "show", "dev", name], { encoding: "utf8", timeout: 5000 })).stdout;
  const all: Record<string, NetworkInterfaceInfo[]> = {};
  addIpAddresses(all, out);
  return all;
}

