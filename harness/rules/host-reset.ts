/**
 * Reads a host's whole network state (host-state.ts) in one in-container
 * command, and brings it back to its boot reading: nft tables that did not
 * exist at boot deleted, boot nft tables that changed loaded again, legacy tables restored, sysctls written back, then
 * read again and compared by digest. What is not restored (addresses,
 * routes, routing rules) makes the host not reusable.
 */
import { CommandError, LabError } from "../errors.ts";
import { oneLine } from "../text.ts";
import type { LabHost } from "../lab/types.ts";
import { createHash } from "node:crypto";
import { type HostState, parseHostState, planStateReset, READ_STATE, stateDifferences, stateDigest } from "./host-state.ts";
import { effectiveRuleset } from "./reset.ts";

/** A shared lab's host cannot be brought back to its boot state exactly: the next scenario needs a fresh lab. */
export class LabNotReusableError extends LabError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, hint: "the next scenario runs on a fresh lab; nothing to do unless this happens for every scenario" });
  }
}

const SAVES_END = "@@fwspec-saves-end";

/**
 * A digest of what a host's own rules and network state do, in one command: both families' iptables-save
 * (counters and comments aside; nft's JSON shows an iptables-nft rule's match and target options only by name)
 * and the whole network state. For a host fwspec never changes (no `firewall`), compared across a warm wait.
 */
export async function readHostDigest(host: LabHost): Promise<string> {
  const script = `iptables-save\necho '${SAVES_END}'\nip6tables-save\necho '${SAVES_END}'\n${READ_STATE}`;
  const out = (await host.run(["sh", "-ec", script], `reading ${host.name}'s rules and network state`)).stdout;
  const [ipv4 = "", ipv6 = "", state = ""] = out.split(`${SAVES_END}\n`);
  return createHash("sha256").update(`${effectiveRuleset(ipv4)}\n--\n${effectiveRuleset(ipv6)}\n--\n${stateDigest(parseHostState(state), host.spec.backend)}`).digest("hex");
}

export async function readHostState(host: LabHost): Promise<HostState> {
  return parseHostState((await host.run(["sh", "-ec", READ_STATE], `reading ${host.name}'s network state`)).stdout);
}

/**
 * Deletes new nft tables and loads changed boot tables again ($1, `nft -j -f`
 * input, one transaction), loads legacy restore input ($2, $3), writes
 * sysctls (pairs after $3), then reads the state again.
 */
const FIX_THEN_READ = [
  'if [ -n "$1" ]; then printf "%s" "$1" | nft -j -f /dev/stdin; fi',
  'if [ -n "$2" ]; then printf "%s" "$2" | iptables-legacy-restore; fi',
  'if [ -n "$3" ]; then printf "%s" "$3" | ip6tables-legacy-restore; fi',
  "shift 3",
  'while [ $# -gt 1 ]; do printf "%s\\n" "$2" >"/proc/sys/net/$1"; shift 2; done',
  READ_STATE,
].join("\n");

/**
 * Brings `host` back to `boot`, given a reading `now` taken while its
 * iptables tables were being restored (call after that restore is over).
 * Throws LabNotReusableError when the host cannot be made as it booted.
 */
export async function restoreHostState(host: LabHost, boot: HostState, now: HostState): Promise<void> {
  const backend = host.spec.backend;
  const plan = planStateReset(boot, now, backend);
  if (plan.unrestorable.length > 0) throw new LabNotReusableError(`${host.name}: ${plan.unrestorable.join("; ")}`);
  if (!plan.needed) {
    if (stateDigest(now, backend, false) === stateDigest(boot, backend, false)) return;
    throw new LabNotReusableError(`${host.name}: its network state differs from boot (${stateDifferences(boot, now, backend).join(", ")})`);
  }
  const args = [plan.nftInput, plan.legacy.ipv4, plan.legacy.ipv6, ...plan.sysctls.flat()];
  let after: HostState;
  try {
    after = parseHostState((await host.run(["sh", "-ec", FIX_THEN_READ, "fwspec-reset", ...args], `restoring ${host.name}'s network state`)).stdout);
  } catch (error) {
    const said = error instanceof CommandError ? `: ${oneLine(error.failure.stderr.trim().split("\n").slice(0, 2).join(" "))}` : "";
    throw new LabNotReusableError(`${host.name}: restoring its network state failed: ${(error as Error).message}${said}`, { cause: error });
  }
  if (stateDigest(after, backend) !== stateDigest(boot, backend)) {
    throw new LabNotReusableError(`${host.name}: its network state still differs from boot after the reset (${stateDifferences(boot, after, backend).join(", ")})`);
  }
}
