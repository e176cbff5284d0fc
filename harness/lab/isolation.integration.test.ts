/**
 * Lab hosts cannot open a connection to the machine: a listener on the machine
 * (dual stack, every address) is tried from a lab host with NET_ADMIN (the
 * worst case) at every machine address such a host can learn or aim at, on
 * both families, plainly and with a static neighbour entry for the bridge's
 * MAC plus a host route. Only 198.18.0.0/15, 2001:db8::/32 and fe80::/10 are
 * ever targeted.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { machineInterfaces } from "../scenario/machine-targets.ts";
import { firewallHost, peer, startTestLab } from "../testing/lab.ts";
import { inBenchmarkRange, inDocumentationRange } from "./addresses.ts";
import { bridgeName } from "./isolation.ts";
import type { StartedLab } from "./lab.ts";

let lab: StartedLab;
let server: Server;
let udp: Socket;
let port = 0;
let udpPort = 0;
const accepted: string[] = [];
/** One-way packets count too: a UDP datagram that arrives is a packet the machine took. */
const datagrams: string[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    accepted.push(`${socket.remoteAddress} -> ${socket.localAddress}`);
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "::", port: 0, ipv6Only: false }, resolve);
  });
  port = (server.address() as { port: number }).port;
  udp = createSocket({ type: "udp6", ipv6Only: false });
  udp.on("message", (_msg, from) => datagrams.push(from.address));
  await new Promise<void>((resolve) => udp.bind({ address: "::", port: 0 }, resolve));
  udpPort = udp.address().port;
  lab = await startTestLab("isolation-it", [firewallHost("attacker", []), peer("other")]);
});

afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
  await new Promise((resolve) => server?.close(resolve));
  udp?.close();
});

/** fe80::/64 address of a MAC (EUI-64), as the kernel derives it by default. */
function linkLocalOf(mac: string): string {
  const b = mac.split(":").map((h) => parseInt(h, 16));
  b[0]! ^= 0x02;
  const words = [(b[0]! << 8) | b[1]!, (b[2]! << 8) | 0xff, (0xfe << 8) | b[3]!, (b[4]! << 8) | b[5]!];
  return `fe80::${words.map((w) => w.toString(16)).join(":")}`;
}

const linkLocal = (a: string) => /^fe[89ab][0-9a-f]:/i.test(a);
const allowed = (a: string) => inBenchmarkRange(a) || inDocumentationRange(a) || linkLocal(a);

/**
 * Connects (nc -z -w 1) to every address at once and sends each a UDP datagram;
 * the list of those that connected.
 */
async function connected(addresses: readonly string[]): Promise<string[]> {
  for (const a of addresses) expect(allowed(a), `never target ${a}`).toBe(true);
  const script =
    'p=$1; u=$2; shift 2; for a in "$@"; do ( nc -z -w 1 "$a" "$p" >/dev/null 2>&1 && echo "$a" ) & ( echo x | nc -u -w 1 "$a" "$u" >/dev/null 2>&1 ) & done; wait';
  const r = await lab.host("attacker").exec(["sh", "-c", script, "try", String(port), String(udpPort), ...addresses.map((a) => (linkLocal(a) ? `${a}%eth0` : a))]);
  return r.stdout.split("\n").filter(Boolean);
}

describe("lab hosts cannot reach the machine", () => {
  it("a name outside the lab is asked of the host's own loopback, never of the machine's resolver (tester 44d)", async () => {
    // A listener on the host's loopback port 53 receives what the engine's DNS forwards for a name it does not know.
    // The lookup gets no answer from it: bounded; the listener ends after the one datagram it takes.
    const script = "nc -u -l -W 1 127.0.0.1 53 > /tmp/dns-asked & sleep 0.3; timeout 3 getent hosts fwspec-lookup.invalid; cat /tmp/dns-asked";
    const r = await lab.host("attacker").exec(["timeout", "20", "sh", "-c", script]);
    expect(r.stdout).toContain("fwspec-lookup");
  });

  it("no machine address answers, on either family, even with a static neighbour and route to the bridge", async () => {
    const docker = await connectEngine();
    const net = await docker.getNetwork(lab.network.id).inspect();
    const engineGateways: string[] = (net.IPAM?.Config ?? []).map((c: { Gateway?: string }) => c.Gateway ?? "").filter(Boolean);
    expect(engineGateways).toContain(lab.network.plan.ipv4Gateway);
    // Where fwspec gives IPv6 addresses the engine's network has no IPv6 gateway (lab/ipv6-addresses.ts): the address a host would guess is tried all the same.
    const gateways = [...new Set([...engineGateways, lab.network.plan.ipv6Gateway])];
    const bridge = bridgeName(lab.network.id);
    const macOf = (dev: string) => readFileSync(`/sys/class/net/${dev}/address`, "utf8").trim();
    const mac = macOf(bridge);
    const interfaces = machineInterfaces();
    // Address -> the MAC a lab host would send it to: the bridge's, or (link-local of a bridge port) the port's.
    const targets = new Map<string, string>();
    for (const a of [...gateways, linkLocalOf(mac), "198.19.255.1"]) targets.set(a, mac);
    for (const [name, list] of Object.entries(interfaces)) {
      for (const i of list ?? []) {
        if (inBenchmarkRange(i.address) || inDocumentationRange(i.address) || (name === bridge && linkLocal(i.address))) targets.set(i.address, mac);
      }
    }
    for (const port of readdirSync(`/sys/class/net/${bridge}/brif`)) {
      targets.set(linkLocalOf(macOf(port)), macOf(port));
      for (const i of interfaces[port] ?? []) if (linkLocal(i.address)) targets.set(i.address, macOf(port));
    }
    expect(targets.size).toBeGreaterThanOrEqual(6);

    // Plain: what any lab host could try.
    const plain = await connected([...targets.keys()]);

    // Worst case: a static neighbour entry for every target, a host route to those off the lab subnet.
    const attacker = lab.host("attacker");
    const subnetV4 = lab.network.plan.ipv4Subnet.replace(/\.0\/24$/, ".");
    const subnetV6 = lab.network.plan.ipv6Subnet.replace(/::\/64$/, ":");
    for (const [a, lladdr] of targets) {
      const v6 = a.includes(":");
      const family = v6 ? "-6" : "-4";
      await attacker.run(["ip", family, "neigh", "replace", a, "lladdr", lladdr, "dev", "eth0", "nud", "permanent"], `neighbour ${a}`);
      if (!linkLocal(a) && !a.startsWith(v6 ? subnetV6 : subnetV4)) {
        await attacker.run(["ip", family, "route", "replace", v6 ? `${a}/128` : `${a}/32`, "dev", "eth0"], `route ${a}`);
      }
    }
    const forced = await connected([...targets.keys()]);

    expect({ plain, forced, accepted, datagrams }).toEqual({ plain: [], forced: [], accepted: [], datagrams: [] });
  });

  it("lab hosts still reach each other on both families", async () => {
    const other = lab.host("other").addresses;
    for (const a of [other.ipv4, other.ipv6]) {
      const r = await lab.host("attacker").exec(["ping", "-c", "1", "-W", "2", a]);
      expect(r.exitCode, `ping ${a}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });
});
