/**
 * Makes scenario files vitest test files, the way Gherkin plugins make
 * `.feature` files tests: a YAML scenario is transformed into a module that
 * declares one suite for the scenario and one test per step item.
 */
import type { Plugin } from "vite";

const SUITE_MODULE = new URL("./vitest-suite.ts", import.meta.url).pathname;

export function isScenarioFile(id: string): boolean {
  return /\.ya?ml$/.test(id.split("?")[0] ?? "");
}

export function scenarioPlugin(): Plugin {
  return {
    name: "fwspec-scenarios",
    enforce: "pre",
    transform(_code, id) {
      if (!isScenarioFile(id)) return null;
      const file = id.split("?")[0]!;
      return {
        code: `import { defineScenarioSuite } from ${JSON.stringify(SUITE_MODULE)};\ndefineScenarioSuite(${JSON.stringify(file)});\n`,
        map: null,
      };
    },
  };
}
