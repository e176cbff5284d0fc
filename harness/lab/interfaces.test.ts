/** Unit tests (table-driven, no Docker) for interfaces.ts: the rename plan and the addresses added in a host. */
import { describe, expect, test } from "vitest";
import { LabError } from "../errors.ts";
import { addressLines, renamePlan } from "./interfaces.ts";

const m = (o: Record<string, string>) => new Map(Object.entries(o));

describe("renamePlan", () => {
  // [what, current names by network, wanted names, steps, final names]
  test.each<[string, Record<string, string>, Record<string, string>, string[][], Record<string, string>]>([
    ["nothing wanted", { lan: "eth0" }, {}, [], { lan: "eth0" }],
    ["already named", { lan: "eth0" }, { lan: "eth0" }, [], { lan: "eth0" }],
    ["one rename", { lan: "eth0" }, { lan: "ens18" }, [["eth0", "ens18"]], { lan: "ens18" }],
    ["two renames", { outside: "eth0", inside: "eth1" }, { outside: "wan", inside: "lan" }, [["eth0", "wan"], ["eth1", "lan"]], { outside: "wan", inside: "lan" }],
    ["one of two", { outside: "eth0", inside: "eth1" }, { inside: "lan" }, [["eth1", "lan"]], { outside: "eth0", inside: "lan" }],
    [
      "a swap goes through temporary names",
      { a: "eth0", b: "eth1" },
      { a: "eth1", b: "eth0" },
      [["eth0", "fwspec-0"], ["eth1", "fwspec-1"], ["fwspec-0", "eth1"], ["fwspec-1", "eth0"]],
      { a: "eth1", b: "eth0" },
    ],
    [
      "an unnamed link whose name another network wants moves to a free ethN",
      { a: "eth0", b: "eth1" },
      { a: "eth1" },
      [["eth0", "fwspec-0"], ["eth1", "fwspec-1"], ["fwspec-0", "eth1"], ["fwspec-1", "eth2"]],
      { a: "eth1", b: "eth2" },
    ],
    ["a name freed by a rename is not a clash when nobody holds it", { a: "eth0", b: "eth1" }, { a: "wan", b: "eth0" }, [["eth0", "fwspec-0"], ["eth1", "fwspec-1"], ["fwspec-0", "wan"], ["fwspec-1", "eth0"]], { a: "wan", b: "eth0" }],
  ])("%s", (_what, current, wanted, steps, names) => {
    const plan = renamePlan(m(current), wanted);
    expect(plan.steps).toEqual(steps);
    expect(Object.fromEntries(plan.names)).toEqual(names);
  });

  test("a wanted name held by a link on no lab network is a LabError", () => {
    expect(() => renamePlan(m({ lan: "eth0" }), { lan: "tunl0" }, ["lo", "tunl0"])).toThrow(LabError);
    expect(() => renamePlan(m({ lan: "eth0" }), { lan: "tunl0" }, ["lo", "tunl0"])).toThrow(/already has a link of that name/);
  });

  test("a wanted network without an interface is a LabError", () => {
    expect(() => renamePlan(m({ lan: "eth0" }), { dmz: "dmz" })).toThrow(/no interface on network dmz/);
  });
});

describe("addressLines", () => {
  const networks = new Map([
    ["wan", { name: "wan", ipv4Subnet: "198.18.7.0/24", ipv6Subnet: "2001:db8:7::/64" }],
    ["dmz", { name: "dmz", ipv4Subnet: "198.19.130.0/24", ipv6Subnet: "2001:db8:f5:2::/64" }],
  ]);
  const host = (addresses: Record<string, { extra?: string[] }> = {}) => ({
    spec: { name: "gw", firewall: true, backend: "nft" as const, listen: [], networks: ["wan", "dmz"], addresses },
    networks: ["wan", "dmz"],
    interfaceOn: (net: string) => ({ wan: "wan0", dmz: "eth1" })[net],
    addressOn: (net: string, family: string) => (family === "ipv6" ? ({ wan: "2001:db8:7::2", dmz: "2001:db8:f5:2::3" })[net] : undefined),
  });

  test("each network's IPv6 address on its interface, never tentative; then extra addresses, IPv6 ones deprecated", () => {
    expect(addressLines(host({ wan: { extra: ["198.18.7.99", "2001:db8:7::99"] } }), networks)).toEqual([
      "addr replace 2001:db8:7::2/64 dev wan0 nodad",
      "addr replace 2001:db8:f5:2::3/64 dev eth1 nodad",
      "addr replace 198.18.7.99/24 dev wan0",
      "addr replace 2001:db8:7::99/64 dev wan0 nodad preferred_lft 0",
    ]);
  });

  test("a network the lab does not know gets nothing", () => {
    expect(addressLines(host(), new Map([...networks].filter(([n]) => n === "dmz")))).toEqual(["addr replace 2001:db8:f5:2::3/64 dev eth1 nodad"]);
  });
});
