/**
 * Progress lines for long work (image builds, lab start, probes), on stderr so stdout stays for reports.
 * Once an interrupt has been announced (interrupt.ts) they stop: what they would say is work being
 * cancelled. The cleanup writes its own lines (`removing this run's containers …`) directly.
 */
import { interrupted } from "./interrupt.ts";
import { safeText } from "./text.ts";

export interface Progress {
  /** A new phase of work. */
  step(message: string): void;
  /** Detail inside a phase. */
  info(message: string): void;
}

/** Lines on `stream`, none once `stopped()` (default: fwspec is being interrupted). */
export function consoleProgress(stream: NodeJS.WritableStream = process.stderr, prefix = "fwspec", stopped: () => boolean = interrupted): Progress {
  const started = Date.now();
  const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  const line = (text: string) => void (stopped() ? undefined : stream.write(`${prefix} ${stamp()} ${text}\n`));
  return {
    step: (m) => line(safeText(m)),
    info: (m) => line(`  ${safeText(m)}`),
  };
}

export const silentProgress: Progress = { step: () => {}, info: () => {} };
