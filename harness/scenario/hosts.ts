/**
 * The topology sections of a scenario: `networks` (names, each once, no more
 * than the address plan holds) and `hosts` (names, listeners, networks,
 * routers), read into the Topology the step checks look hosts up in; and
 * whether one host can reach another (a shared network or one router between).
 */
import { HOST_NAME, NAME_RULE } from "../model/names.ts";
import { DEFAULT_NETWORK } from "../model/types.ts";
import type { HostSpec, ProbeTarget } from "../model/types.ts";
import type { CheckBase, HostInfo, Topology } from "./context.ts";
import { at } from "./diagnostics.ts";
import { SHAPE_HINTS } from "./hints.ts";
import { checkInterfaces } from "./interfaces.ts";
import { checkListeners } from "./listeners.ts";
import type { Path } from "./locate.ts";
import { MAX_NETWORKS } from "./limits.ts";
import { foldLookalikes, nonAsciiNote } from "./lookalike.ts";
import { schemas } from "./schema.ts";
import { closest, didYouMean, listWords } from "./suggest.ts";
import { isRecord, truncate, unsafeWhat } from "./values.ts";

/** The networks as far as they could be read. */
type Networks = Pick<Topology, "networksDeclared" | "networkNames">;

/** Checks `networks` and `hosts` (in that order: hosts name networks), reporting every problem. */
export function checkTopology(ctx: CheckBase, rawNetworks: unknown, rawHosts: unknown): Topology {
  const networks = checkNetworks(ctx, rawNetworks);
  return { ...networks, ...checkHosts(ctx, rawHosts, networks) };
}

/** The message and hint for a name that breaks the host-name syntax (hosts, networks, holds). */
export function badName(name: string, what: string): { message: string; hint: string; offset?: number } {
  const unsafe = unsafeWhat(name);
  const fixed = foldLookalikes(name).toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "").slice(0, 31);
  const foreign = unsafe ? undefined : nonAsciiNote(name);
  return {
    ...(foreign ? { offset: foreign.index } : {}),
    message: unsafe ? `${what} \`${truncate(name)}\` contains ${unsafe}` : `invalid ${what} \`${truncate(name)}\`${foreign ? `: ${foreign.note}` : ""}`,
    hint: `a ${what} is ${NAME_RULE}${fixed && HOST_NAME.test(fixed) && fixed !== "localhost" ? `, e.g. \`${fixed}\`` : ""}`,
  };
}

/** A key of `hosts`: the name syntax, and not `localhost`. */
function checkHostName(ctx: CheckBase, name: string, p: Path): void {
  if (name === "localhost") {
    ctx.problem(p, "`localhost` cannot be a host name", "`localhost` means the probing host's own loopback in expectations; name the host something else, e.g. `server`", { atKey: true });
    return;
  }
  if (HOST_NAME.test(name)) return;
  const bad = badName(name, "host name");
  ctx.problem(p, bad.message, bad.hint, { atKey: true, ...at(bad.offset) });
}

/**
 * A host may not share a network's name (the default network's, `lan`, when
 * none is declared): `{{ NAME.ipv4 }}` names a host's address and a network's
 * subnet alike, and one would silently win.
 */
function checkNotNetworkName(ctx: CheckBase, nets: Networks, name: string, p: Path): void {
  const networks = nets.networkNames ?? [DEFAULT_NETWORK];
  if (!networks.includes(name)) return;
  ctx.problem(p, `host \`${name}\` has the name of a network${nets.networkNames ? "" : ` (the lab's one network is \`${DEFAULT_NETWORK}\` when none is declared)`}`,
    `\`{{ ${name}.ipv4 }}\` would be ambiguous (the host's address or the network's subnet); rename the host, e.g. \`${name}-host\``, { atKey: true });
}

