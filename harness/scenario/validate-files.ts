/** Scenario files named on a command line, each validated without Docker (`fwspec validate`, and the first step of every run): all diagnostics together, an InputError (exit 2) on any. */
import { InputError } from "../errors.ts";
import { findProjectRoot, loadScenarioSync, ScenarioError, formatDiagnostic } from "./load.ts";
import { MAX_DIAGNOSTICS, shownDiagnostics } from "./diagnostics.ts";
import type { LoadOptions } from "./load.ts";
import type { Scenario } from "./model.ts";
import { type Interfaces, machineAddressTargets, machineInterfaces } from "./machine-targets.ts";
import { expandScenarioPaths } from "./files.ts";
import { checksNothing } from "./checkless.ts";
import { readMachineRoutes } from "../env/routes.ts";

/** `checkless: true`: a scenario that checks nothing is no problem (record and diff, which write or compare checks of their own). */
export type ValidateOptions = LoadOptions & { readonly checkless?: boolean };

export interface Validated {
  readonly files: readonly string[];
  readonly scenarios: readonly Scenario[];
}

/** Throws one InputError listing every diagnostic of every file (and literal targets that are this machine's addresses). */
export function validateFiles(paths: readonly string[], interfaces: Interfaces = machineInterfaces(), opts: ValidateOptions = {}): Validated {
  // A --root that is no directory: one message, not one per file. Without paths: scenarios/ in the project root.
  const root = paths.length > 0 && opts.root === undefined ? undefined : findProjectRoot(process.cwd(), opts.root, opts.invocation);
  const files = expandScenarioPaths(paths, process.cwd(), root, opts.invocation);
  const scenarios: Scenario[] = [];
  const problems: string[] = [];
  let hidden = 0;
  // Declared subnets must not overlap the machine's routes (read once, before any lab starts).
  const load: LoadOptions = { machineRoutes: readMachineRoutes(), ...opts };
  for (const file of files) {
    try {
      const scenario = loadScenarioSync(file, load);
      const nothing = opts.checkless ? undefined : checksNothing(scenario);
      if (nothing) throw new ScenarioError([nothing]);
      scenarios.push(scenario);
    } catch (error) {
      if (error instanceof ScenarioError) {
        // At most MAX_DIAGNOSTICS per file, then one line for the rest: counted in the heading as the problems it stands for.
        problems.push(...shownDiagnostics(error.diagnostics));
        hidden += Math.max(0, error.diagnostics.length - MAX_DIAGNOSTICS - 1);
      } else if (error instanceof InputError) problems.push(error.report());
      else throw error;
    }
  }
  problems.push(...machineAddressTargets(scenarios, interfaces).map(formatDiagnostic));
  refuseProblems(problems, hidden);
  return { files, scenarios };
}

/** Scenarios made in code (defineScenario) get the checks files get: each checks something, and no literal target may be this machine's own address. */
export function refuseCodeScenarios(scenarios: readonly Scenario[], interfaces: Interfaces = machineInterfaces()): void {
  const nothing = scenarios.flatMap((s) => checksNothing(s) ?? []);
  refuseProblems([...nothing, ...machineAddressTargets(scenarios, interfaces)].map(formatDiagnostic));
}

function refuseProblems(all: readonly string[], hidden = 0): void {
  // A broken fwspec.config.json is every scenario's problem: said once.
  const problems = [...new Set(all)];
  if (problems.length > 0) {
    throw new InputError(`${problems.length + hidden} problem(s) in scenario files; no container was started\n${problems.join("\n")}`);
  }
}
