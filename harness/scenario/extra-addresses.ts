/**
 * A host's extra addresses on a network (`addresses: { lan: { extra:
 * [198.18.7.99, "2001:db8:7::99"] } }`: a peer that plays several clients, or
 * "anywhere else"): each one IPv4 or IPv6 address, then checked by the caller
 * like a fixed address (inside the network's declared subnet of its family,
 * not its network, gateway or broadcast address, used once in the lab). Pure.
 */
import { isIPv4, isIPv6 } from "node:net";
import type { Family } from "../model/types.ts";
import type { CheckBase } from "./context.ts";
import type { Path } from "./locate.ts";
import { truncate } from "./values.ts";

/** Checks one address of its family at `p`; reports its own problems. */
export type AddressCheck = (family: Family, p: Path, text: string) => boolean;

/** The extra addresses at `p` (`…addresses.NET.extra`) that passed every check. */
export function checkExtras(ctx: CheckBase, p: Path, raw: unknown, check: AddressCheck): string[] {
  if (!Array.isArray(raw)) return []; // absent, or zod reported it
  const out: string[] = [];
  raw.forEach((text: unknown, i) => {
    if (typeof text !== "string") return; // zod reported it
    const q: Path = [...p, i];
    const family: Family | undefined = isIPv4(text) ? "ipv4" : isIPv6(text) ? "ipv6" : undefined;
    if (family === undefined) {
      const slash = text.indexOf("/");
      ctx.problem(
        q,
        slash >= 0 ? `extra address \`${truncate(text)}\` has a prefix length` : `\`${truncate(text)}\` is not an IPv4 or IPv6 address`,
        slash >= 0 ? `write the address alone (\`${truncate(text.slice(0, slash))}\`): it gets the network's prefix length` : "write one address per item, e.g. `extra: [198.18.7.99, \"2001:db8:7::99\"]`",
        slash >= 0 ? { offset: slash } : {},
      );
      return;
    }
    if (check(family, q, text)) out.push(text);
  });
  return out;
}