/** The scenario's `hosts`, each field of each host on its own. */
function checkHosts(ctx: CheckBase, raw: unknown, nets: Networks): Pick<Topology, "hosts" | "hostNames" | "hostsKnown"> {
  const hosts = new Map<string, HostInfo>();
  if (!isRecord(raw)) return { hosts, hostNames: [], hostsKnown: false };
  const entries = Object.entries(raw);
  const hostNames = entries.map(([name]) => name);
  if (entries.length === 0) {
    ctx.problem(["hosts"], "`hosts` needs at least one host", SHAPE_HINTS["hosts"]);
    return { hosts, hostNames, hostsKnown: false };
  }
  for (const [name, value] of entries) {
    const p: Path = ["hosts", name];
    checkHostName(ctx, name, p);
    checkNotNetworkName(ctx, nets, name, p);
    // Each field on its own, so one bad field does not hide the problems of the others.
    const host = isRecord(value) ? value : {};
    const firewall = host["firewall"] === true;
    const misspeltFirewall = Object.keys(host).some((k) => k !== "firewall" && closest(k, ["firewall"]) === "firewall");
    if (host["backend"] !== undefined && (host["firewall"] === undefined || host["firewall"] === false) && !misspeltFirewall) {
      ctx.problem([...p, "backend"], `\`backend\` is set on \`${name}\`, which is not a firewall host`, `the backend is the firewall's iptables flavour: add \`firewall: true\` to \`${name}\`, or remove \`backend\``, { atKey: true });
    }
    const listen = host["listen"] ?? [];
    const listeners = Array.isArray(listen) ? checkListeners(ctx, name, listen) : undefined;
    const networks = checkHostNetworks(ctx, nets, name, host["networks"]);
    const router = host["router"] === true;
    if (router) checkRouter(ctx, nets, name, host, networks, misspeltFirewall);
    const interfaces = checkInterfaces(ctx, name, host["interfaces"], networks);
    const parsed = schemas.host.safeParse(value);
    const spec: HostSpec | undefined =
      parsed.success && listeners && networks && interfaces !== null && HOST_NAME.test(name)
        ? {
            name,
            firewall,
            backend: parsed.data?.backend ?? "nft",
            listen: listeners,
            ...(nets.networksDeclared ? { networks } : {}),
            ...(router ? { router: true } : {}),
            ...(interfaces && Object.keys(interfaces).length > 0 ? { interfaces } : {}),
          }
        : undefined;
    hosts.set(name, { name, firewall, listeners, networks, router, spec });
  }
  return { hosts, hostNames, hostsKnown: true };
}

/** The scenario's `networks`: names with the host-name syntax, each once. */
function checkNetworks(ctx: CheckBase, raw: unknown): Networks {
  if (raw === undefined) return { networksDeclared: false, networkNames: undefined };
  const unusable: Networks = { networksDeclared: true, networkNames: undefined };
  if (!Array.isArray(raw) || raw.length === 0) return unusable; // zod reported it
  if (raw.length > MAX_NETWORKS) {
    ctx.problem(["networks"], `${raw.length} networks declared; a lab can have at most ${MAX_NETWORKS}`, `the lab address plan holds ${MAX_NETWORKS} automatic IPv4 /24 subnets (198.19.128.0/17); split the scenario`, { atKey: true });
    return unusable;
  }
  const names: string[] = [];
  raw.forEach((n: unknown, i) => {
    if (typeof n !== "string") return; // zod reported it
    const p: Path = ["networks", i];
    if (!HOST_NAME.test(n)) {
      const bad = badName(n, "network name");
      ctx.problem(p, bad.message, bad.hint, at(bad.offset));
    } else if (names.includes(n)) {
      ctx.problem(p, `duplicate network \`${n}\``, "each network is declared once; remove the repeated name");
    }
    names.push(n);
  });
  return { networksDeclared: true, networkNames: names };
}

