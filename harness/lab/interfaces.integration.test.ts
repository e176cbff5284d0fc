/**
 * Named interfaces with real containers: a router named `wan`/`lan` keeps its
 * IPv4 and IPv6 addresses, routes and neighbours on both; `-i wan` drops what
 * comes in on wan and not what comes in on lan, on both families; the names
 * come back after a reboot; and the slow way (links down, renamed, up) keeps
 * addresses and routes too.
 */
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { FAMILIES, type Family } from "../model/types.ts";
import { runProbe } from "../probes/probe.ts";
import { applyRules } from "../rules/apply.ts";
import { firewallHost, listeners, peer } from "../testing/lab.ts";
import type { StartedHost } from "./host.ts";
import { nameInterfaces } from "./interfaces.ts";
import type { StartedLab } from "./lab.ts";
import { DockerLabProvider } from "./provider.ts";
import { newRunId, removeRun } from "./resources.ts";

let docker: Dockerode;
let lab: StartedLab;
const runId = newRunId();

beforeAll(async () => {
  docker = await connectEngine();
  const labs = new DockerLabProvider({ docker, image: inject("fwspecImage"), runId, ownerPid: inject("fwspecOwnerPid") });
  lab = await labs.start({
    name: "ifaces",
    networks: ["outside", "inside"],
    hosts: [
      { ...firewallHost("gw", listeners("tcp/22")), networks: ["outside", "inside"], router: true, interfaces: { outside: "wan", inside: "lan" } },
      { ...peer("remote", listeners("tcp/8080")), networks: ["outside"], interfaces: { outside: "ens18" } },
      { ...peer("admin", listeners("tcp/8080")), networks: ["inside"] },
    ],
  });
});

afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
  await removeRun(docker, runId);
});

interface Link {
  ifname: string;
  addr_info: { family: string; local: string; scope: string; tentative?: boolean }[];
}

async function sh(host: StartedHost, ...command: string[]): Promise<string> {
  return (await host.run(command, command.join(" "))).stdout;
}

async function addressesOn(host: StartedHost, dev: string): Promise<string[]> {
  const [link] = JSON.parse(await sh(host, "ip", "-j", "addr", "show", "dev", dev)) as Link[];
  return (link?.addr_info ?? []).filter((a) => a.scope === "global" && !a.tentative).map((a) => a.local);
}

/** gw's addresses, routes and neighbours on each named interface, as the engine assigned them. */
async function expectNamed(): Promise<void> {
  const gw = lab.host("gw");
  for (const [net, dev] of [["outside", "wan"], ["inside", "lan"]] as const) {
    expect(gw.interfaceOn(net)).toBe(dev);
    expect((await addressesOn(gw, dev)).sort()).toEqual([gw.addressOn(net, "ipv4"), gw.addressOn(net, "ipv6")].sort());
    expect(await sh(gw, "ip", "-4", "route", "show", "dev", dev)).toContain(lab.networks.get(net)!.ipv4Subnet);
    expect(await sh(gw, "ip", "-6", "route", "show", "dev", dev)).toContain(lab.networks.get(net)!.ipv6Subnet);
    // The warm-up after naming (IPv4 only: IPv6 neighbour discovery is left to the probes, through the rules) is on the named interface.
    const other = lab.host(net === "outside" ? "remote" : "admin");
    expect(await sh(gw, "ip", "-4", "neigh", "show", "dev", dev)).toContain(other.addressOn(net, "ipv4"));
  }
  expect(await sh(gw, "ip", "-br", "link")).not.toMatch(/^eth\d/m);
}

const probe = (from: string, to: string, port: number, family: Family) => runProbe(lab, { from, to: { kind: "host", host: to }, port, protocol: "tcp", family, timeoutSeconds: 2 });

