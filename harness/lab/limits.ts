/**
 * Limits of in-container commands. Time: every command is bounded. Commands
 * that can run user or tool work (apply scripts, restore input, rule commands,
 * `run` steps, resets) get a limit the host's agent enforces as `timeout -k 1
 * <limit>` would (TERM to the command's process group, KILL a second later);
 * fwspec's own hot-path commands (probe control, counter reads) are bounded by
 * the harness's guard timer, which drops a channel that does not answer. Output: the agent sends back at
 * most OUTPUT_KEPT_BYTES of each stream and stops a command at twice that (a
 * `yes` must not run on); a command that printed more fails (a `run` step is
 * not judged on part of its output).
 */
import { CommandError, InputError } from "../errors.ts";
import { type AgentLimits, OUTPUT_KEPT_BYTES } from "./agent.ts";
import type { ExecOptions } from "./exec.ts";
import { fwspecCommand } from "../invocation.ts";

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
export function timedOutError(host: string, command: readonly string[], seconds: number, r: { exitCode: number; stdout: string; stderr: string }, invocation?: string): CommandError {
  const shown = command.join(" ");
  return new CommandError(`\`${shown.length > 200 ? `${shown.slice(0, 200)}…` : shown}\` did not finish within ${seconds} s on ${host}; it was killed with everything it started`, {
    command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, where: host,
  }, { hint: `if it needs longer, raise the limit with \`${fwspecCommand("run --command-timeout <seconds>", invocation)}\` (default ${DEFAULT_COMMAND_TIMEOUT_SECONDS}); otherwise find what it waits for` });
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

/** What of a cut output a failure keeps: the first bytes of each stream (the failure ends up in reports). */
const SHOWN_OF_CUT_OUTPUT = 4096;

/** A command that printed more than the agent sends back: it fails, with the first of what it printed. */
export function outputCutError(host: string, command: readonly string[], printed: { readonly stdout: number; readonly stderr: number }, r: { exitCode: number; stdout: string; stderr: string }): CommandError {
  const shown = command.join(" ");
  const first = (text: string) => (text.length > SHOWN_OF_CUT_OUTPUT ? `${text.slice(0, SHOWN_OF_CUT_OUTPUT)}\n[… first ${SHOWN_OF_CUT_OUTPUT} characters shown]` : text);
  return new CommandError(`\`${shown.length > 200 ? `${shown.slice(0, 200)}…` : shown}\` printed ${printed.stdout} bytes on stdout and ${printed.stderr} on stderr on ${host}, more than the ${OUTPUT_KEPT_BYTES >> 20} MiB of each fwspec reads back (a command is stopped at twice that); it fails unjudged`, {
    command, exitCode: r.exitCode, stdout: first(r.stdout), stderr: first(r.stderr), where: host,
  }, { hint: "send the bulk to a file inside the host (`… > /tmp/out`) and print only what the step checks (e.g. `| grep PATTERN` or `| tail -n 100`)" });
}
