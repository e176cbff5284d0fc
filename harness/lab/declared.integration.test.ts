/**
 * Declared subnets with real containers: hosts get their fixed addresses (a
 * low one too, beside automatic hosts), and
 * a second lab declaring an overlapping subnet while the first runs waits
 * (bounded, and says so) and starts once the first is gone; automatic
 * networks never take a declarable subnet, even when every free slot of the
 * old plan (198.18.0.0/16) is in use elsewhere.
 */
import { describe, expect, it, vi } from "vitest";
import { firewallHost, listeners, ownLabRun, peer } from "../testing/lab.ts";
import { DECLARABLE, overlaps, parseCidr, RESERVED, within } from "../model/cidr.ts";
import { LABEL_RUN } from "./resources.ts";

const run = ownLabRun();

describe("declared subnets", () => {
  it("fixed addresses are the hosts' addresses; a second lab with an overlapping declared subnet waits for the first", async () => {
    const labs = run.provider();
    const subnets = { lan: { ipv4: "198.18.231.0/24", ipv6: "2001:db8:e7::/64" } };
    const client = { ...peer("client"), addresses: { lan: { ipv4: "198.18.231.77", ipv6: "2001:db8:e7::77" } } };
    await using lab = await labs.start({ name: "declared", hosts: [firewallHost("server", listeners("tcp/8080")), client], subnets });
    expect(lab.networks.get("lan")).toMatchObject({ ipv4Subnet: "198.18.231.0/24", ipv6Subnet: "2001:db8:e7::/64" });
    expect(lab.host("client").addressOn("lan", "ipv4")).toBe("198.18.231.77");
    expect(lab.host("client").addressOn("lan", "ipv6")).toBe("2001:db8:e7::77");
    expect(lab.host("server").addressOn("lan", "ipv4")).toMatch(/^198\.18\.231\.\d+$/);
    // IPv6 addresses are fwspec's (ipv6-addresses.ts): the automatic one is the subnet's first after the gateway; each is in its host.
    expect(lab.host("server").addressOn("lan", "ipv6")).toBe("2001:db8:e7::2");
    for (const [name, address] of [["client", "2001:db8:e7::77"], ["server", "2001:db8:e7::2"]] as const) {
      const r = await lab.host(name).run(["ip", "-6", "-o", "addr", "show", "dev", lab.host(name).interfaceOn("lan")!, "scope", "global"], "IPv6 addresses");
      expect(r.stdout).toContain(`inet6 ${address}/64 scope global`);
    }
    // Labs declaring an overlapping subnet, IPv4 or (known to the engine only by fwspec's label) IPv6, wait (bounded) while the first holds it, then start.
    const said: string[] = [];
    const progress = { step: () => {}, info: (m: string) => void said.push(m) };
    const second = labs.start({ name: "declared-again", hosts: [peer("a")], subnets: { lan: { ipv4: "198.18.231.128/25" } }, progress });
    const third = labs.start({ name: "declared-v6", hosts: [peer("b")], subnets: { lan: { ipv6: "2001:db8:e7:0:8000::/65" } }, progress });
    await vi.waitFor(() => expect(said.filter((m) => /declared subnet is in use by another lab; waiting/.test(m))).toHaveLength(2), { timeout: 20_000 });
    expect(await run.engine().listNetworks({ filters: { label: [`${LABEL_RUN}=${run.runId}`] } })).toHaveLength(1);
    await lab[Symbol.asyncDispose]();
    await using again = await second;
    await using v6 = await third;
    expect(again.networks.get("lan")).toMatchObject({ ipv4Subnet: "198.18.231.128/25" });
    expect(v6.networks.get("lan")).toMatchObject({ ipv6Subnet: "2001:db8:e7:0:8000::/65" });
  });

  it("a fixed address low in the subnet is its host's though automatic hosts start beside it (fwspec chooses theirs)", async () => {
    const labs = run.provider();
    const server = { ...firewallHost("server", listeners("tcp/8080")), addresses: { lan: { ipv4: "198.18.232.2" } } };
    // The engine gave .2 to whichever container connected first: listed first, the server lost it to a peer every time.
    await using lab = await labs.start({ name: "low-fixed", hosts: [server, peer("c1"), peer("c2")], subnets: { lan: { ipv4: "198.18.232.0/24" } } });
    expect(lab.host("server").addressOn("lan", "ipv4")).toBe("198.18.232.2");
    expect([lab.host("c1").addressOn("lan", "ipv4"), lab.host("c2").addressOn("lan", "ipv4")].sort()).toEqual(["198.18.232.3", "198.18.232.4"]);
  });

  it("a lab waiting for a declared subnet ends at once when its provider closes (fwspec stopping), not after the wait", async () => {
    const holder = run.provider();
    const subnets = { lan: { ipv4: "198.18.232.0/24", ipv6: "2001:db8:e8::/64" } };
    await using lab = await holder.start({ name: "held", hosts: [peer("a")], subnets });
    const labs = run.provider();
    const said: string[] = [];
    const waiting = labs.start({ name: "waiting", hosts: [peer("b")], subnets, progress: { step: () => {}, info: (m: string) => void said.push(m) } });
    const outcome = waiting.then(() => "started", (e: Error) => e.message);
    await vi.waitFor(() => expect(said.some((m) => /declared subnet is in use by another lab; waiting/.test(m))).toBe(true), { timeout: 20_000 });
    await labs.close();
    // Settled by the time close() returns (without the abort it returned after its own bound with the start still waiting, up to 120 s).
    expect(await Promise.race([outcome, Promise.resolve("still waiting")])).toMatch(/fwspec is stopping/);
    expect(lab.networks.get("lan")).toMatchObject({ ipv4Subnet: "198.18.232.0/24" });
  });

  it("an automatic network never takes a subnet a scenario may declare (198.18.0.0/16, outside 2001:db8:f5::/48)", async () => {
    const labs = run.provider();
    // A lab of another run (or a leaked one) may hold any declarable subnet: a scenario's
    // declared lab waited 120 s and failed when an automatic network had taken it (fresh-clone CI).
    await using lab = await labs.start({ name: "automatic", hosts: [peer("a")] });
    const net = lab.networks.get("lan")!;
    const v4 = parseCidr(net.ipv4Subnet, "ipv4")!;
    const v6 = parseCidr(net.ipv6Subnet, "ipv6")!;
    expect(overlaps(v4, DECLARABLE.ipv4)).toBe(false);
    expect(RESERVED.ipv6.some((r) => within(v6, r))).toBe(true);
  });
});
