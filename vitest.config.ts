import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["harness/**/*.test.ts"],
          exclude: ["harness/**/*.integration.test.ts", "node_modules/**"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["harness/**/*.integration.test.ts"],
          globalSetup: ["harness/testing/global-setup.ts"],
          testTimeout: 60_000,
          hookTimeout: 90_000,
          // Two cores: a few labs at a time.
          maxWorkers: 2,
        },
      },
    ],
  },
});
