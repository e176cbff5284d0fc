/**
 * The trace of a large step: a flow matrix's 1 000 probes make a trace table
 * of 2 000 rules, which a newly started `nft monitor` reads whole before it
 * prints anything, starting over whenever the ruleset changes meanwhile. The
 * host is still armed (its probes decided from their own packets), and the
 * collect removes the table. A monitor nft refuses ends the wait at once.
 */
import { describe, expect, it } from "vitest";
import { FAMILIES, type ProbeSpec } from "../model/types.ts";
import { defineScenario } from "../scenario/load.ts";
import { openSession } from "../testing/session.ts";
import { armTraces, type TracedSpec } from "./trace-step.ts";

const peers = Array.from({ length: 10 }, (_, i) => `peer${i}`);
const scenario = defineScenario({
  name: "large trace",
  description: "many probes in one step",
  hosts: { server: { firewall: true, listen: ["tcp/8080"] }, ...Object.fromEntries(peers.map((p) => [p, {}])) },
  steps: [{ expect: ["peer0 -> server:8080 open"] }],
});

/** peer0's UDP probe of server:8080 over IPv4. */
const udp8080: ProbeSpec = { from: "peer0", to: { kind: "host", host: "server" }, port: 8080, protocol: "udp", family: "ipv4", timeoutSeconds: 2 };

