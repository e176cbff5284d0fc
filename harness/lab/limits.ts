/**
 * Time limits of in-container commands: every command is bounded. Commands
 * that can run user or tool work (apply scripts, restore input, rule commands,
 * `run` steps, resets) run under `timeout -k 1 <limit>` in the host; fwspec's
 * own hot-path commands (probe control, counter reads) skip that process (it
 * costs about 1 ms a command) and are bounded by the harness's guard timer,
 * which drops a channel that does not answer.
 */
import { CommandError, InputError } from "../errors.ts";
import type { AgentLimits } from "./agent.ts";
import type { ExecOptions } from "./exec.ts";

/** Default limit for one in-container command (`fwspec run --command-timeout`). */
export const DEFAULT_COMMAND_TIMEOUT_SECONDS = 60;
/** The harness waits this much longer than a command's limit before giving up on the channel. */
export const GUARD_MARGIN_SECONDS = 10;
const MAX_COMMAND_TIMEOUT_SECONDS = 86_400;

/** The limits sent with one command. */
export function commandLimits(hostTimeoutSeconds: number, options: ExecOptions): AgentLimits {
  const seconds = options.timeoutSeconds ?? hostTimeoutSeconds;
  return { limitSeconds: options.light ? 0 : seconds, guardMs: (seconds + GUARD_MARGIN_SECONDS) * 1000 };
}

/** A command that ran into its limit and was killed, with what it printed until then. */
export function timedOutError(host: string, command: readonly string[], seconds: number, r: { exitCode: number; stdout: string; stderr: string }): CommandError {
  const shown = command.join(" ");
  return new CommandError(`\`${shown.length > 200 ? `${shown.slice(0, 200)}…` : shown}\` did not finish within ${seconds} s on ${host}; it was killed with everything it started`, {
    command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, where: host,
  }, { hint: `if it needs longer, raise the limit with \`fwspec run --command-timeout <seconds>\` (default ${DEFAULT_COMMAND_TIMEOUT_SECONDS}); otherwise find what it waits for` });
}

/** `--command-timeout` as given on the command line. */
export function parseCommandTimeout(text: string): number {
  const n = /^[0-9]+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_COMMAND_TIMEOUT_SECONDS) {
    throw new InputError(`--command-timeout must be a whole number of seconds from 1 to ${MAX_COMMAND_TIMEOUT_SECONDS}, not \`${text}\``, {
      hint: `it bounds every command fwspec runs in a lab host (default ${DEFAULT_COMMAND_TIMEOUT_SECONDS})`,
    });
  }
  return n;
}
