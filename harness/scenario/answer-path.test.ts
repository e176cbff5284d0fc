/** Unit tests (table-driven, no Docker) for answer-path.ts: can the probe get to the host named in `answered-by`? */
import { describe, expect, test } from "vitest";
import type { PathHost } from "./answer-path.ts";
import { answerPathProblem } from "./answer-path.ts";

/** `name: net,net [firewall] [router]` */
function topology(spec: Record<string, string>): Map<string, PathHost> {
  return new Map(Object.entries(spec).map(([name, text]) => {
    const [nets = "", ...flags] = text.split(" ");
    return [name, { name, networks: nets.split(","), firewall: flags.includes("firewall") || flags.includes("router"), router: flags.includes("router") }];
  }));
}

const ROUTED = { client: "lan", gw: "lan,dmz router", backend: "dmz", other: "wan" };

describe("answerPathProblem", () => {
  test.each<[string, Record<string, string>, string, string, string, string | undefined]>([
    // [what, topology, from, target, answered by, the message (undefined: no problem)]
    ["the target answers itself (REDIRECT)", { client: "lan", gw: "lan firewall" }, "client", "gw", "gw", undefined],
    ["a router forwards onto its network (DNAT)", ROUTED, "client", "gw", "backend", undefined],
    ["a router on the way answers (REDIRECT of routed traffic)", ROUTED, "client", "backend", "gw", undefined],
    ["a router on the way forwards onto its network", { client: "lan", gw: "lan,dmz router", server: "dmz", backend: "dmz" }, "client", "server", "backend", undefined],
    ["the client rewrites its own probe (nat OUTPUT)", { client: "lan firewall", gw: "lan", backend: "lan" }, "client", "gw", "backend", undefined],
    ["the target is unreachable (reported by the reachability check)", { client: "lan", gw: "dmz firewall", backend: "dmz" }, "client", "gw", "backend", undefined],
    ["a host not on any network read (reported elsewhere)", { client: "lan", gw: "lan,dmz firewall" }, "client", "gw", "backend", undefined],
    ["the target is a firewall but not a router", { client: "lan", gw: "lan,dmz firewall", backend: "dmz" }, "client", "gw", "backend", "backend cannot answer a probe of gw from client: gw is not a router, so it does not forward the probe it rewrites to backend"],
    ["one network: nothing forwards", { client: "default", gw: "default firewall", backend: "default" }, "client", "gw", "backend", "backend cannot answer a probe of gw from client: gw is not a router, so it does not forward the probe it rewrites to backend"],
    ["a router that shares no network with the answering host", { client: "lan", gw: "lan,wan router", backend: "dmz" }, "client", "gw", "backend", "backend cannot answer a probe of gw from client: backend is not reachable from gw: they share no network, and a probe gw rewrites is forwarded onto gw's own networks only"],
    ["a router elsewhere does not help", { ...ROUTED, fw: "lan,wan firewall" }, "client", "fw", "other", "other cannot answer a probe of fw from client: fw is not a router, so it does not forward the probe it rewrites to other"],
    ["the target is no firewall and nothing on the way rewrites", { client: "lan", server: "lan", backend: "lan" }, "client", "server", "backend", "backend cannot answer a probe of server from client: no firewall host on its way can send it on to backend (server is not a firewall host)"],
    ["a firewall client that cannot reach the answering host", { client: "lan firewall", gw: "lan", backend: "dmz" }, "client", "gw", "backend", "backend cannot answer a probe of gw from client: no firewall host on its way can send it on to backend (gw is not a firewall host)"],
  ])("%s", (_what, spec, from, target, answerer, message) => {
    expect(answerPathProblem(topology(spec), true, { from, target, answerer })?.message).toBe(message);
  });

  test.each<[string, Record<string, string>, boolean, string]>([
    ["a firewall on two networks: make it a router", { client: "lan", gw: "lan,dmz firewall", backend: "dmz" }, true, "add `router: true` to `gw` (it is on `lan` and `dmz`), so it forwards the probe to backend; or, if gw answers itself (REDIRECT), write `answered-by gw`"],
    ["a firewall on one declared network", { client: "lan", gw: "lan firewall", backend: "lan" }, true, "a router forwards and needs two networks: attach `gw` to two with `router: true` and `backend` to the second; or, if gw answers itself (REDIRECT), write `answered-by gw`"],
    ["no declared networks", { client: "default", gw: "default firewall", backend: "default" }, false, "a router forwards and needs two networks: declare them at the top level (`networks: [lan, dmz]`), attach `gw` to two with `router: true` and `backend` to the second; or, if gw answers itself (REDIRECT), write `answered-by gw`"],
    ["a router that shares no network", { client: "lan", gw: "lan,wan router", backend: "dmz" }, true, "attach `backend` to lan as well (`networks: [dmz, lan]`); or, if gw answers itself (REDIRECT), write `answered-by gw`"],
    ["a firewall that shares no network", { client: "lan", gw: "lan,wan firewall", backend: "dmz" }, true, "attach `backend` to lan as well (`networks: [dmz, lan]`) and add `router: true` to `gw`; or, if gw answers itself (REDIRECT), write `answered-by gw`"],
  ])("hint: %s", (_what, spec, declared, hint) => {
    expect(answerPathProblem(topology(spec), declared, { from: "client", target: "gw", answerer: "backend" })?.hint).toBe(hint);
  });
});
