/** Lab shapes (pure): what makes two scenarios' labs interchangeable, and which lab host plays which scenario host. */
import { describe, expect, test } from "vitest";
import type { HostSpec } from "../model/types.ts";
import { castOf, fitsIn, shapeKey, slots } from "./shape.ts";

const host = (name: string, o: Partial<HostSpec> = {}): HostSpec => ({ name, firewall: false, backend: "nft", listen: [], ...o });
const fw = (name: string, o: Partial<HostSpec> = {}) => host(name, { firewall: true, ...o });
const tcp = (port: number) => ({ protocol: "tcp" as const, port });

describe("shapeKey", () => {
  test.each([
    { case: "host names", a: [fw("server"), host("remote")], b: [fw("web"), host("client")], same: true },
    { case: "listeners", a: [fw("server", { listen: [tcp(8080)] }), host("remote")], b: [fw("server", { listen: [tcp(22), tcp(443)] }), host("remote", { listen: [tcp(9)] })], same: true },
    { case: "the order hosts are written in", a: [fw("server"), host("remote")], b: [host("remote"), fw("server")], same: true },
    { case: "a firewall host more", a: [fw("server"), host("remote")], b: [fw("server"), fw("remote")], same: false },
    { case: "a host more", a: [fw("server"), host("remote")], b: [fw("server"), host("remote"), host("other")], same: false },
    { case: "the backend", a: [fw("server")], b: [fw("server", { backend: "legacy" })], same: false },
    { case: "a router", a: [fw("gw", { networks: ["lan", "dmz"] })], b: [fw("gw", { networks: ["lan", "dmz"], router: true })], same: false },
    { case: "a fixed address", a: [fw("server", { addresses: { lan: { ipv4: "198.18.7.2" } } })], b: [fw("server", { addresses: { lan: { ipv4: "198.18.7.3" } } })], same: false },
    { case: "interface names", a: [fw("server", { interfaces: { lan: "ens18" } })], b: [fw("server")], same: false },
  ])("$case: same shape $same", ({ a, b, same }) => {
    expect(shapeKey({ hosts: a }) === shapeKey({ hosts: b })).toBe(same);
  });

  test.each([
    { case: "declared subnets", a: { subnets: { lan: { ipv4: "198.18.7.0/24" } } }, b: { subnets: { lan: { ipv4: "198.18.8.0/24" } } } },
    { case: "network names", a: { networks: ["lan", "dmz"] }, b: { networks: ["lan", "wan"] } },
  ])("$case make another shape", ({ a, b }) => {
    expect(shapeKey({ hosts: [fw("server")], ...a })).not.toBe(shapeKey({ hosts: [fw("server")], ...b }));
  });
});

