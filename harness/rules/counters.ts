/** Reads every rule of a lab host with its packet and byte counters, IPv4 and IPv6. */
import type { StartedHost } from "../lab/lab.ts";
import type { Family } from "../model/types.ts";
import { parseSave, type SavedRuleset } from "./saved.ts";

export type CounterReading = Readonly<Record<Family, SavedRuleset>>;

export async function readCounters(host: StartedHost): Promise<CounterReading> {
  const [ipv4, ipv6] = await Promise.all([
    host.run(["iptables-save", "-c"], "reading IPv4 counters"),
    host.run(["ip6tables-save", "-c"], "reading IPv6 counters"),
  ]);
  return { ipv4: parseSave(ipv4.stdout, "ipv4"), ipv6: parseSave(ipv6.stdout, "ipv6") };
}
