/** labQueues (pure): the parts of one shape share a queue of its shareable scenarios, longest first; a part's unshareable last stays its own. */
import { expect, it } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import { finishPart, hasLeft, labQueues, putBack, takeNext, takeOwn } from "./queues.ts";

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
  expect(q.get(groups[3]!)).toMatchObject({ shared: [], extra: [], own: [alone], parts: { left: 1 } });
});

it("a shape on one lab keeps the written order", () => {
  const [a, b] = [scenario("a", 1), scenario("b", 5)];
  const groups = [[a, b]];
  expect(labQueues(groups).get(groups[0]!)!.shared.map((s) => s.name)).toEqual(["a", "b"]);
});

it("after a scenario that is not shareable a lab takes nothing more, even what another lab put back; the shape's last part to finish gets what nobody ran", () => {
  const [a, b] = [scenario("a", 1), scenario("b", 1)];
  const last = scenario("reboots", 1, { reboot: true });
  const groups = [[a], [b, last]];
  const q = labQueues(groups);
  const one = q.get(groups[0]!)!;
  const two = q.get(groups[1]!)!;
  expect(takeNext(one, undefined)?.name).toBe("a");
  expect(takeNext(two, undefined)?.name).toBe("b");
  expect(takeNext(two, b)?.name).toBe("reboots");
  // The first lab's handoff failed: `a` goes back for a fresh lab; the rebooted lab must not take it.
  one.shared.unshift(a);
  expect(takeNext(two, last)).toBeUndefined();
  expect(finishPart(two)).toEqual([]);
  expect(finishPart(one)).toEqual([a]);
});

it("a lab with scenarios of a smaller shape folded in: its shape's shared ones first, then those, then its last; one put back goes back where it came from", () => {
  const [a, b] = [scenario("a", 1, { hosts: OTHER }), scenario("b", 2, { hosts: OTHER })];
  const [small1, small2] = [scenario("small1", 1), scenario("small2", 3)];
  const last = scenario("reboots", 1, { reboot: true, hosts: OTHER });
  const groups = [[a, b, small1, small2, last]];
  const q = labQueues(groups).get(groups[0]!)!;
  expect(q.shared.map((s) => s.name)).toEqual(["a", "b"]);
  expect(q.extra.map((s) => s.name)).toEqual(["small1", "small2"]);
  expect(q.own.map((s) => s.name)).toEqual(["reboots"]);
  const order: string[] = [];
  for (let s = takeNext(q, undefined); s !== undefined; s = takeNext(q, s)) order.push(s.name);
  expect(order).toEqual(["a", "b", "small1", "small2", "reboots"]);
  expect(hasLeft(q)).toBe(false);
  putBack(q, small2);
  putBack(q, b);
  putBack(q, last);
  expect([q.shared, q.extra, q.own].map((list) => list.map((s) => s.name))).toEqual([["b"], ["small2"], ["reboots"]]);
  // Its lab did not start: the folded-in and the last are nobody else's.
  expect(takeOwn(q).map((s) => s.name)).toEqual(["small2", "reboots"]);
  expect(finishPart(q)).toEqual([b]);
});

it("a lab started for its last alone takes folded-in scenarios before it", () => {
  const small = scenario("small", 1);
  const last = scenario("reboots", 1, { reboot: true, hosts: OTHER });
  const groups = [[small, last]];
  const q = labQueues(groups).get(groups[0]!)!;
  expect(q.shared).toEqual([]);
  expect(takeNext(q, undefined)?.name).toBe("small");
  expect(takeNext(q, small)?.name).toBe("reboots");
});
