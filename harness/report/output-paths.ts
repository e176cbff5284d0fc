/**
 * Report files may not overwrite what a run reads, nor each other: `--json
 * victim.yaml` would replace the scenario being run, `--html r.html --json
 * r.html` one report with the other. Checked before any lab starts. Paths are
 * compared as the file system resolves them (symlinks followed where the file
 * exists), so `./a.yaml`, `a.yaml` and a link to it are one file.
 */
import { realpathSync } from "node:fs";
import { resolve } from "node:path";

/** A file the caller writes after the run, as given (`--json out.json`). */
export interface PlannedOutput {
  /** How the user asked for it: `--json`. */
  readonly flag: string;
  readonly file: string;
}

/** A file the run reads: a scenario file or a rules file, script or nft file one of its steps loads. */
export interface RunInputFile {
  readonly file: string;
  /** `scenario file`, `rules file`. */
  readonly what: string;
}

function identity(file: string, cwd: string): string {
  const path = resolve(cwd, file);
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Each conflict as one sentence (empty when none); `identityOf` maps a path to what it names (tests pass their own). */
export function outputConflicts(outputs: readonly PlannedOutput[], inputs: readonly RunInputFile[], cwd: string, identityOf: (file: string, cwd: string) => string = identity): string[] {
  const read = new Map(inputs.map((i) => [identityOf(i.file, cwd), i] as const));
  const written = new Map<string, PlannedOutput>();
  const problems: string[] = [];
  for (const o of outputs) {
    const id = identityOf(o.file, cwd);
    const input = read.get(id);
    const before = written.get(id);
    if (input) problems.push(`${o.flag} ${o.file} would overwrite the ${input.what} ${input.file}`);
    else if (before) problems.push(`${before.flag} and ${o.flag} both name ${o.file}: one report would replace the other`);
    written.set(id, before ?? o);
  }
  return problems;
}
