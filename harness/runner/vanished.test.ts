/** vanished.ts against a stub lab (canned `ss` and `ip` output): which probes lost their target's address or listener. No Docker. */
import { describe, expect, test } from "vitest";
import type { RunningLab } from "../lab/types.ts";
import type { ProbeSpec, Verdict } from "../model/types.ts";
import type { Decision } from "../model/results.ts";
import type { Observation } from "../probes/observe.ts";
import { asVanished, deadListeners, goneAddresses } from "./vanished.ts";

const SS = "tcp LISTEN 0 128 *:8080 *:*\nudp UNCONN 0 0 *:5353 *:*\n";
/** lo up; eth0 up with the server's IPv4 address; eth1 down, holding an address still (IPv4 stays on a link set down). */
const IP = JSON.stringify([
  { ifname: "lo", flags: ["LOOPBACK", "UP", "LOWER_UP"], addr_info: [{ local: "127.0.0.1" }] },
  { ifname: "eth0", flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], addr_info: [{ local: "198.18.0.2" }] },
  { ifname: "eth1", flags: ["BROADCAST", "MULTICAST"], addr_info: [{ local: "198.18.1.2" }] },
  { ifname: "eth2", flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], linkinfo: { info_slave_kind: "bridge" }, addr_info: [{ local: "198.18.2.2" }] },
  { ifname: "eth3", flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], linkinfo: { info_slave_kind: "vrf" }, addr_info: [{ local: "198.18.3.2" }] },
]);

