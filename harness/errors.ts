/**
 * Errors carry context for reports: a short message, the exit code class, and
 * (where a command failed) the command, its exit code and stderr.
 */
import type { RejectedRuleLine } from "./model/results.ts";
import { shellQuote } from "./shell-quote.ts";
import { messageText, safeText } from "./text.ts";

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
    return safeText([
      this.message,
      `  on ${f.where}: ${shellQuote(f.command)}`,
      `  exit code ${f.exitCode}${printed(f.stdout, f.stderr)}`,
      ...(this.hint ? [`  hint: ${this.hint}`] : []),
    ].join("\n"));
  }
}

/** The last lines a failed command printed: one stream as it is, both (a script's echo and its command's error) each under its name. */
function printed(stdout: string, stderr: string): string {
  const tail = (text: string, indent: string) => {
    const lines = text.split("\n");
    const cut = lines.length - 8;
    return [...(cut > 0 ? [`(${cut} earlier line${cut === 1 ? "" : "s"} not shown)`] : []), ...lines.slice(-8)].join(`\n${indent}`);
  };
  const out = stdout.trim();
  const err = stderr.trim();
  if (out && err) return `:\n    stdout:\n      ${tail(out, "      ")}\n    stderr:\n      ${tail(err, "      ")}`;
  return out || err ? `:\n    ${tail(err || out, "    ")}` : "";
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
