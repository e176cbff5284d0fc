/**
 * Interface names in lab hosts. The engine (Docker 20.10) names a container's
 * interfaces eth0, eth1, … and cannot be told otherwise, so after a host starts
 * (and after each reboot) fwspec finds each lab network's interface by its MAC
 * address and renames the ones the scenario names (`wan`, `ens18`), keeping
 * their addresses, routes and neighbours. Where the kernel renames a link that
 * is up (this machine's does), nothing else changes; where it refuses (EBUSY,
 * older kernels), the links are taken down, renamed and brought up, and the
 * IPv6 addresses and gateway routes Linux drops with a down link are put back,
 * and the links are waited for until up with no IPv6 address tentative
 * (neighbours are learnt again by the lab's warm-up). The plan is pure.
 * Then the host's IPv6 address on each network (fwspec's, not the engine's:
 * ipv6-addresses.ts) and each extra address it holds are added to the
 * network's interface with the network's prefix length; IPv6 ones without
 * duplicate address detection (never tentative), extra ones deprecated
 * (preferred_lft 0), so that, like IPv4 secondaries, they are used only by a
 * probe bound to them.
 */
import pRetry from "p-retry";
import { LabError } from "../errors.ts";
import { INTERFACE_TEMP_PREFIX } from "../model/names.ts";
import type { StartedHost } from "./host.ts";
import type { LabNetworkInfo } from "./types.ts";

/** One rename: the link called `from` is to be called `to`. */
export type Rename = readonly [from: string, to: string];

export interface RenamePlan {
  /** In order; empty when every link already has its name. */
  readonly steps: readonly Rename[];
  /** Each network's interface name once the steps ran. */
  readonly names: ReadonlyMap<string, string>;
}

/**
 * The renames that give each network's link its wanted name (pure). A link
 * whose engine name another network wants moves to the lowest free `ethN`;
 * when a new name is still some link's current name, every rename goes
 * through a temporary `fwspec-N` first. `others` are the host's links on no
 * lab network (lo, tunl0): a wanted name among them is a LabError.
 */
export function renamePlan(current: ReadonlyMap<string, string>, wanted: Readonly<Record<string, string>>, others: readonly string[] = []): RenamePlan {
  for (const [net, name] of Object.entries(wanted)) {
    if (!current.has(net)) throw new LabError(`no interface on network ${net} to name ${name}`);
    if (others.includes(name)) throw new LabError(`cannot name the interface on ${net} \`${name}\`: the host already has a link of that name`, { hint: "pick another interface name" });
  }
  const names = new Map<string, string>();
  for (const [net, name] of current) names.set(net, wanted[net] ?? name);
  const claimed = new Set(Object.values(wanted));
  const taken = new Set([...current.values(), ...names.values(), ...others]);
  for (const [net, name] of current) {
    if (wanted[net] !== undefined || !claimed.has(name)) continue;
    let k = 0;
    while (taken.has(`eth${k}`)) k++;
    names.set(net, `eth${k}`);
    taken.add(`eth${k}`);
  }
  const moving = [...current].filter(([net, name]) => names.get(net) !== name);
  const clash = moving.some(([net]) => [...current].some(([other, name]) => other !== net && name === names.get(net)));
  const steps: Rename[] = clash
    ? [...moving.map(([, name], i): Rename => [name, `${INTERFACE_TEMP_PREFIX}${i}`]), ...moving.map(([net], i): Rename => [`${INTERFACE_TEMP_PREFIX}${i}`, names.get(net)!])]
    : moving.map(([net, name]): Rename => [name, names.get(net)!]);
  return { steps, names };
}

interface IpLink {
  readonly ifname: string;
  readonly address?: string;
}
interface IpAddr extends IpLink {
  readonly addr_info?: readonly { readonly family: string; readonly local: string; readonly prefixlen: number; readonly scope: string }[];
}
interface IpRoute {
  readonly dst: string;
  readonly gateway?: string;
  readonly dev?: string;
  readonly protocol?: string;
  readonly metric?: number;
}

async function json<T>(host: StartedHost, command: readonly string[]): Promise<T> {
  const r = await host.run(command, `reading ${command.slice(1).join(" ")}`, { light: true });
  return JSON.parse(r.stdout || "[]") as T;
}

/** Each lab network's interface among `links`, by its MAC; a network whose interface is not there is left out. */
function byMac(links: readonly IpLink[], macs: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...macs].flatMap(([net, mac]) => {
    const link = links.find((l) => l.address?.toLowerCase() === mac);
    return link ? [[net, link.ifname] as const] : [];
  }));
}

