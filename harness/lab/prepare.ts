/**
 * Making started (or rebooted) hosts ready for probes: the boot script done,
 * interfaces named, IPv6 and extra addresses added (interfaces.ts), routes through
 * routers in routed labs, IPv6 addresses settled, one IPv4 warm-up packet per
 * on-link peer (ARP). Run at lab start and after a reboot.
 */
import pLimit from "p-limit";
import pRetry, { AbortError } from "p-retry";
import { LabError } from "../errors.ts";
import type { Progress } from "../progress.ts";
import { READY_FILE } from "./container.ts";
import type { StartedHost } from "./host.ts";
import { addAddresses, nameInterfaces } from "./interfaces.ts";
import type { LabHost, RunningLab } from "./types.ts";

/** The lab as preparation sees it: its Docker hosts, its networks, its addressing. */
export interface PreparingLab extends Pick<RunningLab, "name" | "networks" | "addressFor"> {
  readonly hosts: ReadonlyMap<string, StartedHost>;
}

/** Prepares `which` (all hosts at start, the rebooted one after a reboot); every host warms up again. */
export async function prepareHosts(lab: PreparingLab, progress: Progress, which: readonly StartedHost[]): Promise<void> {
  const limit = pLimit(8);
  await Promise.all(which.map((h) => limit(() => awaitBoot(h))));
  // Before routes: a link renamed the slow way (down and up) loses its routes.
  await Promise.all(which.map((h) => limit(async () => {
    await nameInterfaces(h);
    await addAddresses(h, lab.networks);
  })));
  await Promise.all(which.map((h) => limit(() => addRoutes(lab, h))));
  await Promise.all(which.filter((h) => linkLocalMatters(h.spec)).map((h) => limit(() => settleLinkLocal(h))));
  await Promise.all(which.map((h) => limit(() => awaitIPv6(h))));
  // A UDP listener answers from the address it was sent to by binding each address the host holds
  // (docker/fwspec-udp-echo); started at boot, before the other networks, the IPv6 and extra addresses were in place,
  // it binds those as the kernel announces them: wait until it has. (A host with one network and its own addresses
  // needs no wait: even its wildcard socket's answers leave from that network's address of the family.)
  await Promise.all(which.filter((h) => addressesAfterBoot(h.spec)).map((h) => limit(() => settleUdpListeners(h))));
  progress.info(`lab ${lab.name}: warming up neighbours (one IPv4 ping per on-link peer)`);
  // Every host warms up, so after a reboot the others learn the rebooted host's neighbour entry too.
  await warmNeighbours(lab);
}

/**
 * Waits (bounded, inside the host) until each UDP listener of the host has a
 * socket on every address the host holds now: one added after the listener
 * started (extra addresses, a `run` step's `ip addr add`) would otherwise be
 * answered from the host's main address, which the prober drops (`dropped`
 * with nothing filtering). The error names the addresses still missing.
 */
export async function settleUdpListeners(host: Pick<LabHost, "spec" | "name" | "run">): Promise<void> {
  if (!host.spec.listen.some((l) => l.protocol === "udp")) return;
  await host.run(["fwspec-listen", "settled"], `waiting until the UDP listeners of ${host.name} answer from each of its addresses`, { timeoutSeconds: 15 });
}

/**
 * One IPv4 ping from every host to every peer it shares a network with, side
 * by side: each host's ARP cache holds its peers, as at lab start. Not IPv6:
 * neighbour discovery is ICMPv6, which the rules under test filter; a ruleset
 * that drops it leaves the host unreachable on its link, and an entry learnt
 * before the rules were applied would hide that for as long as it stays
 * fresh (about 30 s), so a probe's verdict would depend on when it ran. A
 * probe that meets an unresolved neighbour says so (probes/neighbour.ts).
 * (ARP is no IP packet: iptables and ip/ip6/inet tables never see it.) A shared lab warms them again after emptying them
 * between scenarios (runner/shared-lab.ts), so a scenario starts with the
 * caches a fresh lab has. A peer on another network is not pinged: a host's
 * neighbour cache only ever holds on-link addresses (a router's peers are its
 * own on-link ones, which it pings), and where no router joins the networks
 * the ping would go to the engine's gateway address, which nothing answers on
 * an internal network, and take its whole second (`-W 1`) at every start,
 * handoff and reboot.
 */
export async function warmNeighbours(lab: Pick<RunningLab, "hosts" | "addressFor">): Promise<void> {
  const hosts = [...lab.hosts.values()];
  const limit = pLimit(8);
  await Promise.all(
    hosts.map((h) => {
      const peers = onLinkPeers(h, hosts).map((p) => lab.addressFor(h, p, "ipv4"));
      if (peers.length === 0) return Promise.resolve();
      return limit(() => h.exec(["sh", "-c", 'for a in "$@"; do ping -c 1 -W 1 -q "$a" >/dev/null 2>&1 & done; wait', "warm-up", ...peers]));
    }),
  );
}

/** The other hosts on one of `host`'s networks. */
export function onLinkPeers<H extends Pick<LabHost, "networks">>(host: H, hosts: readonly H[]): H[] {
  return hosts.filter((p) => p !== host && p.networks.some((n) => host.networks.includes(n)));
}