describe("castOf", () => {
  test.each([
    { case: "renamed", lab: [fw("server"), host("remote")], scenario: [fw("web"), host("client")], cast: { web: "server", client: "remote" } },
    { case: "written in another order", lab: [fw("server"), host("remote")], scenario: [host("client"), fw("web")], cast: { web: "server", client: "remote" } },
    { case: "hosts of one shape keep their written order", lab: [fw("a"), fw("b"), host("c")], scenario: [host("z"), fw("y"), fw("x")], cast: { y: "a", x: "b", z: "c" } },
    { case: "a routed lab", lab: [host("client", { networks: ["lan"] }), fw("router", { router: true, networks: ["lan", "dmz"] }), host("backend", { networks: ["dmz"] })], scenario: [host("pc", { networks: ["lan"] }), host("db", { networks: ["dmz"] }), fw("gw", { router: true, networks: ["lan", "dmz"] })], cast: { pc: "client", gw: "router", db: "backend" } },
  ])("$case", ({ lab, scenario, cast }) => {
    expect(Object.fromEntries(castOf({ hosts: lab }, { hosts: scenario }))).toEqual(cast);
    expect(slots({ hosts: scenario }).map((h) => h.name).sort()).toEqual(scenario.map((h) => h.name).sort());
  });

  test("a scenario of another shape is refused: a firewall host is never played by a host that is none", () => {
    expect(() => castOf({ hosts: [host("server")] }, { hosts: [fw("server")] })).toThrow(/another shape/);
  });

  test.each([
    { case: "a client fewer", lab: [fw("server"), host("a"), host("b")], scenario: [host("client"), fw("web")], cast: { web: "server", client: "a" } },
    { case: "one firewall of three", lab: [host("c"), fw("f1"), fw("f2"), fw("f3")], scenario: [fw("only")], cast: { only: "f1" } },
    { case: "the nft firewall of a lab with a legacy one", lab: [host("c"), fw("old", { backend: "legacy" }), fw("new")], scenario: [fw("server"), host("remote")], cast: { server: "new", remote: "c" } },
    // The containers are alike (every host has NET_ADMIN); the lab resets a firewall host, whoever plays it.
    { case: "a firewall host plays a host that is none, when no such host is free", lab: [fw("unsaved"), fw("persistent"), fw("preup"), host("remote")], scenario: [fw("server"), host("admin"), host("guest")], cast: { server: "unsaved", admin: "remote", guest: "persistent" } },
    { case: "hosts of their own shape first", lab: [fw("f1"), fw("f2"), host("c")], scenario: [host("client"), fw("web")], cast: { web: "f1", client: "c" } },
    { case: "the firewall hosts left after the scenario's own", lab: [fw("f1"), fw("f2")], scenario: [host("client"), fw("web")], cast: { web: "f1", client: "f2" } },
    { case: "a routed lab's router alone", lab: [host("pc", { networks: ["lan"] }), fw("gw", { router: true, networks: ["lan", "dmz"] })], scenario: [fw("r", { router: true, networks: ["lan", "dmz"] })], cast: { r: "gw" }, networks: ["lan", "dmz"] },
  ])("a larger lab: $case", ({ lab, scenario, cast, networks }) => {
    const n = networks ? { networks } : {};
    expect(fitsIn({ hosts: lab, ...n }, { hosts: scenario, ...n })).toBe(true);
    expect(Object.fromEntries(castOf({ hosts: lab, ...n }, { hosts: scenario, ...n }))).toEqual(cast);
  });

  test.each([
    { case: "a host more than the lab has", lab: { hosts: [fw("server"), host("a")] }, scenario: { hosts: [fw("server"), host("a"), host("b")] } },
    { case: "another backend", lab: { hosts: [fw("server"), host("a")] }, scenario: { hosts: [fw("server", { backend: "legacy" as const })] } },
    { case: "a host that is no firewall, on a firewall host of another backend", lab: { hosts: [fw("server"), fw("old", { backend: "legacy" as const })] }, scenario: { hosts: [fw("server"), host("a")] } },
    { case: "a host that is no firewall, on a router", lab: { hosts: [fw("gw", { networks: ["lan"], router: true })], networks: ["lan"] }, scenario: { hosts: [host("pc", { networks: ["lan"] })], networks: ["lan"] } },
    { case: "a router where the lab has none", lab: { hosts: [fw("gw", { networks: ["lan"] })], networks: ["lan"] }, scenario: { hosts: [fw("gw", { networks: ["lan"], router: true })], networks: ["lan"] } },
    { case: "other networks", lab: { hosts: [fw("server"), host("a")], networks: ["lan", "dmz"] }, scenario: { hosts: [fw("server")] } },
    { case: "other subnets", lab: { hosts: [fw("server"), host("a")], subnets: { default: { ipv4: "198.18.7.0/24" } } }, scenario: { hosts: [fw("server")] } },
    { case: "a fixed address the lab host lacks", lab: { hosts: [fw("server"), host("a")] }, scenario: { hosts: [fw("server", { addresses: { default: { ipv4: "198.18.0.9" } } })] } },
    // The lab's routes could go through an idle router (lab/prepare.ts addRoutes), not the scenario's own.
    {
      case: "an idle router",
      lab: { hosts: [host("pc", { networks: ["lan"] }), fw("gw1", { router: true, networks: ["lan", "dmz"] }), fw("gw2", { router: true, networks: ["lan", "dmz"] }), host("db", { networks: ["dmz"] })], networks: ["lan", "dmz"] },
      scenario: { hosts: [host("pc", { networks: ["lan"] }), fw("gw", { router: true, networks: ["lan", "dmz"] }), host("db", { networks: ["dmz"] })], networks: ["lan", "dmz"] },
    },
    // A literal address of the scenario's would reach it: its own lab has nobody there.
    { case: "an idle host with a fixed address", lab: { hosts: [fw("server"), host("a"), host("b", { addresses: { default: { ipv4: "198.18.0.200" } } })] }, scenario: { hosts: [fw("server"), host("a")] } },
  ])("does not fit: $case", ({ lab, scenario }) => {
    expect(fitsIn(lab, scenario)).toBe(false);
    expect(() => castOf(lab, scenario)).toThrow(/does not fit/);
  });
});
