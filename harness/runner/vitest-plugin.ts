/**
 * Makes scenario files vitest test files, the way Gherkin plugins make
 * `.feature` files tests: a YAML scenario is transformed into a module that
 * declares one suite for the scenario (vitest-suite.ts) with the plugin's
 * options written into it — no environment variables in between.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Plugin } from "vite";
import type { SuiteOptions } from "./vitest-suite.ts";

// Beside this module with its own extension: .ts in a checkout, .js in the built package.
// A file path, not a URL path: a folder with a space or a non-ASCII letter must not come out percent-encoded.
const SUITE_MODULE = fileURLToPath(new URL(`./vitest-suite${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url));

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
