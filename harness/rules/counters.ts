/** Reads every rule of a lab host with its packet and byte counters, IPv4 and IPv6. */
import type { StartedHost } from "../lab/lab.ts";
import type { Family } from "../model/types.ts";
import { parseSave, type SavedRuleset } from "./saved.ts";

export type CounterReading = Readonly<Record<Family, SavedRuleset>>;

/** One family's rules with counters (half the work of readCounters). */
export async function readFamilyCounters(host: StartedHost, family: Family): Promise<SavedRuleset> {
  const r = await host.run([family === "ipv4" ? "iptables-save" : "ip6tables-save", "-c"], `reading ${family} counters`);
  return parseSave(r.stdout, family);
}

export async function readCounters(host: StartedHost): Promise<CounterReading> {
  const [ipv4, ipv6] = await Promise.all([
    host.run(["iptables-save", "-c"], "reading IPv4 counters"),
    host.run(["ip6tables-save", "-c"], "reading IPv6 counters"),
  ]);
  return { ipv4: parseSave(ipv4.stdout, "ipv4"), ipv6: parseSave(ipv6.stdout, "ipv6") };
}
