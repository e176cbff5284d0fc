/**
 * Diagnostics of scenario files: a problem found by a check (a path into the
 * scenario, a message and a hint), and the positioned diagnostic it becomes
 * (file, line, column), collected into one ScenarioError per file.
 */
import { InputError } from "../errors.ts";
import { shownPath } from "../shown-path.ts";
import { oneLine } from "../text.ts";
import { formatPath } from "./locate.ts";
import type { Locator, Path } from "./locate.ts";

export interface Diagnostic {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  readonly message: string;
  readonly hint?: string;
}

/** `scenarios/x.yaml:12:9: unknown host \`remot\`\n  hint: did you mean \`remote\`?` (a file inside the folder fwspec runs in named relative to it). */
export function formatDiagnostic(d: Diagnostic): string {
  const head = `${oneLine(shownPath(d.file))}:${d.line}:${d.column}: ${oneLine(d.message)}`;
  return d.hint ? `${head}\n  hint: ${oneLine(d.hint)}` : head;
}

/** Diagnostics shown per file at most; the rest are counted (`… and 5 more problem(s) in x.yaml`), never dropped from `diagnostics`. */
export const MAX_DIAGNOSTICS = 20;

/** The diagnostics as shown: the first MAX_DIAGNOSTICS formatted, then one line counting the rest. */
export function shownDiagnostics(diagnostics: readonly Diagnostic[]): string[] {
  const shown = diagnostics.slice(0, MAX_DIAGNOSTICS).map(formatDiagnostic);
  const more = diagnostics.length - MAX_DIAGNOSTICS;
  if (more <= 0) return shown;
  const files = [...new Set(diagnostics.slice(MAX_DIAGNOSTICS).map((d) => oneLine(shownPath(d.file))))].join(", ");
  return [...shown, `… and ${more} more problem(s) in ${files} (not shown; fix these and validate again)`];
}

/** An invalid scenario (exit code 2): every problem found in the file (the message shows MAX_DIAGNOSTICS of them). */
export class ScenarioError extends InputError {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    super(shownDiagnostics(diagnostics).join("\n"));
    this.diagnostics = [...diagnostics];
  }
}

/** A ScenarioError with one diagnostic (about the file as a whole: line 1, column 1 unless given). */
export function fileDiagnostic(file: string, message: string, hint: string, line = 1, column = 1): ScenarioError {
  return new ScenarioError([{ file, line, column, message, hint }]);
}

/** A diagnostic before it has a position. */
export interface Problem {
  readonly path: Path;
  readonly message: string;
  readonly hint?: string | undefined;
  /** Point at the key of the last path segment rather than at its value. */
  readonly atKey?: boolean;
  /** Offset inside the string value at `path`. */
  readonly offset?: number;
}

/** Where a problem points besides its path. */
export interface ProblemPlace {
  readonly atKey?: boolean;
  readonly offset?: number;
}

/** How checks report: a path, a message, a hint. */
export type Report = (p: Path, message: string, hint?: string, place?: ProblemPlace) => void;

/** `{ offset }`, or nothing when there is none (optional keys stay absent). */
export function at(offset: number | undefined): ProblemPlace {
  return offset === undefined ? {} : { offset };
}

/** Positions, once each (line, column and message), sorted by position. */
export function toDiagnostics(problems: readonly Problem[], file: string, locator: Locator, inline: boolean): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const q of problems) {
    const pos = locator.locate(q.path, { ...(q.atKey ? { atKey: true } : {}), ...(q.offset !== undefined ? { offset: q.offset } : {}) });
    const message = inline && q.path.length > 0 ? `${formatPath(q.path)}: ${q.message}` : q.message;
    const d: Diagnostic = { file, line: pos.line, column: pos.column, message, ...(q.hint ? { hint: q.hint } : {}) };
    const k = `${d.line}:${d.column}:${d.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(d);
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}