/** Each lab network's current interface name (by MAC), and the names of the host's other links. */
async function currentNames(host: StartedHost): Promise<{ current: Map<string, string>; others: string[] }> {
  const links = await json<IpLink[]>(host, ["ip", "-j", "link", "show"]);
  const current = byMac(links, host.macs);
  for (const [net, mac] of host.macs) {
    if (!current.has(net)) throw new LabError(`${host.name}: no interface with MAC ${mac} (network ${net})`, { hint: `see \`ip link\` in ${host.containerName}` });
  }
  const mine = new Set(current.values());
  return { current, others: links.map((l) => l.ifname).filter((n) => !mine.has(n)) };
}

/**
 * The host's interface names as they are now, by MAC (a scenario's command
 * may have renamed one since the lab named them); a network whose interface
 * is gone (deleted, moved to another namespace) has none.
 */
export async function readInterfaceNames(host: StartedHost): Promise<Map<string, string>> {
  return byMac(await json<IpLink[]>(host, ["ip", "-j", "link", "show"]), host.macs);
}

function batch(lines: readonly string[]): string {
  return `${lines.join("\n")}\n`;
}

/**
 * Finds (and, where the scenario names them, sets) the host's interface
 * names and records them on the host. `live: false` forces the down/rename/up
 * way (tests prove it keeps what it must on a kernel that renames live).
 * `renameNothing`: only find them; a name not as wanted is an error.
 */
export async function nameInterfaces(host: StartedHost, options: { readonly live?: boolean; readonly renameNothing?: boolean } = {}): Promise<void> {
  const { current, others } = await currentNames(host);
  const plan = renamePlan(current, host.spec.interfaces ?? {}, others);
  // A lab attached to again (a warm lab) was named at its start: a name not as wanted was changed since, and is not repaired here.
  if (options.renameNothing && plan.steps.length > 0) throw new LabError(`${host.name}: its interfaces are not named as at its start (${plan.steps.map(([a, b]) => `${a} should be ${b}`).join(", ")})`);
  if (plan.steps.length > 0) {
    const live = options.live === false ? undefined : await host.exec(["ip", "-batch", "-"], { stdin: batch(plan.steps.map(([a, b]) => `link set dev ${a} name ${b}`)), light: true });
    if (live === undefined || live.exitCode !== 0) {
      if (live && !/busy/i.test(live.stderr)) {
        throw new LabError(`${host.name}: renaming interfaces failed: ${live.stderr.trim()}`, { hint: "the host needs NET_ADMIN; see `ip link` in the host" });
      }
      await renameDown(host);
    }
  }
  host.setInterfaces(plan.names);
  // Named again by the boot before it restores rules (docker/fwspec-boot), so a reboot loads a rule that needs them.
  if (!options.renameNothing && Object.keys(host.spec.interfaces ?? {}).length > 0) await host.copyFile(interfaceNamesFile(host.macs, plan.names), INTERFACE_NAMES_FILE);
}

/** Where the boot finds the names to give the lab's interfaces again (docker/fwspec-boot). */
export const INTERFACE_NAMES_FILE = "/etc/fwspec/interfaces";

/** `MAC NAME` per lab network, as the boot reads it (pure). */
export function interfaceNamesFile(macs: ReadonlyMap<string, string>, names: ReadonlyMap<string, string>): string {
  return [...macs].flatMap(([net, mac]) => (names.has(net) ? [`${mac} ${names.get(net)}\n`] : [])).join("");
}

/** The rename with links down (again from the links as they are now), then what a down link loses put back. */
async function renameDown(host: StartedHost): Promise<void> {
  const { current, others } = await currentNames(host);
  const plan = renamePlan(current, host.spec.interfaces ?? {}, others);
  const [addrs, routes4, routes6] = await Promise.all([
    json<IpAddr[]>(host, ["ip", "-j", "addr", "show"]),
    json<IpRoute[]>(host, ["ip", "-j", "-4", "route", "show", "table", "main"]),
    json<IpRoute[]>(host, ["ip", "-j", "-6", "route", "show", "table", "main"]),
  ]);
  const renamed = new Map<string, string>(); // old name -> final name
  for (const [net, name] of current) if (plan.names.get(net) !== name) renamed.set(name, plan.names.get(net)!);
  const down = [...renamed.keys()].map((n) => `link set dev ${n} down`);
  const up = [...renamed.values()].map((n) => `link set dev ${n} up`);
  await host.run(["ip", "-batch", "-"], `renaming interfaces of ${host.name}`, { stdin: batch([...down, ...plan.steps.map(([a, b]) => `link set dev ${a} name ${b}`), ...up]), light: true });
  const now = await json<IpAddr[]>(host, ["ip", "-j", "addr", "show"]);
  const has = (dev: string, local: string) => now.some((l) => l.ifname === dev && l.addr_info?.some((a) => a.local === local));
  const restore: string[] = [];
  for (const link of addrs) {
    const dev = renamed.get(link.ifname);
    if (dev === undefined) continue;
    for (const a of link.addr_info ?? []) {
      if (a.family === "inet6" && a.scope === "global" && !has(dev, a.local)) restore.push(`addr replace ${a.local}/${a.prefixlen} dev ${dev} nodad`);
    }
  }
  for (const [routes, any] of [[routes4, "0.0.0.0/0"], [routes6, "::/0"]] as const) {
    for (const r of routes) {
      const dev = r.dev === undefined ? undefined : renamed.get(r.dev);
      if (dev === undefined || r.gateway === undefined || r.protocol === "kernel") continue;
      restore.push(`route replace ${r.dst === "default" ? any : r.dst} via ${r.gateway} dev ${dev}${r.metric === undefined ? "" : ` metric ${r.metric}`}`);
    }
  }
  if (restore.length > 0) await host.run(["ip", "-batch", "-"], `restoring addresses and routes of ${host.name}'s renamed interfaces`, { stdin: batch(restore), light: true });
  const hadIpv6 = new Set(addrs.filter((l) => renamed.has(l.ifname) && (l.addr_info ?? []).some((a) => a.family === "inet6")).map((l) => renamed.get(l.ifname)!));
  await awaitSettled(host, [...renamed.values()], hadIpv6);
}

