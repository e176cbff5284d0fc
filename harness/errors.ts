/**
 * Errors carry context for reports: a short message, the exit code class, and
 * (where a command failed) the command, its exit code and stderr.
 */
import type { RejectedRuleLine } from "./model/results.ts";
import { messageText, oneLine, safeText } from "./text.ts";

/** Exit codes of the fwspec CLI. */
export const EXIT = {
  ok: 0,
  failed: 1,
  badInput: 2,
  environment: 3,
  /** fwspec's own failure after the checks ran (a report could not be written); 1 wins when a check failed. */
  internal: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface FwspecErrorOptions {
  readonly cause?: unknown;
  /** What the user can do about it. */
  readonly hint?: string;
}

export class FwspecError extends Error {
  readonly exitCode: ExitCode = EXIT.failed;
  readonly hint: string | undefined;
  constructor(message: string, options: FwspecErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
  /** One paragraph for a console report. */
  report(): string {
    return messageText(this.hint ? `${this.message}\n  hint: ${this.hint}` : this.message);
  }
}

/** No Docker engine, image build failed, unsupported machine: exit code 3. */
export class EnvironmentError extends FwspecError {
  override readonly exitCode = EXIT.environment;
}

/** Bad usage or an invalid scenario, found before any container starts: exit code 2. */
export class InputError extends FwspecError {
  override readonly exitCode = EXIT.badInput;
}

export interface CommandFailure {
  /** The command as an argument array, exactly as executed. */
  readonly command: readonly string[];
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Where it ran: a lab host name, or "machine". */
  readonly where: string;
}

/** A command inside a lab host failed (apply, listener start, reset); `rejected`: the rules file lines it refused, when it named them. */
export class CommandError extends FwspecError {
  readonly failure: CommandFailure;
  readonly rejected: readonly RejectedRuleLine[] | undefined;
  constructor(message: string, failure: CommandFailure, options: FwspecErrorOptions & { readonly rejected?: readonly RejectedRuleLine[] } = {}) {
    super(message, options);
    this.failure = failure;
    this.rejected = options.rejected;
  }
  override report(): string {
    const f = this.failure;
    const out = (f.stderr.trim() || f.stdout.trim()).split("\n").slice(-8).join("\n    ");
    return safeText([
      this.message,
      `  on ${f.where}: ${oneLine(f.command.join(" "))}`,
      `  exit code ${f.exitCode}${out ? `:\n    ${out}` : ""}`,
      ...(this.hint ? [`  hint: ${this.hint}`] : []),
    ].join("\n"));
  }
}

/** A file the user asked for (`fwspec record`'s scenario) could not be written after the lab ran: exit code 4. */
export class OutputError extends FwspecError {
  override readonly exitCode = EXIT.internal;
}

/** The lab could not be built or used (container gone, network exhausted, listener never came up). */
export class LabError extends FwspecError {}

/** An error as one paragraph for a report: a FwspecError's report (with its hint), otherwise its message. */
export function errorMessage(error: unknown): string {
  return error instanceof FwspecError ? error.report() : (error as Error)?.message ?? String(error);
}
