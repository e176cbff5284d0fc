/**
 * Labs by shape through the real runner on in-memory labs: scenarios whose
 * labs differ only in host names and listeners run on one lab, each under its
 * own names (reports, answers, apply messages) with its own listeners, and a
 * scenario that is not shareable runs last on it. No Docker.
 */
import { describe, expect, test } from "vitest";
import { run } from "../api.ts";
import { runProbe } from "../probes/probe.ts";
import { defineScenario } from "../scenario/load.ts";
import { FakeLabProvider } from "../testing/fake-lab.ts";
import { SharedLab } from "./shared-lab.ts";

const a = defineScenario({
  name: "a",
  description: "server and remote, 8080",
  hosts: { server: { firewall: true, listen: ["tcp/8080"] }, remote: {} },
  steps: [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8081 -j DROP"] } }, { expect: ["remote -> server:8080 open answered-by server seen-from remote"] }],
}, { file: "/x/a.yaml" });

const b = defineScenario({
  name: "b",
  description: "web and client, 9090 and 9091",
  hosts: { client: {}, web: { firewall: true, listen: ["tcp/9090", "tcp/9091"] } },
  steps: [{ apply: { host: "web", commands: ["iptables -A INPUT -p tcp --dport 9091 -j REJECT", "ip6tables -A INPUT -p tcp --dport 9091 -j REJECT"] } }, { expect: ["client -> web:9090 open answered-by web seen-from client", "client -> web:9091 refused"] }],
}, { file: "/x/b.yaml" });

const last = defineScenario({
  name: "last",
  description: "a run step: not shareable",
  hosts: { gw: { firewall: true, listen: ["tcp/22"] }, admin: {} },
  steps: [{ expect: ["admin -> gw:22 open answered-by gw"] }, { run: { host: "gw", command: "iptables -C INPUT -p tcp --dport 22 -j DROP", exit: "nonzero" } }],
}, { file: "/x/last.yaml" });

describe("labs by shape on a fake lab", () => {
  test("scenarios with other host names and listeners share one lab; each sees its own names and listeners; the not-shareable one runs last on it", async () => {
    const provider = new FakeLabProvider();
    const report = await run({ scenarios: [a, b, last] }, { provider, labs: 1 });
    expect(provider.started).toHaveLength(1);
    expect(report.scenarios.map((s) => `${s.name} ${s.status}`)).toEqual(["a passed", "b passed", "last passed"]);
    const cells = report.scenarios.flatMap((s) => s.expectations.map((e) => `${e.text} [${e.family}] ${e.actual}${e.answer ? ` ${e.answer}` : ""}`));
    expect(cells).toEqual([
      expect.stringMatching(/^remote -> server:8080 open answered-by server seen-from remote \[ipv4\] open server:8080 saw \S+ \(remote\)$/),
      expect.stringMatching(/^remote -> server:8080 open answered-by server seen-from remote \[ipv6\] open server:8080 saw \S+ \(remote\)$/),
      expect.stringMatching(/^client -> web:9090 open answered-by web seen-from client \[ipv4\] open web:9090 saw \S+ \(client\)$/),
      expect.stringMatching(/^client -> web:9090 open answered-by web seen-from client \[ipv6\] open web:9090 saw \S+ \(client\)$/),
      "client -> web:9091 refused [ipv4] refused",
      "client -> web:9091 refused [ipv6] refused",
      expect.stringMatching(/^admin -> gw:22 open answered-by gw \[ipv4\] open gw:22 saw/),
      expect.stringMatching(/^admin -> gw:22 open answered-by gw \[ipv6\] open gw:22 saw/),
    ]);
    expect(report.scenarios[1]!.steps[0]!.message).toMatch(/ on web /);
    // The lab's firewall host answers as the last scenario's host, with its listener only.
    expect(provider.started[0]!.host("server").listening).toEqual({ name: "gw", listen: [{ protocol: "tcp", port: 22 }] });
  });

  test("--shuffle: the scenarios run on the shared lab in the seed's order (seed 7 puts b first), the report in that order", async () => {
    const written = new FakeLabProvider();
    await run({ scenarios: [a, b] }, { provider: written, labs: 1 });
    // The lab's firewall host ends as the scenario that ran last on it.
    expect(written.started[0]!.host("server").listening.name).toBe("web");
    const provider = new FakeLabProvider();
    const report = await run({ scenarios: [a, b] }, { provider, labs: 1, shuffle: 7 });
    expect(provider.started).toHaveLength(1);
    expect(report.scenarios.map((s) => `${s.name} ${s.status}`)).toEqual(["b passed", "a passed"]);
    // Started for b (its host names), then handed to a.
    expect(provider.started[0]!.host("web").listening.name).toBe("server");
  });

  test("after the handoff the previous scenario's listener is gone: its port is refused", async () => {
    await using shared = await SharedLab.start(new FakeLabProvider(), a, "handoff");
    const spec = (from: string, to: string, port: number) => ({ from, to: { kind: "host" as const, host: to }, port, protocol: "tcp" as const, family: "ipv4" as const, timeoutSeconds: 1 });
    const first = await shared.lease(a);
    expect((await runProbe(first.lab, spec("remote", "server", 8080))).verdict).toBe("open");
    const second = await shared.lease(b);
    expect([...second.lab.hosts.keys()].sort()).toEqual(["client", "web"]);
    expect((await runProbe(second.lab, spec("client", "web", 8080))).verdict).toBe("refused");
    expect((await runProbe(second.lab, spec("client", "web", 9090))).verdict).toBe("open");
    expect(second.proofs.map((p) => `${p.host} ${p.listener.port}`)).toEqual(["web 9090", "web 9090", "web 9091", "web 9091"]);
    expect([...second.readings.keys()]).toEqual(["web"]);
  });

  test("a host that is no firewall, played by the lab's second firewall host, gets no counter readings (first lease and handoff)", async () => {
    const larger = defineScenario({
      name: "larger",
      description: "two firewall hosts and a peer",
      hosts: { f1: { firewall: true, listen: ["tcp/8080"] }, f2: { firewall: true }, peer: {} },
      steps: [{ expect: ["peer -> f1:8080 open"] }],
    }, { file: "/x/larger.yaml" });
    const peers = defineScenario({
      name: "peers",
      description: "a firewall host and two peers",
      hosts: { server: { firewall: true, listen: ["tcp/8080"] }, client: {}, other: {} },
      steps: [{ expect: ["client -> server:8080 open"] }],
    }, { file: "/x/peers.yaml" });
    await using shared = await SharedLab.start(new FakeLabProvider(), larger, "cast");
    for (const scenario of [peers, larger, peers]) {
      const lease = await shared.lease(scenario);
      expect([...lease.readings.keys()].sort()).toEqual(scenario === peers ? ["server"] : ["f1", "f2"]);
    }
  });
});
