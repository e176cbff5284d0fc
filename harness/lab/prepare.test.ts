/**
 * The warm-up pings (prepare.ts warmNeighbours): every host pings each peer
 * it shares a network with, over IPv4 only (IPv6 neighbour discovery is
 * ICMPv6, which the rules under test may drop), and no other: a peer on another
 * network would be pinged through the engine's unanswered gateway address and
 * cost the ping's whole second at every lab start, handoff and reboot.
 */
import { describe, expect, it, test } from "vitest";
import { tentativeCommand, onLinkPeers, warmNeighbours } from "./prepare.ts";
import type { LabHost, RunningLab } from "./types.ts";

/** Hosts by name → networks; each host's address on a network is `<host>.<network>`. */
function fakeLab(layout: Record<string, readonly string[]>) {
  const pinged = new Map<string, string[]>();
  const hosts = new Map(Object.entries(layout).map(([name, networks]) => [name, {
    name,
    networks,
    exec: async (command: readonly string[]) => {
      pinged.set(name, command.slice(4) as string[]);
      return { exitCode: 0, stdout: "", stderr: "" };
    },
  } as unknown as LabHost]));
  const addressFor = (from: LabHost, to: LabHost, family: string) => `${to.name}.${to.networks.find((n) => from.networks.includes(n)) ?? to.networks[0]}.${family}`;
  return { lab: { hosts, addressFor } as unknown as Pick<RunningLab, "hosts" | "addressFor">, pinged };
}

describe("warmNeighbours", () => {
  it("two networks, no router: each client pings the server only, the server both", async () => {
    const { lab, pinged } = fakeLab({ server: ["public", "internal"], remote: ["public"], inside: ["internal"] });
    await warmNeighbours(lab);
    expect(pinged.get("remote")).toEqual(["server.public.ipv4"]);
    expect(pinged.get("inside")).toEqual(["server.internal.ipv4"]);
    expect(pinged.get("server")).toEqual(["remote.public.ipv4", "inside.internal.ipv4"]);
  });

  it("one network: every peer", async () => {
    const { lab, pinged } = fakeLab({ a: ["lan"], b: ["lan"], c: ["lan"] });
    await warmNeighbours(lab);
    expect(pinged.get("a")).toEqual(["b.lan.ipv4", "c.lan.ipv4"]);
  });

  it("a host alone on its network sends nothing", async () => {
    const { lab, pinged } = fakeLab({ a: ["lan"], b: ["dmz"] });
    await warmNeighbours(lab);
    expect(pinged.size).toBe(0);
  });
});

describe("onLinkPeers", () => {
  it.each([
    ["shares one network", ["lan"], [["lan", "dmz"]], 1],
    ["shares none", ["lan"], [["dmz"]], 0],
    ["itself excluded", ["lan"], [], 0],
  ] as const)("%s", (_name, own, others, count) => {
    const me = { networks: own };
    expect(onLinkPeers(me, [me, ...others.map((networks) => ({ networks }))])).toHaveLength(count);
  });
});

describe("tentativeCommand: which IPv6 addresses a host's readiness waits for", () => {
  test.each<[string, { router?: boolean; networks?: readonly string[] }, string]>([
    ["a host on one network: its global addresses", { networks: ["lan"] }, "ip -6 -o addr show scope global tentative"],
    ["a router: its link-local ones too (it solicits neighbours from them for what it forwards)", { router: true, networks: ["lan", "wan"] }, "ip -6 -o addr show tentative"],
    ["a host of several networks: its link-local ones too", { networks: ["lan", "wan"] }, "ip -6 -o addr show tentative"],
  ])("%s", (_, spec, command) => {
    expect(tentativeCommand(spec).join(" ")).toBe(command);
  });
});
