/**
 * A reader that went away (`fwspec validate | true`, `fwspec run | head` after
 * the run ended): Node emits EPIPE as an `error` event on stdout or stderr,
 * which without a listener ends the process with a stack trace and exit 1 —
 * before the machine-firewall check and the report files. The CLI listens for
 * its whole life: the command goes on (what is left to print is lost, files
 * are still written) and fwspec exits 141, as after SIGPIPE, where it would
 * have exited 0. During a run harness/interrupt.ts also stops the run on it
 * (its labs are removed first).
 */

/** 128 + SIGPIPE. */
export const CLOSED_OUTPUT_EXIT = 141;

/**
 * Starts listening on stdout and stderr; `closed()` says whether either failed
 * since. The error comes after the write that met the closed pipe returned,
 * often after the command itself ended, so the exit code is set at the exit.
 */
export function watchClosedOutput(streams: readonly NodeJS.EventEmitter[] = [process.stdout, process.stderr], exiting: NodeJS.EventEmitter = process): { closed(): boolean } {
  let closed = false;
  // Every error is listened to (an unheard one ends the process with a stack trace); a reader gone is EPIPE.
  for (const s of streams) s.on("error", (error: NodeJS.ErrnoException) => void (closed ||= error.code === "EPIPE"));
  // Only a command that would have exited 0 exits 141: a failed check's 1, a usage error's 2, a signal's 130 say more.
  exiting.once("exit", (code: number) => {
    if (closed && code === 0) process.exitCode = CLOSED_OUTPUT_EXIT;
  });
  return { closed: () => closed };
}
