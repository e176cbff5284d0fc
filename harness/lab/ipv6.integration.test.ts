/**
 * Both ways lab hosts get IPv6, with real containers (ipv6-addresses.ts): the
 * engine's (a network with IPv6, as on Docker 26 and later) and fwspec's (an
 * IPv4 network, addresses chosen by fwspec and added in the hosts, as on this
 * machine's Docker 20.10). Either way each host holds the address the lab
 * reports, on the interface of its network, also after a reboot, and reaches
 * its peers on it.
 */
import { describe, expect, it } from "vitest";
import { firewallHost, listeners, ownLabRun, peer } from "../testing/lab.ts";
import type { Ipv6Source } from "./ipv6-addresses.ts";
import type { StartedLab } from "./lab.ts";
import { engineIpv6Source } from "./network.ts";

const run = ownLabRun();

/** The global IPv6 addresses `host` holds on its interface of `network`. */
async function held(lab: StartedLab, host: string, network: string): Promise<string> {
  const h = lab.host(host);
  return (await h.run(["ip", "-6", "-o", "addr", "show", "dev", h.interfaceOn(network)!, "scope", "global"], "IPv6 addresses")).stdout;
}

describe("lab hosts' IPv6", () => {
  it("this engine's default is known (Docker before 26: fwspec's)", async () => {
    const version = (await run.engine().version()).Version;
    expect(await engineIpv6Source(run.engine())).toBe(Number(version.split(".")[0]) < 26 ? "fwspec" : "engine");
  });

  it.each<Ipv6Source>(["engine", "fwspec"])("given by %s: held, reachable, the same after a reboot", async (source) => {
    const labs = run.provider({ ipv6: source });
    // A renamed interface (whose IPv6 address a slow rename would drop: interfaces.ts) and a host on each network alone.
    const hosts = [{ ...firewallHost("gw", listeners("tcp/8080")), networks: ["wan", "dmz"], interfaces: { wan: "wan0" } }, { ...peer("out"), networks: ["wan"] }, { ...peer("web"), networks: ["dmz"] }];
    await using lab = await labs.start({ name: `v6-${source}`, hosts, networks: ["wan", "dmz"] });
    const net = await run.engine().getNetwork(lab.networks.get("wan")!.id).inspect();
    expect(net.EnableIPv6).toBe(source === "engine");
    for (const [host, network] of [["gw", "wan"], ["gw", "dmz"], ["out", "wan"], ["web", "dmz"]] as const) {
      const address = lab.host(host).addressOn(network, "ipv6")!;
      expect(address.startsWith(lab.networks.get(network)!.ipv6Subnet.replace(/\/64$/, "").replace(/::$/, ":"))).toBe(true);
      expect(await held(lab, host, network)).toContain(`inet6 ${address}/64 scope global`);
    }
    const ping = (from: string, to: string, network: string) => lab.host(from).exec(["ping", "-6", "-c", "1", "-W", "2", lab.host(to).addressOn(network, "ipv6")!]);
    expect((await ping("out", "gw", "wan")).exitCode).toBe(0);
    expect((await ping("web", "gw", "dmz")).exitCode).toBe(0);
    const before = lab.host("gw").addressOn("wan", "ipv6")!;
    await lab.reboot("gw");
    expect(lab.host("gw").addressOn("wan", "ipv6")).toBe(before);
    expect(await held(lab, "gw", "wan")).toContain(`inet6 ${before}/64 scope global`);
    // fwspec's addresses are in place before the boot restores rules and runs pre-up lines, as the engine's are (docker/fwspec-boot).
    const log = (await lab.host("gw").run(["cat", "/run/fwspec-boot.log"], "boot log")).stdout;
    // On the interfaces as named (wan0 is named again before: /etc/fwspec/interfaces).
    if (source === "fwspec") for (const network of ["wan", "dmz"]) expect(log).toContain(`added ${lab.host("gw").addressOn(network, "ipv6")}/64 to ${lab.host("gw").interfaceOn(network)}`);
    else expect(log).not.toContain("added ");
    expect((await ping("out", "gw", "wan")).exitCode).toBe(0);
  });

  // Tester 43a: the container's first interface joins before the engine's accept_dad=0, so its link-local address went
  // through duplicate address detection for 1-2 s; a router sends its neighbour solicitations for forwarded packets from
  // it, and sent none meanwhile: half the first routed IPv6 probes read dropped. Now settled at start (prepare.ts).
  it("a router's link-local addresses are usable at once: no tentative one, and the first routed IPv6 connection goes through", async () => {
    const labs = run.provider({ ipv6: "fwspec" });
    const hosts = [{ ...firewallHost("gw", []), router: true, networks: ["wan", "lan"], interfaces: { wan: "wan0" } }, { ...peer("out", listeners("tcp/443")), networks: ["wan"] }, { ...peer("pc"), networks: ["lan"] }];
    await using lab = await labs.start({ name: "v6-router", hosts, networks: ["wan", "lan"] });
    const tentative = async () => (await lab.host("gw").run(["ip", "-6", "-o", "addr", "show", "tentative"], "tentative addresses")).stdout.trim();
    const connect = () => lab.host("pc").exec(["nc", "-z", "-w", "2", lab.host("out").addressOn("wan", "ipv6")!, "443"], { timeoutSeconds: 5 });
    expect(await tentative()).toBe("");
    expect((await connect()).exitCode).toBe(0);
    await lab.reboot("gw");
    expect(await tentative()).toBe("");
    expect((await connect()).exitCode).toBe(0);
  });
});
