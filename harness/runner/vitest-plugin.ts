/**
 * Makes scenario files vitest test files, the way Gherkin plugins make
 * `.feature` files tests: a YAML scenario is transformed into a module that
 * declares one suite for the scenario (vitest-suite.ts) with the plugin's
 * options written into it — no environment variables in between.
 */
import path from "node:path";
import type { Plugin } from "vite";
import type { SuiteOptions } from "./vitest-suite.ts";

// Beside this module with its own extension: .ts in a checkout, .js in the built package.
const SUITE_MODULE = new URL(`./vitest-suite${path.extname(new URL(import.meta.url).pathname)}`, import.meta.url).pathname;

export function isScenarioFile(id: string): boolean {
  return /\.ya?ml$/.test(id.split("?")[0] ?? "");
}

export function scenarioPlugin(options: SuiteOptions = {}): Plugin {
  return {
    name: "fwspec-scenarios",
    enforce: "pre",
    transform(_code, id) {
      if (!isScenarioFile(id)) return null;
      const file = id.split("?")[0]!;
      return {
        code: `import { defineScenarioSuite } from ${JSON.stringify(SUITE_MODULE)};\ndefineScenarioSuite(${JSON.stringify(file)}, ${JSON.stringify(options)});\n`,
        map: null,
      };
    },
  };
}
