/** Unit tests (table-driven, pure) for path-interfaces.ts: the interfaces a probe's first packet crosses on each host. */
import { expect, test } from "vitest";
import { type PathHost, pathInterfaces, pathRouter } from "./path-interfaces.ts";

const host = (name: string, nets: Record<string, string>, router = false): [string, PathHost] => [name, { name, networks: Object.keys(nets), router, interfaceOn: (n) => nets[n] }];
const routed = new Map([host("client", { outside: "eth0" }), host("gw", { outside: "wan0", inside: "lan0" }, true), host("app", { inside: "ens5" })]);
const flat = new Map([host("client", { lan: "eth0" }), host("server", { lan: "eth1" })]);

test.each([
  ["through a router", routed, { from: "client", to: { kind: "host", host: "app" } }, { client: { out: "eth0" }, gw: { in: "wan0", out: "lan0" }, app: { in: "ens5" } }],
  ["to the router itself", routed, { from: "client", to: { kind: "host", host: "gw" } }, { client: { out: "eth0" }, gw: { in: "wan0" }, app: undefined }],
  ["on one link", flat, { from: "client", to: { kind: "host", host: "server" } }, { client: { out: "eth0" }, server: { in: "eth1" } }],
  ["its own loopback", flat, { from: "server", to: { kind: "localhost" } }, { server: { in: "lo", out: "lo" }, client: undefined }],
  ["its own address: over lo too", flat, { from: "server", to: { kind: "host", host: "server" } }, { server: { in: "lo", out: "lo" }, client: undefined }],
  ["a literal address: not known", flat, { from: "client", to: { kind: "address", address: "198.18.0.9" } }, { client: undefined, server: undefined }],
  // lab.addressFor probes the target's address on the first network of the target's that the prober shares: the packet comes in there.
  ["two shared networks, listed in other orders: in where the probed address is", new Map([host("a", { x: "eth0", y: "eth1" }), host("b", { y: "ens19", x: "ens18" })]), { from: "a", to: { kind: "host", host: "b" } }, { a: { out: "eth1" }, b: { in: "ens19" } }],
  ["two shared networks and a source address (it picks the network): not known", new Map([host("a", { x: "eth0", y: "eth1" }), host("b", { y: "ens19", x: "ens18" })]), { from: "a", to: { kind: "host", host: "b" }, source: "198.18.0.7" }, { a: undefined, b: undefined }],
  ["one shared network and a source address: known", flat, { from: "client", to: { kind: "host", host: "server" }, source: "198.18.0.7" }, { client: { out: "eth0" }, server: { in: "eth1" } }],
  ["no router joins the networks: not known", new Map([host("a", { x: "eth0" }), host("b", { y: "eth0" })]), { from: "a", to: { kind: "host", host: "b" } }, { a: undefined, b: undefined }],
] as const)("%s", (_, hosts, spec, want) => {
  const via = pathInterfaces(hosts, spec as never);
  expect(Object.fromEntries(Object.keys(want).map((h) => [h, via(h)]))).toEqual(want);
});

test.each([
  ["through a router", routed, { from: "client", to: { kind: "host", host: "app" } }, "gw"],
  ["to the router itself: none between", routed, { from: "client", to: { kind: "host", host: "gw" } }, undefined],
  ["on one link", flat, { from: "client", to: { kind: "host", host: "server" } }, undefined],
  ["its own loopback", flat, { from: "server", to: { kind: "localhost" } }, undefined],
  ["a literal address: not known", routed, { from: "client", to: { kind: "address", address: "198.18.0.9" } }, undefined],
  ["two routers join the networks: not known", new Map([...routed, host("gw2", { outside: "eth0", inside: "eth1" }, true)]), { from: "client", to: { kind: "host", host: "app" } }, undefined],
] as const)("pathRouter: %s", (_, hosts, spec, want) => {
  expect(pathRouter(hosts, spec as never)).toBe(want);
});
