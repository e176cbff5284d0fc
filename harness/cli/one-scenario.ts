/**
 * The one scenario file `fwspec record` and `fwspec diff` work on: validated
 * like every run (exit 2 with every diagnostic), and its text.
 */
import path from "node:path";
import { InputError } from "../errors.ts";
import type { Scenario } from "../scenario/model.ts";
import { readTextFileSync } from "../scenario/read-file.ts";
import { validateFiles } from "../scenario/validate-files.ts";
import { fwspecCommand } from "../invocation.ts";

export interface OneScenario {
  readonly file: string;
  readonly scenario: Scenario;
  readonly text: string;
}

/** `invocation`: how the user types fwspec, for the command in hints (cli/invocation.ts). */
export function oneScenario(file: string, command: string, root: string | undefined, invocation?: string): OneScenario {
  const { files, scenarios } = validateFiles([file], undefined, { root, invocation, checkless: true });
  if (files.length !== 1 || scenarios.length !== 1) {
    throw new InputError(`fwspec ${command} takes one scenario file, and ${file} names ${files.length}`, { hint: `name one .yaml file, e.g. ${fwspecCommand(`${command} scenarios/web.yaml`, invocation)}` });
  }
  const abs = path.resolve(files[0]!);
  const read = readTextFileSync(abs);
  if (!read.ok) throw new InputError(`cannot read ${abs} (${read.failure.kind})`);
  return { file: abs, scenario: scenarios[0]!, text: read.text };
}
