/** Progress lines for long work (image builds, lab start, probes), on stderr so stdout stays for reports. */
import { safeText } from "./text.ts";

export interface Progress {
  /** A new phase of work. */
  step(message: string): void;
  /** Detail inside a phase. */
  info(message: string): void;
}

export function consoleProgress(stream: NodeJS.WritableStream = process.stderr, prefix = "fwspec"): Progress {
  const started = Date.now();
  const stamp = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
  return {
    step: (m) => void stream.write(`${prefix} ${stamp()} ${safeText(m)}\n`),
    info: (m) => void stream.write(`${prefix} ${stamp()}   ${safeText(m)}\n`),
  };
}

export const silentProgress: Progress = { step: () => {}, info: () => {} };
