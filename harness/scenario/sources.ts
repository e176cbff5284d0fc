/**
 * An expectation's source address (`scanner@198.18.7.99 -> …`): it must be
 * one of the host's declared addresses — fixed or extra, on any of its
 * networks (automatic addresses are not known before the lab starts). Pure.
 */
import { declaredAddresses, findDeclared } from "../model/host-addresses.ts";
import { DEFAULT_NETWORK } from "../model/types.ts";
import type { CheckContext } from "./context.ts";
import { at } from "./diagnostics.ts";
import type { Path } from "./locate.ts";
import type { CompactSource } from "./source-syntax.ts";
import { listWords } from "./suggest.ts";

/** Reports (at `p`, `offset`) a source address the host does not hold. */
export function checkSource(ctx: CheckContext, host: string, source: CompactSource, p: Path, offset: number | undefined): boolean {
  if (!ctx.hosts.has(host)) return false; // reported as an unknown host
  const addresses = ctx.addressPlan?.addresses.get(host);
  if (findDeclared(addresses, source.address, source.family)) return true;
  const held = declaredAddresses(addresses).map((d) => d.address);
  const net = ctx.hosts.get(host)?.networks?.[0] ?? DEFAULT_NETWORK;
  ctx.problem(
    p,
    `${source.address} is not an address of \`${host}\``,
    held.length > 0
      ? `\`${host}\` holds ${listWords(held, "and")}; to leave from ${source.address}, add it to \`${host}\`'s \`addresses: { ${net}: { extra: [${source.address}] } }\` (inside the network's declared subnet)`
      : `a probe leaves only from a declared address: give \`${host}\` \`addresses: { ${net}: { extra: [${source.address}] } }\`, inside a subnet declared in \`subnets\``,
    at(offset),
  );
  return false;
}