describe("arming the trace of a large step", () => {
  it("arms a fresh monitor over a 2 000-rule trace table and removes the table at the end", async () => {
    await using s = await openSession(scenario);
    const server = s.lab.host("server");
    // A lab of its own, no step before: no monitor runs yet, so the ARM starts one (the case that waits for it).
    expect((await server.exec(["pgrep", "-x", "nft"])).exitCode).toBe(1);
    // Ten sources to 50 ports each, both families: 1 000 probes, each destination shared by all ten (matched by source too).
    const specs: TracedSpec[] = peers.flatMap((from) =>
      FAMILIES.flatMap((family) => Array.from({ length: 50 }, (_, k): TracedSpec => ({ spec: { from, to: { kind: "host", host: "server" }, port: 8000 + k, protocol: "tcp", family, timeoutSeconds: 2 } satisfies ProbeSpec, watch: ["server"] }))),
    );
    const armed = await armTraces(s.lab, specs);
    expect(armed.attributes(specs[0]!.spec, ["server"])).toBe(true);
    expect(armed.attributes(specs.at(-1)!.spec, ["server"])).toBe(true);
    await armed.collect(() => undefined);
    expect((await server.run(["sh", "-c", "nft list tables"], "tables")).stdout).not.toContain("fwspec_trace");
  });

  it("does not attribute alone two probes to one destination whose sources overlap (a host's probe, and one bound to its address)", async () => {
    await using s = await openSession(scenario);
    const peer0 = s.lab.host("peer0");
    const own = peer0.addressOn(peer0.networks[0]!, "ipv4")!;
    const plain = udp8080;
    const bound: ProbeSpec = { ...plain, source: own };
    const other: ProbeSpec = { ...plain, from: "peer1" };
    const armed = await armTraces(s.lab, [plain, bound, other].map((spec) => ({ spec, watch: ["server"] })));
    // Each one's trace match would also take the other's datagram: counters decide them, one at a time.
    expect(armed.attributes(plain, ["server"])).toBe(false);
    expect(armed.attributes(bound, ["server"])).toBe(false);
    expect(armed.attributes(other, ["server"])).toBe(true);
    await armed.collect(() => undefined);
  });

  it("does not decide or name a held UDP check, nor a UDP probe to its destination, from the trace alone (any datagram is a first packet)", async () => {
    await using s = await openSession(scenario);
    const server = s.lab.host("server");
    const address = server.addressOn(server.networks[0]!, "ipv4")!;
    const probe = udp8080;
    const tcp: ProbeSpec = { ...probe, port: 8081, protocol: "tcp" };
    const armed = await armTraces(s.lab, [
      { spec: probe, watch: ["server"] },
      { spec: probe, watch: ["server"], role: "held", address },
      { spec: tcp, watch: ["server"] },
      { spec: tcp, watch: ["server"], role: "held", address },
    ]);
    expect(armed.attributes(probe, ["server"])).toBe(false);
    expect(armed.attributes(probe, ["server"], address)).toBe(false);
    // TCP tells them apart: a probe's first packet is a SYN, a held check's is data.
    expect(armed.attributes(tcp, ["server"])).toBe(true);
    expect(armed.attributes(tcp, ["server"], address)).toBe(true);
    // A datagram and a SYN from peer0: the datagram is named for neither the UDP probe nor the UDP held check (either
    // could be its sender), the SYN for the TCP probe (the trace shows it passed: no filter chain).
    const peer0 = s.lab.host("peer0");
    await peer0.run(["sh", "-c", 'echo x | socat -u - "UDP:$1:8080"; nc -z -w 1 "$1" 8081 || true', "send", address], "a datagram and a SYN");
    const traces = await armed.collect(() => undefined);
    expect(traces.decisionFor(probe, address)).toBeUndefined();
    expect(traces.decisionFor(probe, address, "held")).toBeUndefined();
    expect(traces.decisionFor(tcp, address)).toMatchObject({ host: "server", action: "accept" });
  });

  it("a later step reuses the running monitor; a pid file naming another process (a pid used again, a reboot) gets a new one", async () => {
    await using s = await openSession(scenario);
    const server = s.lab.host("server");
    const specs: TracedSpec[] = [{ spec: { ...udp8080, protocol: "tcp" }, watch: ["server"] }];
    const monitors = async () => (await server.exec(["pgrep", "-x", "nft"])).stdout.trim().split("\n").filter(Boolean);
    await (await armTraces(s.lab, specs)).collect(() => undefined);
    const first = await monitors();
    expect(first).toHaveLength(1);
    await (await armTraces(s.lab, specs)).collect(() => undefined);
    expect(await monitors()).toEqual(first);
    // The monitor ended; another process now has the id the pid file names: a `timeout` too (a sweep runs one), but not started when the monitor was.
    await server.run(["sh", "-c", 'pkill -x nft; timeout 300 sleep 300 & read -r pid since start < /tmp/fwspec-trace.pid; echo "$! $since $start" > /tmp/fwspec-trace.pid'], "a pid used again");
    const armed = await armTraces(s.lab, specs);
    expect(armed.attributes(specs[0]!.spec, ["server"])).toBe(true);
    await armed.collect(() => undefined);
    expect(await monitors()).toHaveLength(1);
    expect(await monitors()).not.toEqual(first);
  });

  it("gives up at once when the monitor ends (nft refuses it): the host is left to counters, no marker is added again", async () => {
    await using s = await openSession(scenario);
    const server = s.lab.host("server");
    // An `nft` first in PATH that refuses `monitor` and logs every marker it is asked to add.
    const wrapper = '#!/bin/sh\ncase "$*" in *monitor*) echo "monitor refused" >&2; exit 1;; *"ready"*) echo "$*" >> /tmp/markers;; esac\nexec /usr/sbin/nft "$@"\n';
    await server.run(["sh", "-c", 'printf %s "$1" > /usr/local/bin/nft && chmod +x /usr/local/bin/nft', "wrap", wrapper], "wrap nft");
    const specs: TracedSpec[] = [{ spec: { ...udp8080, protocol: "tcp" }, watch: ["server"] }];
    const armed = await armTraces(s.lab, specs);
    expect(armed.attributes(specs[0]!.spec, ["server"])).toBe(false);
    const markers = (await server.run(["sh", "-c", "cat /tmp/markers 2>/dev/null || true"], "markers")).stdout.trim().split("\n").filter(Boolean);
    // One before the first look at the monitor; a loaded machine may let it end a look or two late, never twenty.
    expect(markers.length).toBeLessThanOrEqual(3);
    expect((await server.run(["sh", "-c", "/usr/sbin/nft list tables"], "tables")).stdout).not.toContain("fwspec_trace");
  });
});