/** The boot script has restored rules and started listeners (bounded wait; every try is a command). */
async function awaitBoot(host: StartedHost): Promise<void> {
  // Started while the host boots, so no first command waits for the channel's docker exec (agent.ts).
  await host.agents.warm();
  let tries = 0;
  await pRetry(
    async () => {
      tries++;
      const r = await host.exec(["sh", "-c", BOOTED], { light: true });
      if (r.exitCode === 2) throw new AbortError(new LabError(`${host.name}: cannot keep a copy of the engine's /etc files: ${r.stderr.trim()}`));
      if (r.exitCode !== 0) throw new LabError(`${host.name} has not finished booting (${READY_FILE} missing after ${tries} tries)`, { hint: `see its boot log: docker exec ${host.containerName} cat /run/fwspec-boot.log` });
    },
    // Bounded by time (30 s: a boot's own commands may take their while), not by the count of tries.
    { retries: 200, minTimeout: 20, maxTimeout: 250, factor: 1.5, maxRetryTime: 30_000 },
  ).catch(async (error: unknown) => {
    // What the boot was doing when the wait ended: its log's last lines.
    const tail = await host.exec(["tail", "-n", "3", "/run/fwspec-boot.log"], { light: true }).then((r) => r.stdout.trim().split("\n").join(" / "), () => "");
    throw tail === "" || !(error instanceof LabError) ? error : new LabError(`${error.message}; its boot log ends: ${tail}`, { hint: error.hint });
  });
}

/**
 * Booted (its ready file there); then, at its first boot only, the files the
 * engine writes into its /etc (/etc/hosts with a line per network it joined:
 * it is on all of them by now, /etc/hostname, /etc/resolv.conf) are copied:
 * the shared-lab handoff writes them back (runner/forget.ts), so a
 * scenario's edits are not what the next one reads. One command per try.
 */
const BOOTED = `[ -e ${READY_FILE} ] || exit 1; mkdir -p /etc/fwspec/engine-etc && for f in hosts hostname resolv.conf; do [ -e /etc/fwspec/engine-etc/$f ] || cp /etc/$f /etc/fwspec/engine-etc/$f || exit 2; done`;

/**
 * No IPv6 address a probe's packets need still tentative (bounded wait): the
 * global ones (fwspec adds them without duplicate address detection), and on
 * a router or a host of several networks its link-local ones too. The
 * container's first interface joins its network namespace before the
 * engine writes `default.accept_dad=0`, so its link-local address goes
 * through detection (1-2 s after the link is up); a router's neighbour
 * solicitation for a packet it forwards leaves from its link-local address,
 * and while that is tentative the kernel sends none: the first routed IPv6
 * probes read `dropped` (the next hop "unresolved") with nothing filtering
 * (tester 43a, a lan/wan/dmz router: half the runs of its first probe).
 */
export function tentativeCommand(spec: Pick<StartedHost["spec"], "router" | "networks">): string[] {
  return ["ip", "-6", "-o", "addr", "show", ...(linkLocalMatters(spec) ? [] : ["scope", "global"]), "tentative"];
}

/** A router, or a host of several networks, sends neighbour solicitations from its link-local addresses. */
function linkLocalMatters(spec: Pick<StartedHost["spec"], "router" | "networks">): boolean {
  return spec.router === true || (spec.networks?.length ?? 0) > 1;
}

/**
 * A link-local address still in duplicate address detection, put back
 * without it (the same address: deleted and added `nodad`), so the host
 * need not wait the 1-2 s detection takes. A fixed script (no scenario text).
 */
const SETTLE_LINK_LOCAL = `ip -6 -o addr show scope link tentative | while read -r _ dev _ addr _; do ip -6 addr del "$addr" dev "$dev" && ip -6 addr add "$addr" dev "$dev" nodad || exit 1; done`;

async function settleLinkLocal(host: StartedHost): Promise<void> {
  // Best effort: should it fail (the detection ended between the listing and the delete), awaitIPv6 waits it out.
  await host.exec(["sh", "-c", SETTLE_LINK_LOCAL], { light: true, timeoutSeconds: 5 }).catch(() => undefined);
}

async function awaitIPv6(host: StartedHost): Promise<void> {
  await pRetry(
    async () => {
      const r = await host.exec(tentativeCommand(host.spec), { light: true });
      if (r.exitCode !== 0 || r.stdout.trim() !== "") throw new LabError(`${host.name}: IPv6 address still tentative`);
    },
    // Bounded by time: a link-local address's detection takes 1-2 s.
    { retries: 100, minTimeout: 50, maxTimeout: 200, maxRetryTime: 10_000 },
  );
}

/** In a routed lab: a route to every network the host is not on, via a router on one of its networks. */
async function addRoutes(lab: PreparingLab, host: StartedHost): Promise<void> {
  if (lab.networks.size < 2 || host.spec.router) return;
  const routers = [...lab.hosts.values()].filter((h) => h.spec.router);
  for (const [name, net] of lab.networks) {
    if (host.networks.includes(name)) continue;
    const via = routers.find((r) => r.networks.includes(name) && r.networks.some((n) => host.networks.includes(n)));
    if (!via) continue; // unreachable by design; probes will say so
    const shared = via.networks.find((n) => host.networks.includes(n))!;
    await host.run(["ip", "route", "replace", net.ipv4Subnet, "via", via.addressOn(shared, "ipv4")!], `route to ${name} via ${via.name}`);
    await host.run(["ip", "-6", "route", "replace", net.ipv6Subnet, "via", via.addressOn(shared, "ipv6")!], `IPv6 route to ${name} via ${via.name}`);
  }
}

/** Does the host get addresses after it booted: a second network, extra addresses, renamed interfaces (which lose their IPv6 addresses)? */
function addressesAfterBoot(spec: StartedHost["spec"]): boolean {
  return (spec.networks?.length ?? 1) > 1 || Object.values(spec.addresses ?? {}).some((a) => (a.extra?.length ?? 0) > 0) || Object.keys(spec.interfaces ?? {}).length > 0;
}