describe("named interfaces", () => {
  it("a router's wan and lan keep addresses, routes and neighbours; -i wan drops only what comes in on wan; names survive a reboot", async () => {
    await expectNamed();
    expect(lab.host("remote").interfaceOn("outside")).toBe("ens18");
    expect(lab.host("admin").interfaceOn("inside")).toBe("eth0");
    // Routed through gw both ways: remote's route to inside and admin's to outside use the named links' addresses.
    for (const f of FAMILIES) expect((await probe("remote", "admin", 8080, f)).verdict).toBe("open");
    await applyRules(lab.host("gw"), [{ kind: "commands", commands: [["iptables", "-A", "INPUT", "-i", "wan", "-p", "tcp", "--dport", "22", "-j", "DROP"], ["ip6tables", "-A", "INPUT", "-i", "wan", "-p", "tcp", "--dport", "22", "-j", "DROP"]] }]);
    for (const f of FAMILIES) {
      expect((await probe("remote", "gw", 22, f)).verdict, `remote (wan side) ${f}`).toBe("dropped");
      expect((await probe("admin", "gw", 22, f)).verdict, `admin (lan side) ${f}`).toBe("open");
    }
    await lab.reboot("gw");
    await expectNamed();
  });

  it("a reboot names the interfaces before it restores rules (an nft `iif \"lan\"` loads from a pre-up line) and reports a pre-up line that fails", async () => {
    const gw = lab.host("gw");
    const conf = 'table inet boot_test { chain input { type filter hook input priority 10; policy accept; iif "lan" tcp dport 2222 counter drop; }; }\n';
    await gw.copyFile(conf, "/etc/nftables-boot-test.conf");
    await gw.copyFile("auto lan\niface lan inet manual\n    pre-up nft -f /etc/nftables-boot-test.conf\n    pre-up nft -f /etc/nftables-missing.conf\n", "/etc/network/interfaces");
    try {
      const outcome = await lab.reboot("gw");
      expect(await sh(gw, "nft", "list", "table", "inet", "boot_test")).toContain('iif "lan" tcp dport 2222');
      expect(outcome.bootProblems).toHaveLength(1);
      expect(outcome.bootProblems[0]).toMatch(/^pre-up failed: nft -f \/etc\/nftables-missing\.conf \(.*No such file or directory/);
      await expectNamed();
    } finally {
      await sh(gw, "rm", "-f", "/etc/network/interfaces", "/etc/nftables-boot-test.conf");
      await lab.reboot("gw");
    }
  });

  it("renaming with the link down (kernels that refuse a live rename) keeps IPv6 addresses and routes", async () => {
    const remote = lab.host("remote");
    await sh(remote, "ip", "link", "set", "dev", "ens18", "name", "eth0");
    await nameInterfaces(remote, { live: false });
    expect(await sh(remote, "ip", "-br", "link")).toMatch(/^ens18/m);
    // Settled as a link that was never down: up, and no address (the link-local one included) still tentative.
    expect(JSON.parse(await sh(remote, "ip", "-j", "link", "show", "dev", "ens18"))[0].operstate).toBe("UP");
    expect(await sh(remote, "ip", "-6", "-o", "addr", "show", "dev", "ens18", "tentative")).toBe("");
    expect(await sh(remote, "ip", "-6", "-o", "addr", "show", "dev", "ens18", "scope", "link")).toContain("fe80::");
    expect((await addressesOn(remote, "ens18")).sort()).toEqual([remote.addressOn("outside", "ipv4"), remote.addressOn("outside", "ipv6")].sort());
    const inside = lab.networks.get("inside")!;
    expect(await sh(remote, "ip", "-4", "route", "show", inside.ipv4Subnet)).toContain(`via ${lab.host("gw").addressOn("outside", "ipv4")} dev ens18`);
    expect(await sh(remote, "ip", "-6", "route", "show", inside.ipv6Subnet)).toContain(`via ${lab.host("gw").addressOn("outside", "ipv6")} dev ens18`);
    for (const f of FAMILIES) {
      const r = await probe("remote", "admin", 8080, f);
      // On failure, the probe's evidence and remote's neighbours, addresses and routes as they were then.
      const state = r.verdict === "open" ? "" : await sh(remote, "sh", "-c", "ip neigh; ip addr; ip route; ip -6 route");
      expect(r.verdict, `${f}: ${JSON.stringify(r)}\n${state}`).toBe("open");
    }
  });
});