function stubLab(asked: string[], serverOn = "lan"): RunningLab {
  const addresses: Record<string, { ipv4: string; ipv6: string }> = { lan: { ipv4: "198.18.0.2", ipv6: "2001:db8::2" }, dmz: { ipv4: "198.18.1.2", ipv6: "2001:db8:1::2" }, br: { ipv4: "198.18.2.2", ipv6: "2001:db8:2::2" }, vrf: { ipv4: "198.18.3.2", ipv6: "2001:db8:3::2" } };
  const server = {
    name: "server",
    networks: [serverOn],
    spec: { name: "server", listen: [{ protocol: "tcp", port: 8080 }, { protocol: "tcp", port: 8081 }, { protocol: "udp", port: 5353 }] },
    addressOn: (n: string, f: "ipv4" | "ipv6") => addresses[n]?.[f],
    exec: async (command: readonly string[]) => {
      asked.push(command.join(" "));
      return { command, exitCode: 0, stdout: command[0] === "ss" ? SS : IP, stderr: "", durationMs: 1 };
    },
  };
  // The prober: its own address and one extra (198.18.0.98) up; 198.18.0.99 is not there (removed).
  const P1_IP = JSON.stringify([{ ifname: "eth0", flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"], addr_info: [{ local: "198.18.0.3" }, { local: "198.18.0.98" }] }]);
  const p1 = {
    name: "p1", networks: [serverOn], spec: { name: "p1", listen: [] }, addressOn: () => undefined,
    exec: async (command: readonly string[]) => {
      asked.push(`p1: ${command.join(" ")}`);
      return { command, exitCode: 0, stdout: P1_IP, stderr: "", durationMs: 1 };
    },
  };
  const hosts = new Map<string, unknown>([["server", server], ["p1", p1]]);
  return { hosts, host: (n: string) => hosts.get(n), addressFor: (_f: unknown, to: { addressOn: (n: string, f: string) => string }, f: string) => to.addressOn(serverOn, f) } as unknown as RunningLab;
}

const spec = (port: number, family: "ipv4" | "ipv6" = "ipv4", protocol: "tcp" | "udp" = "tcp"): ProbeSpec => ({ from: "p1", to: { kind: "host", host: "server" }, port, protocol, family, timeoutSeconds: 2 });
const observed = (port: number, verdict: Verdict, decision?: Pick<Decision, "action">, protocol: "tcp" | "udp" = "tcp"): Observation => ({
  result: { spec: spec(port, "ipv4", protocol), address: "198.18.0.2", verdict, reason: "", evidence: { command: "", argv: [], exitCode: 1, stdout: "", stderr: "", durationMs: 5 } },
  decidedBy: [],
  ...(decision ? { decision: decision as Decision } : {}),
});

describe("goneAddresses", () => {
  test.each<[string, ProbeSpec, string, string | undefined]>([
    ["its address held on a link that is up: sent", spec(8080), "lan", undefined],
    ["its IPv6 address removed: an error, not sent", spec(8080, "ipv6"), "lan", "server no longer holds 2001:db8::2 on a link that is up"],
    ["its address on a link set down: an error", spec(8080), "dmz", "server no longer holds 198.18.1.2 on a link that is up"],
    ["its address left on a bridge's port (reviewer 39): an error", spec(8080), "br", "server no longer holds 198.18.2.2"],
    ["its address on a VRF's port: sent", spec(8080), "vrf", undefined],
  ])("%s", async (_what, s, net, why) => {
    const asked: string[] = [];
    const gone = await goneAddresses(stubLab(asked, net), [s]);
    if (why === undefined) expect(gone.size).toBe(0);
    else expect(gone.get(0)).toMatchObject({ verdict: "error", reason: expect.stringContaining(why) });
    expect(asked).toEqual(["ip -j -d addr show"]);
  });

  // Tester 39b: the tool's own bind error ("Cannot assign requested address") was all such a probe said.
  test.each<[string, string, string | undefined]>([
    ["a source address the prober holds: sent", "198.18.0.98", undefined],
    ["a source address the prober no longer holds: an error, not sent", "198.18.0.99", "p1 no longer holds 198.18.0.99, the source address this probe leaves from, on a link that is up"],
  ])("%s", async (_what, source, why) => {
    const asked: string[] = [];
    const gone = await goneAddresses(stubLab(asked), [{ ...spec(8080), source }]);
    if (why === undefined) expect(gone.size).toBe(0);
    else expect(gone.get(0)).toMatchObject({ verdict: "error", address: "198.18.0.2", reason: expect.stringContaining(why) });
    expect(asked.sort()).toEqual(["ip -j -d addr show", "p1: ip -j -d addr show"]);
  });

  test("its source and its target both gone: told of its source, whichever host answers first (reviewer 40)", async () => {
    const asked: string[] = [];
    const gone = await goneAddresses(stubLab(asked, "dmz"), [{ ...spec(8080), source: "198.18.0.99" }, spec(8080)]);
    expect(gone.get(0)?.reason).toMatch(/^p1 no longer holds 198\.18\.0\.99, the source address/);
    expect(gone.get(1)?.reason).toMatch(/^server no longer holds 198\.18\.1\.2 on a link that is up/);
    expect(asked.sort()).toEqual(["ip -j -d addr show", "p1: ip -j -d addr show"]);
  });

  test("a loopback target, or a literal address no lab host has: nothing asked", async () => {
    const asked: string[] = [];
    expect((await goneAddresses(stubLab(asked), [{ ...spec(8080), to: { kind: "localhost" } }, { ...spec(8080), to: { kind: "address", address: "127.0.0.1" } }, { ...spec(8080), to: { kind: "address", address: "198.18.0.9" } }])).size).toBe(0);
    expect(asked).toEqual([]);
  });

  test("a literal address a lab host has, removed since (tester 39b): an error", async () => {
    const asked: string[] = [];
    const gone = await goneAddresses(stubLab(asked), [{ ...spec(8080, "ipv6"), to: { kind: "address", address: "2001:db8::2" } }]);
    expect(gone.get(0)).toMatchObject({ verdict: "error", reason: expect.stringContaining("server no longer holds 2001:db8::2") });
    expect(asked).toEqual(["ip -j -d addr show"]);
  });
});

describe("deadListeners", () => {
  test.each<[string, Observation, string | undefined, string[]]>([
    ["refused, its listener gone, no rule refused it: an error", observed(8081, "refused", { action: "accept" }), "server's listener tcp/8081 no longer listens", ["ss -H -ltun"]],
    ["refused, its listener gone, nothing named: an error", observed(8081, "refused"), "server's listener tcp/8081 no longer listens", ["ss -H -ltun"]],
    ["refused by a REJECT rule: as observed, nothing asked (the rule's answer)", observed(8081, "refused", { action: "reject" }), undefined, []],
    ["refused, its listener there: as observed", observed(8080, "refused"), undefined, ["ss -H -ltun"]],
    ["refused, a UDP listener there: as observed", observed(5353, "refused", undefined, "udp"), undefined, ["ss -H -ltun"]],
    ["refused on a port nothing is declared on: nothing asked", observed(9999, "refused"), undefined, []],
    ["open: nothing asked", observed(8081, "open"), undefined, []],
  ])("%s", async (_what, o, why, asked) => {
    const commands: string[] = [];
    const dead = await deadListeners(stubLab(commands), [o]);
    if (why === undefined) expect(dead.has(o)).toBe(false);
    else expect(dead.get(o)).toContain(why);
    expect(commands).toEqual(asked);
  });

  test("an error keeps what the probe saw and the counters that moved, and names no deciding rule", () => {
    const o = { ...observed(8081, "refused", { action: "accept" }), decidedBy: [{ table: "filter", chain: "INPUT", rule: "-A INPUT -j ACCEPT", packets: 1, bytes: 60, host: "server" }] } as unknown as Observation;
    const e = asVanished(o, "gone");
    expect(e.result).toMatchObject({ verdict: "error", reason: "gone", address: "198.18.0.2" });
    expect(e.decidedBy).toEqual(o.decidedBy);
    expect(e.decision).toBeUndefined();
  });
});
