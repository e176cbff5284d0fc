/** labQueues (pure): the parts of one shape share a queue of its shareable scenarios, longest first; a part's unshareable last stays its own. */
import { expect, it } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import { finishPart, labQueues, takeNext } from "./queues.ts";

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
