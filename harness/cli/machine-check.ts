/**
 * The machine's own firewall around a command that starts labs (`fwspec
 * record`, `fwspec diff`), as `fwspec run` does it: read before and after
 * (env/host-firewall.ts); a part that could not be read is said out loud; a
 * change fails the command (exit 1) — fwspec applies rules only inside labs.
 */
import { compareSnapshots, snapshotHostFirewall, uncheckedWarning } from "../env/host-firewall.ts";
import { EXIT, type ExitCode } from "../errors.ts";

/** `invocation`: how the user types fwspec, for the command the warning names (cli/invocation.ts). */
export async function withMachineFirewallCheck(command: string, body: () => Promise<ExitCode>, invocation?: string): Promise<ExitCode> {
  const before = await snapshotHostFirewall();
  const code = await body();
  const comparison = compareSnapshots(before, await snapshotHostFirewall());
  const notCompared = uncheckedWarning(comparison, invocation);
  if (notCompared) process.stderr.write(notCompared);
  if (comparison.changed.length === 0) return code;
  process.stderr.write(`\nfwspec: THE MACHINE'S OWN FIREWALL CHANGED during fwspec ${command} (${comparison.changed.join(", ")}): something outside fwspec's labs changed it. The command fails.\n`);
  return EXIT.failed;
}
