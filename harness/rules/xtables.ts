/**
 * The target extensions a lab host's iptables can load, read from its xtables
 * folder (`libxt_LOG.so`, `libipt_REJECT.so` …; names by missing-jumps.ts).
 * Read only when a restore refusal may be a jump to nothing.
 */
import type { LabHost } from "../lab/types.ts";
import type { Family } from "../model/types.ts";
import { extensionTargets } from "./missing-jumps.ts";

/** Where Debian (multiarch), Fedora and source builds keep the extensions: fwspec's constant, no scenario text. */
export const XTABLES_LISTING: readonly string[] = ["sh", "-c", "ls -1 /usr/lib/*/xtables /usr/lib/xtables /usr/lib64/xtables /usr/local/lib/xtables 2>/dev/null"];

/** The loadable target names of the family, or undefined when the folder could not be read (then only the target a tool names counts as missing). */
export async function loadableTargets(host: LabHost, family: Family): Promise<ReadonlySet<string> | undefined> {
  const r = await host.exec(XTABLES_LISTING).catch(() => undefined);
  return r === undefined ? undefined : extensionTargets(r.stdout.split("\n"), family);
}
