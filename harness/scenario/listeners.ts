/**
 * Listeners: a host's `listen` list (`tcp/8080`, `udp/5353`, `http/3000`, one
 * per transport port), and whether the target of a probe listens where it goes
 * (every probed port needs a listener, so "blocked" can only mean the firewall).
 */
import { isIPv4 } from "node:net";
import { findDeclared } from "../model/host-addresses.ts";
import { LISTENER } from "../model/names.ts";
import { isLoopbackTarget } from "../model/targets.ts";
import { PROTOCOLS } from "../model/types.ts";
import type { ListenerSpec, ProbeTarget, Protocol } from "../model/types.ts";
import type { CheckBase, Topology } from "./context.ts";
import { at } from "./diagnostics.ts";
import type { Path } from "./locate.ts";
import type { AddressPlan } from "./subnets.ts";
import { closest, listWords } from "./suggest.ts";
import { allChecked, truncate, unsafeWhat } from "./values.ts";

/** A host's `listen` list, each listener once per transport port; undefined (reported) unless all are valid. */
export function checkListeners(ctx: CheckBase, host: string, listen: readonly unknown[]): ListenerSpec[] | undefined {
  const seen = new Map<string, string>(); // "tcp/8080" (http counts as tcp) -> as written
  return allChecked(listen, (text, i) => {
    const p: Path = ["hosts", host, "listen", i];
    if (typeof text !== "string") return undefined; // zod reported it
    const l = parseListener(ctx, text, p);
    if (!l) return undefined;
    const transport = `${l.protocol === "udp" ? "udp" : "tcp"}/${l.port}`;
    const before = seen.get(transport);
    if (before !== undefined) {
      // `tcp/22` and `tcp/022`: one port written twice; `tcp/80` and `http/80`: two listeners on one TCP port.
      const sameProtocol = before.split("/")[0] === l.protocol;
      const message =
        before === text ? `duplicate listener \`${text}\` on \`${host}\``
        : sameProtocol ? `\`${text}\` and \`${before}\` name the same ${l.protocol.toUpperCase()} port ${l.port} of \`${host}\``
        : `\`${text}\` and \`${before}\` both listen on TCP port ${l.port} of \`${host}\``;
      const hint =
        before === text ? "remove the repeated listener"
        : sameProtocol ? "remove one of them"
        : "an http listener already answers TCP; keep one of them (tcp and http probes both reach an http listener)";
      ctx.problem(p, message, hint);
      return undefined;
    }
    seen.set(transport, text);
    return l;
  });
}

/** `PROTOCOL/PORT`, with a hint close to what was meant. */
function parseListener(ctx: CheckBase, text: string, p: Path): ListenerSpec | undefined {
  const m = LISTENER.exec(text);
  if (m) {
    const digits = text.slice(String(m[1]).length + 1);
    const port = Number(digits);
    if (port >= 1 && port <= 65535) return { protocol: m[1] as Protocol, port };
    ctx.problem(p, `port ${digits} of listener \`${text}\` is not from 1 to 65535`, "write PROTOCOL/PORT with a port from 1 to 65535, e.g. `tcp/8080`");
    return undefined;
  }
  const unsafe = unsafeWhat(text);
  let hint = `write PROTOCOL/PORT with PROTOCOL ${listWords(PROTOCOLS)}, e.g. \`tcp/8080\`, \`udp/5353\`, \`http/3000\``;
  const parts = /^([A-Za-z0-9]*)\s*[/:]\s*([0-9]+)$/.exec(text);
  if (/^[0-9]+$/.test(text)) hint = `say the protocol: \`tcp/${text}\`, \`udp/${text}\` or \`http/${text}\``;
  else if (parts) {
    const proto = (parts[1] ?? "").toLowerCase();
    const word = (PROTOCOLS as readonly string[]).includes(proto) ? proto : closest(proto, PROTOCOLS);
    if (word !== undefined) hint = `did you mean \`${word}/${parts[2]}\`? ${hint}`;
  }
  ctx.problem(p, unsafe ? `listener \`${truncate(text)}\` contains ${unsafe}` : `invalid listener \`${truncate(text)}\``, hint);
  return undefined;
}

/**
 * The host a probe's target is: the probing host for `localhost` and a loopback
 * address, the host that declares a literal address in the address plan;
 * undefined for any other literal (no host known before the lab: the probe
 * errors there when no lab host holds it, probes/literal-targets.ts).
 */
function targetHost(ctx: Topology & { readonly addressPlan?: AddressPlan | undefined }, from: string, to: ProbeTarget): string | undefined {
  if (to.kind === "localhost") return from;
  if (to.kind === "host") return to.host;
  if (isLoopbackTarget(to.address)) return from;
  const family = isIPv4(to.address) ? "ipv4" : "ipv6";
  for (const [host, addresses] of ctx.addressPlan?.addresses ?? []) if (findDeclared(addresses, to.address, family)) return host;
  return undefined;
}

/** Checks that the target host listens where the probe goes; false (and a problem) if not. */
export function checkListener(ctx: CheckBase & Topology & { readonly addressPlan?: AddressPlan | undefined }, from: string, to: ProbeTarget, port: number, protocol: Protocol, p: Path, offset: number | undefined): boolean {
  const name = targetHost(ctx, from, to);
  if (name === undefined) return true;
  const info = ctx.hosts.get(name);
  if (!info?.listeners) return true; // unknown or invalid host: reported elsewhere
  const matches = (l: ListenerSpec): boolean =>
    l.port === port && (l.protocol === protocol || (protocol === "tcp" && l.protocol === "http"));
  if (info.listeners.some(matches)) return true;
  const declared = info.listeners.map((l) => `${l.protocol}/${l.port}`);
  const target =
    to.kind === "localhost" ? `\`${name}\` (localhost is the probing host's own loopback)`
    : to.kind === "address" ? `\`${name}\` (${to.address} is ${name === from && isLoopbackTarget(to.address) ? "the probing host's own loopback" : `an address ${name} declares`})`
    : `\`${name}\``;
  let hint = `declare it: \`hosts: { ${name}: { listen: [${protocol}/${port}] } }\`; ${declared.length > 0 ? `${name} listens on ${declared.join(", ")}` : `${name} declares no listeners`}`;
  if (protocol === "http" && info.listeners.some((l) => l.port === port && l.protocol === "tcp")) {
    hint = `an http probe needs an \`http/${port}\` listener (\`tcp/${port}\` answers TCP, not HTTP); declare \`http/${port}\` instead, or probe \`/tcp\``;
  }
  ctx.problem(p, `${target} does not listen on ${protocol}/${port}`, `${hint}. Every probed port needs a listener, so that "blocked" can only mean the firewall`, at(offset));
  return false;
}
