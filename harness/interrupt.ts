/**
 * fwspec's one way of stopping early. SIGINT, SIGTERM, SIGHUP, the process
 * that started fwspec going away, or its output closed (EPIPE: `fwspec run |
 * head`, a reader that died), all do the same: run every registered cleanup
 * once (bounded), then exit 128+signal (141 for a closed output, as SIGPIPE). Used by the process entry
 * points (harness/cli/run.ts, each vitest scenario worker); the one place
 * outside cli/ that ends the process, because a stop is the process's own.
 *
 * Why the parent watch: CI cancels a job by signalling the command it started,
 * e.g. `npx fwspec run`. npm forwards SIGINT/SIGTERM only to its direct child,
 * the `<script-shell> -c` it runs the bin with. The project's .npmrc makes that
 * shell bash, which execs the command, so npm's child is fwspec itself and the
 * signal arrives here. Where the shell is still in between (dash: it dies of
 * SIGTERM but holds SIGINT until its child exits), or the launcher is killed
 * outright (SIGKILL), the launcher disappears and fwspec is re-parented: we
 * poll process.ppid (one getppid() per poll) and stop as on SIGTERM, so a run
 * never outlives the command that started it.
 */

type Cleanup = (reason: string) => Promise<unknown>;

const SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
/** 128 + SIGPIPE: the exit when fwspec's output is closed. */
const CLOSED_OUTPUT = 141;
const PARENT_POLL_MS = 250;
/** Cleanup gets this long; then fwspec exits anyway (the next run's sweep takes what is left). */
const CLEANUP_BUDGET_MS = 20_000;

const cleanups = new Set<Cleanup>();
/** Cleanups registered with the parent watch (fwspec's own entry points). */
const watchingParent = new Set<Cleanup>();
let watcher: NodeJS.Timeout | undefined;
let stopping = false;

function onSignal(signal: NodeJS.Signals): void {
  stop(signal, SIGNALS[signal as keyof typeof SIGNALS] ?? 143);
}

function stop(reason: string, code: number): void {
  if (stopping) {
    process.stderr.write(`fwspec: ${reason}: still removing this run's containers and networks\n`);
    return;
  }
  stopping = true;
  clearInterval(watcher);
  const all = [...cleanups];
  const budget = new Promise((resolve) => setTimeout(resolve, CLEANUP_BUDGET_MS).unref());
  void Promise.race([Promise.allSettled(all.map((c) => c(reason))), budget]).finally(() => process.exit(code));
}

/** A write to stdout or stderr failed: the reader is gone (EPIPE) — stop as on a signal; once stopping, further failed writes say nothing. */
function onOutputError(error: NodeJS.ErrnoException): void {
  if (stopping) return;
  stop(`its output was closed (${error.code ?? error.message})`, CLOSED_OUTPUT);
}

type Signal = keyof typeof SIGNALS;
const ALL_SIGNALS = Object.keys(SIGNALS) as Signal[];
/** The signals fwspec's handler listens for now. */
const listening = new Set<Signal>();

function install(signals: readonly Signal[]): void {
  if (listening.size === 0) {
    process.stdout.on("error", onOutputError);
    process.stderr.on("error", onOutputError);
  }
  for (const signal of signals) {
    if (listening.has(signal)) continue;
    listening.add(signal);
    process.on(signal, onSignal);
  }
}

function watchParent(): void {
  if (watcher) return;
  const parent = process.ppid;
  watcher = setInterval(() => {
    if (process.ppid !== parent) stop(`the process that started fwspec (pid ${parent}) is gone`, SIGNALS.SIGTERM);
  }, PARENT_POLL_MS);
  watcher.unref();
}

function uninstall(): void {
  for (const signal of listening) process.off(signal, onSignal);
  listening.clear();
  process.stdout.off("error", onOutputError);
  process.stderr.off("error", onOutputError);
  clearInterval(watcher);
  watcher = undefined;
}

/** True once fwspec is stopping: callers print no results (they would be the cleanup's doing). */
export function interrupted(): boolean {
  return stopping;
}

/**
 * Of SIGINT, SIGTERM and SIGHUP, those no one else listens for: each would
 * end the process by Node's default, leaving the run's containers; fwspec's
 * handler removes them first and exits with the same 128+n. A program using
 * the API that handles a signal itself keeps that one (api.ts
 * RunOptions.handleInterrupts).
 */
export function unclaimedSignals(): Signal[] {
  return ALL_SIGNALS.filter((s) => process.listeners(s).every((l) => l === onSignal));
}

/**
 * Runs `cleanup` if fwspec is interrupted while it is registered; returns the
 * function that unregisters it. Signal handlers exist only while something is
 * registered; the parent watch (stop when the launcher is gone: CI cancels
 * through npx) only while a cleanup asked for it (fwspec's own entry points,
 * not a program using the API, which may outlive its parent on purpose).
 */
export function onInterrupt(cleanup: Cleanup, options: { readonly watchParent?: boolean; readonly signals?: readonly Signal[] } = {}): () => void {
  install(options.signals ?? ALL_SIGNALS);
  cleanups.add(cleanup);
  if (options.watchParent !== false) {
    watchingParent.add(cleanup);
    watchParent();
  }
  return () => {
    cleanups.delete(cleanup);
    watchingParent.delete(cleanup);
    if (watchingParent.size === 0 && !stopping) {
      clearInterval(watcher);
      watcher = undefined;
    }
    if (cleanups.size === 0 && !stopping) uninstall();
  };
}
