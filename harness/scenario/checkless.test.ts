import { expect, test } from "vitest";
import { checksNothing } from "./checkless.ts";
import { parseScenarioText } from "./load.ts";

const scenario = (steps: string) => parseScenarioText(`name: n\ndescription: d\nhosts:\n  server: { firewall: true, listen: [tcp/22] }\n  client: {}\nsteps:\n${steps}`, "/tmp/s.yaml", { root: "/tmp" });

test.each([
  ["  - apply: { host: server, commands: ['iptables -P INPUT DROP'] }\n", "its steps only `apply`"],
  ["  - apply: { host: server, commands: ['iptables -P INPUT DROP'] }\n  - reboot: server\n", "its steps only `apply` and `reboot`"],
  ["  - hold: { name: h, from: client, to: server, port: 22 }\n", "its steps only `hold`"],
])("a scenario whose steps check nothing is named at its first step: %j", (steps, words) => {
  const d = checksNothing(scenario(steps));
  expect(d).toMatchObject({ file: "/tmp/s.yaml", line: 7, column: 5 });
  expect(d?.message).toContain(words);
  expect(d?.message).toContain("would pass whatever the firewall does");
});

test.each([
  "  - apply: { host: server, commands: ['iptables -P INPUT DROP'] }\n  - expect: [client -> server:22 dropped]\n",
  "  - counters: [{ host: server, rule: '-A INPUT -p tcp --dport 22 -j DROP', packets: 0 }]\n",
  "  - run: { host: server, command: [iptables, -S] }\n",
])("a scenario with an expectation, a counter check or a run step checks something: %j", (steps) => {
  expect(checksNothing(scenario(steps))).toBeUndefined();
});
