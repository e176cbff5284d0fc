/** labQueues (pure): the parts of one shape share a queue of its shareable scenarios, longest first; a part's unshareable last stays its own. */
import { expect, it } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import { labQueues } from "./queues.ts";

const HOSTS = { server: { firewall: true, listen: ["tcp/8080"] }, client: {} };
const OTHER = { server: { firewall: true, listen: ["tcp/8080"] }, client: {}, admin: {} };
const scenario = (name: string, probes: number, options: { hosts?: typeof OTHER | typeof HOSTS; reboot?: boolean } = {}) =>
  defineScenario({
    name,
    description: "test",
    hosts: options.hosts ?? HOSTS,
    steps: [
      { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } },
      { expect: Array.from({ length: probes }, () => "client -> server:8080 dropped") },
      ...(options.reboot ? [{ reboot: "server" }] : []),
    ],
  });

it("parts of one shape share one queue, longest first; an unshareable last stays its part's own; another shape has its own queue", () => {
  const [a, b, c, d] = [scenario("a", 1), scenario("b", 5), scenario("c", 2), scenario("d", 3)];
  const last = scenario("reboots", 1, { reboot: true });
  const x = scenario("x", 1, { hosts: OTHER });
  const alone = scenario("alone", 1, { reboot: true, hosts: OTHER });
  const groups = [[a, c], [b, d, last], [x], [alone]];
  const q = labQueues(groups);
  expect(q.get(groups[0]!)!.shared).toBe(q.get(groups[1]!)!.shared);
  expect(q.get(groups[0]!)!.shared.map((s) => s.name)).toEqual(["b", "d", "c", "a"]);
  expect(q.get(groups[0]!)!.own).toEqual([]);
  expect(q.get(groups[1]!)!.own.map((s) => s.name)).toEqual(["reboots"]);
  expect(q.get(groups[0]!)!.parts).toBe(q.get(groups[1]!)!.parts);
  expect(q.get(groups[0]!)!.parts.left).toBe(2);
  expect(q.get(groups[2]!)!.shared.map((s) => s.name)).toEqual(["x"]);
  expect(q.get(groups[2]!)!.parts.left).toBe(1);
  expect(q.get(groups[3]!)).toEqual({ shared: [], own: [alone], parts: { left: 1 } });
});

it("a shape on one lab keeps the written order", () => {
  const [a, b] = [scenario("a", 1), scenario("b", 5)];
  const groups = [[a, b]];
  expect(labQueues(groups).get(groups[0]!)!.shared.map((s) => s.name)).toEqual(["a", "b"]);
});
