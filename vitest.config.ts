import { defineConfig } from "vitest/config";
import { scenarioPlugin } from "./harness/runner/vitest-plugin.ts";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["harness/**/*.test.ts"],
          exclude: ["harness/**/*.integration.test.ts", "node_modules/**"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "integration",
          include: ["harness/**/*.integration.test.ts"],
          globalSetup: ["harness/testing/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Two cores: two labs at a time.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
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
