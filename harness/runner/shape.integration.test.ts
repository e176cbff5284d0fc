/**
 * Labs by shape with real containers: a lab started for scenario A (server
 * and remote, A's listeners) is handed to scenario B of the same shape (web
 * and client, other listeners). In B, A's listeners are gone (their ports are
 * refused), B's answer under B's host name and see B's peer; after a reboot in
 * B its listeners come back, still B's. One lab, every check on it.
 */
import { describe, expect, it } from "vitest";
import type { Family, Protocol } from "../model/types.ts";
import { parseAnswer } from "../probes/answer.ts";
import { runProbe } from "../probes/probe.ts";
import { defineScenario } from "../scenario/load.ts";
import { testLabProvider } from "../testing/session.ts";
import type { RunningLab } from "../lab/types.ts";
import { SharedLab } from "./shared-lab.ts";

const a = defineScenario({
  name: "a",
  description: "server and remote",
  hosts: { server: { firewall: true, listen: ["tcp/8080", "udp/5353"] }, remote: {} },
  steps: [{ expect: ["remote -> server:8080 open answered-by server"] }],
}, { file: "/x/a.yaml" });

const b = defineScenario({
  name: "b",
  description: "client and web, written the other way round, other listeners",
  hosts: { client: {}, web: { firewall: true, listen: ["tcp/9090", "http/3000"] } },
  steps: [{ expect: ["client -> web:9090 open answered-by web seen-from client"] }],
}, { file: "/x/b.yaml" });

/** A probe's verdict and, when open, who answered and which source it saw. */
async function probe(lab: RunningLab, from: string, to: string, port: number, protocol: Protocol, family: Family): Promise<string> {
  const r = await runProbe(lab, { from, to: { kind: "host", host: to }, port, protocol, family, timeoutSeconds: 2 });
  const answer = parseAnswer(protocol, r.evidence);
  const source = lab.host(from).addressOn(lab.host(from).networks[0]!, family);
  return r.verdict === "open" ? `open ${answer?.host ?? "(no identity)"}${answer?.peer === source ? " saw " + from : ` saw ${answer?.peer}`}` : r.verdict;
}

describe("a lab handed to a scenario of the same shape", () => {
  it("ends A's listeners, starts B's under B's names (also after a reboot)", async () => {
    await using shared = await SharedLab.start(await testLabProvider(), a, "shape-handoff");
    const first = await shared.lease(a);
    expect(await probe(first.lab, "remote", "server", 8080, "tcp", "ipv4")).toBe("open server saw remote");

    const second = await shared.lease(b);
    expect([...second.lab.hosts.keys()].sort()).toEqual(["client", "web"]);
    const seen: string[] = [];
    for (const family of ["ipv4", "ipv6"] as const) {
      seen.push(
        `${family} A's tcp/8080: ${await probe(second.lab, "client", "web", 8080, "tcp", family)}`,
        `${family} A's udp/5353: ${await probe(second.lab, "client", "web", 5353, "udp", family)}`,
        `${family} tcp/9090: ${await probe(second.lab, "client", "web", 9090, "tcp", family)}`,
        `${family} http/3000: ${await probe(second.lab, "client", "web", 3000, "http", family)}`,
      );
    }
    expect(seen).toEqual([
      "ipv4 A's tcp/8080: refused", "ipv4 A's udp/5353: refused", "ipv4 tcp/9090: open web saw client", "ipv4 http/3000: open web saw client",
      "ipv6 A's tcp/8080: refused", "ipv6 A's udp/5353: refused", "ipv6 tcp/9090: open web saw client", "ipv6 http/3000: open web saw client",
    ]);

    await second.lab.reboot("web");
    await expect.poll(() => probe(second.lab, "client", "web", 9090, "tcp", "ipv4"), { timeout: 10_000 }).toBe("open web saw client");
    expect(await probe(second.lab, "client", "web", 8080, "tcp", "ipv6")).toBe("refused");
    expect(await probe(second.lab, "client", "web", 3000, "http", "ipv6")).toBe("open web saw client");
  });
});