/**
 * Waits (bounded) until each link brought up again is as one never taken
 * down: operationally up, no IPv6 address on it tentative and, where it had
 * IPv6 before, its link-local address back (made anew once the link is up,
 * then through duplicate address detection; until it exists, "none
 * tentative" proves nothing).
 */
async function awaitSettled(host: StartedHost, devs: readonly string[], hadIpv6: ReadonlySet<string>): Promise<void> {
  let unsettled: string[] = [...devs];
  await pRetry(
    async () => {
      const links = await json<(IpLink & { readonly operstate?: string })[]>(host, ["ip", "-j", "link", "show"]);
      // Read after the links: an address read before a link came up could miss the link-local address it is about to get.
      const v6 = await json<(IpLink & { readonly addr_info?: readonly { readonly scope: string; readonly tentative?: boolean }[] })[]>(host, ["ip", "-j", "-6", "addr", "show"]);
      unsettled = devs.filter((d) => {
        const info = v6.find((l) => l.ifname === d)?.addr_info ?? [];
        const linkLocal = info.some((a) => a.scope === "link" && a.tentative !== true);
        return links.find((l) => l.ifname === d)?.operstate !== "UP" || info.some((a) => a.tentative === true) || (hadIpv6.has(d) && !linkLocal);
      });
      if (unsettled.length > 0) throw new LabError(`${host.name}: ${unsettled.join(", ")} not settled after being brought up again`);
    },
    { retries: 40, minTimeout: 50, maxTimeout: 250, factor: 1.5, maxRetryTime: 10_000 },
  ).catch((cause: unknown) => {
    throw new LabError(`${host.name}: ${unsettled.join(", ")} still not up, or with a tentative IPv6 address, 10 s after renaming`, { hint: `see \`ip addr\` in ${host.containerName}`, cause });
  });
}

/**
 * `addr replace` lines for the host's addresses the engine does not add
 * (pure): its IPv6 address on each network (ipv6-addresses.ts), then its extra
 * addresses; each on its network's interface, with that network's prefix
 * length, IPv6 ones without duplicate address detection.
 */
export function addressLines(host: Pick<StartedHost, "spec" | "interfaceOn" | "networks" | "addressOn">, networks: ReadonlyMap<string, LabNetworkInfo>): string[] {
  const lines: string[] = [];
  for (const net of host.networks) {
    const dev = host.interfaceOn(net);
    const address = host.addressOn(net, "ipv6");
    const info = networks.get(net);
    if (dev === undefined || address === undefined || info === undefined) continue;
    lines.push(`addr replace ${address}/${info.ipv6Subnet.split("/")[1]} dev ${dev} nodad`);
  }
  for (const [net, fams] of Object.entries(host.spec.addresses ?? {})) {
    const dev = host.interfaceOn(net);
    const info = networks.get(net);
    if (!fams.extra || dev === undefined || info === undefined) continue;
    for (const a of fams.extra) {
      const v6 = a.includes(":");
      const prefix = (v6 ? info.ipv6Subnet : info.ipv4Subnet).split("/")[1];
      lines.push(`addr replace ${a}/${prefix} dev ${dev}${v6 ? " nodad preferred_lft 0" : ""}`);
    }
  }
  return lines;
}

/** Adds the host's IPv6 and extra addresses (after its interfaces are named). */
export async function addAddresses(host: StartedHost, networks: ReadonlyMap<string, LabNetworkInfo>): Promise<void> {
  const lines = addressLines(host, networks);
  if (lines.length > 0) await host.run(["ip", "-batch", "-"], `adding the IPv6 and extra addresses of ${host.name}`, { stdin: batch(lines), light: true });
}
