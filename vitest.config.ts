import { defineConfig } from "vitest/config";
import { scenarioPlugin } from "./harness/runner/vitest-plugin.ts";

/** Integration tests that act on every lab of the engine: run alone (project engine-wide). */
const ENGINE_WIDE = ["harness/cli/keep.integration.test.ts"];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["harness/**/*.test.ts", "bench/**/*.test.ts"],
          exclude: ["harness/**/*.integration.test.ts", "node_modules/**"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "integration",
          include: ["harness/**/*.integration.test.ts"],
          exclude: [...ENGINE_WIDE, "node_modules/**"],
          globalSetup: ["harness/testing/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Two cores: two labs at a time.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          // Tests that act on every lab of the engine (`fwspec cleanup --kept` removes every kept and warm lab):
          // alone, after the others, so no other test's kept or warm lab is taken away mid-test.
          name: "engine-wide",
          include: [...ENGINE_WIDE],
          globalSetup: ["harness/testing/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
          sequence: { groupOrder: 3 },
        },
      },
      {
        // The shipped scenarios as vitest test files (what `fwspec run` does), so
        // filtering, watch mode and --shard apply: npx vitest --project scenarios
        plugins: [scenarioPlugin()],
        test: {
          name: "scenarios",
          include: ["scenarios/**/*.{yaml,yml}"],
          globalSetup: ["harness/testing/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