/** A host's networks: declared ones, each once; the first declared network by default. */
function checkHostNetworks(ctx: CheckBase, nets: Networks, host: string, raw: unknown): readonly string[] | undefined {
  const p: Path = ["hosts", host, "networks"];
  if (!nets.networksDeclared) {
    if (raw === undefined) return [DEFAULT_NETWORK];
    ctx.problem(
      p,
      `\`networks\` is set on \`${host}\`, but the scenario declares no networks`,
      `declare them at the top level first, e.g. \`networks: [lan, dmz]\`; or remove \`networks\` from \`${host}\` (without declared networks every host is on one network)`,
      { atKey: true },
    );
    return undefined;
  }
  const declared = nets.networkNames;
  if (raw === undefined) return declared?.[0] === undefined ? undefined : [declared[0]];
  if (!Array.isArray(raw) || raw.length === 0 || !raw.every((n) => typeof n === "string")) return undefined; // zod reported it
  if (declared === undefined) return undefined; // the scenario's own list is unusable (reported)
  let ok = true;
  raw.forEach((n: string, i) => {
    if (!declared.includes(n)) {
      const suggestion = didYouMean(n, declared);
      ctx.problem([...p, i], `unknown network \`${truncate(n)}\``, `${suggestion ? `${suggestion} ` : ""}the scenario declares ${listWords(declared, "and")}; add \`${truncate(n)}\` to the top-level \`networks\` to declare it`);
      ok = false;
    } else if (raw.indexOf(n) !== i) {
      ctx.problem([...p, i], `duplicate network \`${n}\` on \`${host}\``, "remove the repeated name");
      ok = false;
    }
  });
  return ok ? (raw as string[]) : undefined;
}

/** A router is a firewall host (NET_ADMIN for FORWARD rules) on at least two networks. */
function checkRouter(ctx: CheckBase, nets: Networks, name: string, host: Record<string, unknown>, networks: readonly string[] | undefined, misspeltFirewall: boolean): void {
  const p: Path = ["hosts", name];
  if ((host["firewall"] === undefined || host["firewall"] === false) && !misspeltFirewall) {
    ctx.problem([...p, "router"], `\`router\` is set on \`${name}\`, which is not a firewall host`, `routers need NET_ADMIN for FORWARD rules; add \`firewall: true\` to \`${name}\``, { atKey: true });
  }
  if (!nets.networksDeclared) {
    ctx.problem(
      [...p, "router"],
      `router \`${name}\` needs at least two networks, but the scenario declares none`,
      `declare them at the top level, e.g. \`networks: [lan, dmz]\`, and attach \`${name}\` to both: \`networks: [lan, dmz]\``,
      { atKey: true },
    );
    return;
  }
  if (networks === undefined || networks.length >= 2) return;
  const [only] = networks;
  const other = nets.networkNames?.find((n) => n !== only);
  ctx.problem(
    host["networks"] === undefined ? [...p, "router"] : [...p, "networks"],
    `router \`${name}\` is on one network (\`${only}\`); a router needs at least two`,
    other === undefined
      ? `declare a second network at the top level (e.g. \`networks: [${only}, dmz]\`) and attach \`${name}\` to both`
      : `attach it to the networks it routes between, e.g. \`networks: [${only}, ${other}]\``,
    host["networks"] === undefined ? { atKey: true } : {},
  );
}

/**
 * Can \`from\` reach the target? On a shared network, or through one router on
 * a network of each. Localhost and literal addresses are not checked.
 */
export function checkReachable(ctx: CheckBase & Topology, from: string, to: ProbeTarget, p: Path, offset: number | undefined): boolean {
  if (!ctx.networksDeclared || to.kind !== "host") return true;
  const a = ctx.hosts.get(from)?.networks;
  const b = ctx.hosts.get(to.host)?.networks;
  if (!a || !b) return true; // reported elsewhere
  if (a.some((n) => b.includes(n))) return true;
  const routers = [...ctx.hosts.values()].filter((h) => h.router && h.networks);
  if (routers.some((r) => r.networks?.some((n) => a.includes(n)) && r.networks.some((n) => b.includes(n)))) return true;
  const side = (host: string, nets: readonly string[]): string => (nets.length === 1 ? String(nets[0]) : `${host}'s networks (${nets.join(", ")})`);
  const na = String(a[0]);
  const nb = String(b[0]);
  ctx.problem(
    p,
    `${to.host} is not reachable from ${from}: no shared network and no router between ${side(from, a)} and ${side(to.host, b)}`,
    `add a router on both networks, e.g. \`hosts: { gw: { firewall: true, router: true, networks: [${na}, ${nb}] } }\`; or attach \`${to.host}\` to ${na} as well (\`networks: [${[...b, na].join(", ")}]\`)`,
    at(offset),
  );
  return false;
}
