/**
 * Can the host named in `answered-by` get the probe at all? When it is not the
 * probed host, some firewall host on the probe's way rewrote the probe (DNAT)
 * and sent it on: the client itself (nat OUTPUT: a locally sent packet is
 * routed to wherever it now goes), a router between client and target, or the
 * target. A router forwards onto its own networks only (routers get no routes
 * in the lab), and a host that is not a router forwards nothing. When no such
 * host can hand the probe to the answering host, the expectation cannot hold
 * and `run` would only say that no answer came.
 */
import type { HostInfo } from "./context.ts";
import { listWords } from "./suggest.ts";

export type PathHost = Pick<HostInfo, "name" | "firewall" | "router" | "networks">;
type Placed = PathHost & { readonly networks: readonly string[] };

/** Why `answerer` cannot answer a probe `from` → `target`; undefined when it can, or when the topology cannot tell (reported elsewhere). */
export function answerPathProblem(
  hosts: ReadonlyMap<string, PathHost>,
  networksDeclared: boolean,
  probe: { readonly from: string; readonly target: string; readonly answerer: string },
): { readonly message: string; readonly hint: string } | undefined {
  const placed = (name: string): Placed | undefined => {
    const h = hosts.get(name);
    return h?.networks ? (h as Placed) : undefined;
  };
  const c = placed(probe.from);
  const t = placed(probe.target);
  const h = placed(probe.answerer);
  if (!c || !t || !h || t.name === h.name) return undefined;
  const shares = (a: Placed, b: Placed): boolean => a.networks.some((n) => b.networks.includes(n));
  const routersBetween = (a: Placed, b: Placed): Placed[] => [...hosts.values()].flatMap((r) => (r.router && r.networks && shares(r as Placed, a) && shares(r as Placed, b) ? [r as Placed] : []));
  const reaches = (a: Placed, b: Placed): boolean => shares(a, b) || routersBetween(a, b).length > 0;
  if (!reaches(c, t)) return undefined; // the target itself is unreachable (checkReachable says so)
  const handsOn = (x: Placed): boolean => x.name === h.name || (x.router && shares(x, h));
  if (c.firewall && (c.name === h.name || reaches(c, h))) return undefined;
  if (!shares(c, t) && routersBetween(c, t).some(handsOn)) return undefined;
  if (t.firewall && handsOn(t)) return undefined;

  const lead = `${h.name} cannot answer a probe of ${t.name} from ${c.name}`;
  const self = `or, if ${t.name} answers itself (REDIRECT), write \`answered-by ${t.name}\``;
  if (!t.firewall) {
    return {
      message: `${lead}: no firewall host on its way can send it on to ${h.name} (${t.name} is not a firewall host)`,
      hint: `rewrite it (DNAT) on a firewall host the probe passes that shares a network with ${h.name} and forwards (\`firewall: true, router: true\`); ${self}`,
    };
  }
  if (!shares(t, h)) {
    const [first] = t.networks;
    return {
      message: `${lead}: ${h.name} is not reachable from ${t.name}: they share no network, and a probe ${t.name} rewrites is forwarded onto ${t.name}'s own networks only`,
      hint: `attach \`${h.name}\` to ${first} as well (\`networks: [${[...h.networks, first].join(", ")}]\`)${t.router ? "" : ` and add \`router: true\` to \`${t.name}\``}; ${self}`,
    };
  }
  return {
    message: `${lead}: ${t.name} is not a router, so it does not forward the probe it rewrites to ${h.name}`,
    hint: t.networks.length >= 2
      ? `add \`router: true\` to \`${t.name}\` (it is on ${listWords(t.networks, "and")}), so it forwards the probe to ${h.name}; ${self}`
      : `a router forwards and needs two networks: ${networksDeclared ? "attach" : "declare them at the top level (`networks: [lan, dmz]`), attach"} \`${t.name}\` to two with \`router: true\` and \`${h.name}\` to the second; ${self}`,
  };
}
