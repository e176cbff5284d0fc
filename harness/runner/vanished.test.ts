/** vanished.ts against a stub lab (canned `ss` and `ip` output): which probes lost their target's listener or address. No Docker. */
import { describe, expect, test } from "vitest";
import type { RunningLab } from "../lab/types.ts";
import type { Verdict } from "../model/types.ts";
import type { Observation } from "../probes/observe.ts";
import { asVanished, vanishedTargets } from "./vanished.ts";

const SS = "tcp LISTEN 0 128 *:8080 *:*\nudp UNCONN 0 0 *:5353 *:*\n";
const IP = JSON.stringify([{ ifname: "lo", addr_info: [{ local: "127.0.0.1" }] }, { ifname: "eth0", addr_info: [{ local: "198.18.0.2" }] }]);

function stubLab(asked: string[]): RunningLab {
  const server = {
    name: "server",
    spec: { name: "server", listen: [{ protocol: "tcp", port: 8080 }, { protocol: "tcp", port: 8081 }, { protocol: "udp", port: 5353 }] },
    exec: async (command: readonly string[]) => {
      asked.push(command.join(" "));
      return { command, exitCode: 0, stdout: command[0] === "ss" ? SS : IP, stderr: "", durationMs: 1 };
    },
  };
  const p1 = { name: "p1", spec: { name: "p1", listen: [] } };
  const hosts = new Map<string, unknown>([["server", server], ["p1", p1]]);
  return { hosts, host: (n: string) => hosts.get(n) } as unknown as RunningLab;
}

const observed = (port: number, verdict: Verdict, address = "198.18.0.2", protocol: "tcp" | "udp" = "tcp"): Observation => ({
  result: { spec: { from: "p1", to: { kind: "host", host: "server" }, port, protocol, family: address.includes(":") ? "ipv6" : "ipv4", timeoutSeconds: 2 }, address, verdict, reason: "", evidence: { command: "", argv: [], exitCode: 1, stdout: "", stderr: "", durationMs: 5 } },
  decidedBy: [],
});

describe("vanishedTargets", () => {
  test.each<[string, Observation, boolean, string | undefined, string[]]>([
    ["refused, its listener gone (ended in the background): an error", observed(8081, "refused"), false, "server's listener tcp/8081 no longer listens", ["ss -H -ltun"]],
    ["refused, its listener there (a REJECT): as observed", observed(8080, "refused"), false, undefined, ["ss -H -ltun"]],
    ["refused, a UDP listener there: as observed", observed(5353, "refused", "198.18.0.2", "udp"), false, undefined, ["ss -H -ltun"]],
    ["refused on a port nothing is declared on: nothing asked", observed(9999, "refused"), false, undefined, []],
    ["dropped, its address gone after the scenario's commands: an error", observed(8080, "dropped", "2001:db8::2"), true, "server no longer holds 2001:db8::2", ["ip -j addr show"]],
    ["dropped, its address held: as observed", observed(8080, "dropped"), true, undefined, ["ip -j addr show"]],
    ["dropped, no command of the scenario ran: nothing asked", observed(8080, "dropped", "2001:db8::2"), false, undefined, []],
    ["open: nothing asked", observed(8081, "open"), true, undefined, []],
  ])("%s", async (_what, o, mayChange, why, asked) => {
    const commands: string[] = [];
    const gone = await vanishedTargets(stubLab(commands), [o], mayChange);
    if (why === undefined) expect(gone.has(o)).toBe(false);
    else expect(gone.get(o)).toContain(why);
    expect(commands).toEqual(asked);
  });

  test("an error keeps what the probe saw and names no deciding rule", () => {
    const o = { ...observed(8081, "refused"), decidedBy: [{ table: "filter", chain: "INPUT", rule: "-A INPUT -j ACCEPT", packets: 1, bytes: 60, host: "server" }] } as unknown as Observation;
    const e = asVanished(o, "gone");
    expect(e.result).toMatchObject({ verdict: "error", reason: "gone", address: "198.18.0.2" });
    expect(e.decidedBy).toEqual([]);
  });
});
