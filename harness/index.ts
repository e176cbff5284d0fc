/**
 * The `fwspec` package's main entry (`import … from "fwspec"`): the Node API
 * (run, openDockerLabs, option checks), scenarios from TypeScript
 * (defineScenario) or files (loadScenario), their types, and the error
 * classes with their exit codes. The CLI is `fwspec/cli`, the vitest plugin
 * `fwspec/vitest`.
 */
export * from "./api.ts";
export { defineScenario, loadScenario, loadScenarioSync, parseScenarioText, ScenarioError, formatDiagnostic } from "./scenario/load.ts";
export type { Diagnostic } from "./scenario/load.ts";
export type { ScenarioInput } from "./scenario/schema.ts";
export type { Scenario } from "./scenario/model.ts";
export { CommandError, EnvironmentError, EXIT, FwspecError, InputError, LabError } from "./errors.ts";
export type { ExitCode } from "./errors.ts";
export type { Progress } from "./progress.ts";
export type { LabProvider } from "./lab/types.ts";
