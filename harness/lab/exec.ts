/** Exec results are data; commands are argument arrays, quoted only for people to paste. */
import { shellQuote } from "../shell-quote.ts";

export interface ExecResult {
  readonly command: readonly string[];
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export interface ExecOptions {
  /** Data written to the command's stdin. */
  readonly stdin?: string;
  /** This command's time limit in seconds (default: the host's command timeout). */
  readonly timeoutSeconds?: number;
  /**
   * fwspec's own short hot-path command (probe control, counter reads): no
   * limit in the host; the harness's guard timer still bounds it.
   */
  readonly light?: boolean;
}

/** Something commands can run in: a started lab host. */
export interface CommandTarget {
  readonly name: string;
  /** The Docker container name, for repro commands. */
  readonly containerName: string;
  exec(command: readonly string[], options?: ExecOptions): Promise<ExecResult>;
}

// Quoting for people to paste lives beside the other display helpers (scenario hints use it too).
export { shellQuote };

/** `docker exec <container> <argv>` as a person can paste it. */
export function reproCommand(containerName: string, argv: readonly string[]): string {
  return `docker exec ${shellQuote([containerName])} ${shellQuote(argv)}`;
}

/** `docker exec -it <container> bash`: a shell in a kept lab host. */
export function shellCommand(containerName: string): string {
  return `docker exec -it ${shellQuote([containerName])} bash`;
}
