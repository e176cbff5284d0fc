/**
 * Extra addresses and source-bound probes with real containers: a peer holds
 * extra IPv4 and IPv6 addresses (non-tentative, never its default source, and
 * never handed to another host as an automatic address), and a probe bound to
 * one really leaves from it: `-s EXTRA -j DROP` drops exactly the bound
 * probes, over TCP, UDP and HTTP on both families, while the same peer's
 * unbound probes get in.
 */
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { FAMILIES, type Family, type Protocol } from "../model/types.ts";
import { runProbe } from "../probes/probe.ts";
import { applyRules } from "../rules/apply.ts";
import { firewallHost, listeners, peer } from "../testing/lab.ts";
import type { StartedLab } from "./lab.ts";
import { DockerLabProvider } from "./provider.ts";
import { newRunId, removeRun } from "./resources.ts";

let docker: Dockerode;
let lab: StartedLab;
const runId = newRunId();
// .2 / ::2 are the first addresses a host gets automatically (the engine's IPv4, fwspec's or the engine's IPv6: ipv6-addresses.ts): reserved as extras, the server must get others.
const EXTRA: Record<Family, string> = { ipv4: "198.18.236.2", ipv6: "2001:db8:ec::2" };

beforeAll(async () => {
  docker = await connectEngine();
  const labs = new DockerLabProvider({ docker, image: inject("fwspecImage"), runId, ownerPid: inject("fwspecOwnerPid") });
  lab = await labs.start({
    name: "sources",
    subnets: { lan: { ipv4: "198.18.236.0/24", ipv6: "2001:db8:ec::/64" } },
    hosts: [
      firewallHost("server", listeners("tcp/22", "udp/53", "http/80")),
      { ...peer("scanner"), addresses: { lan: { ipv4: "198.18.236.10", ipv6: "2001:db8:ec::10", extra: [EXTRA.ipv4, EXTRA.ipv6] } } },
    ],
  });
});

afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
  await removeRun(docker, runId);
});

const probe = (protocol: Protocol, port: number, family: Family, source?: string) =>
  runProbe(lab, { from: "scanner", ...(source ? { source } : {}), to: { kind: "host", host: "server" }, port, protocol, family, timeoutSeconds: 2 });

describe("extra addresses and source-bound probes", () => {
  it("the extra addresses are held, not tentative, not the default source, and not given to another host", async () => {
    const scanner = lab.host("scanner");
    const server = lab.host("server");
    for (const f of FAMILIES) {
      expect(server.addressOn("lan", f)).not.toBe(EXTRA[f]);
      const shown = (await scanner.run(["ip", f === "ipv4" ? "-4" : "-6", "addr", "show", "dev", "eth0"], "addresses")).stdout;
      expect(shown).toContain(`${EXTRA[f]}/${f === "ipv4" ? 24 : 64}`);
      // Only the extra address's own line: the link-local fe80:: address may still be tentative a moment
      // after the lab starts (it is not used by probes), and failed this check under load once.
      const line = shown.split("\n").find((l) => l.includes(`${EXTRA[f]}/`)) ?? "";
      expect(line).not.toContain("tentative");
      const route = (await scanner.run(["ip", "route", "get", server.addressOn("lan", f)!], "route")).stdout;
      expect(route).toContain(`src ${scanner.addressOn("lan", f)}`);
    }
  });

  it("-s EXTRA -j DROP drops the probes bound to EXTRA, and only them (TCP, UDP, HTTP; both families)", async () => {
    await applyRules(lab.host("server"), [{ kind: "commands", commands: [["iptables", "-A", "INPUT", "-s", EXTRA.ipv4, "-j", "DROP"], ["ip6tables", "-A", "INPUT", "-s", EXTRA.ipv6, "-j", "DROP"]] }]);
    for (const f of FAMILIES) {
      for (const [protocol, port] of [["tcp", 22], ["udp", 53], ["http", 80]] as const) {
        const bound = await probe(protocol, port, f, EXTRA[f]);
        expect(bound.verdict, `${protocol} ${f} from ${EXTRA[f]}: ${bound.reason}`).toBe("dropped");
        expect(bound.evidence.command).toContain(EXTRA[f]);
        const plain = await probe(protocol, port, f);
        expect(plain.verdict, `${protocol} ${f} unbound: ${plain.reason}`).toBe("open");
        const fixed = await probe(protocol, port, f, lab.host("scanner").addressOn("lan", f));
        expect(fixed.verdict, `${protocol} ${f} from the fixed address: ${fixed.reason}`).toBe("open");
      }
    }
  });
});
