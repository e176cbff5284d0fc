/**
 * The `fwspec` package's main entry (`import … from "fwspec"`): the Node API
 * (run, openDockerLabs, option checks), the HTML report of a RunReport
 * (renderHtml) and the rule coverage check (coverageShortfall), scenarios from TypeScript
 * (defineScenario) or files (loadScenario), their types, and the error
 * classes with their exit codes; `fwspec record` and `fwspec diff` from code
 * (recordMatrix, diffScenarios and the DiffResult they give). The CLI is `fwspec/cli`, the vitest plugin
 * `fwspec/vitest`.
 */
export * from "./api.ts";
export { defineScenario, loadScenario, loadScenarioSync, parseScenarioText, ScenarioError, formatDiagnostic } from "./scenario/load.ts";
export type { Diagnostic } from "./scenario/load.ts";
export type { ScenarioInput } from "./scenario/schema.ts";
export type { Scenario } from "./scenario/model.ts";
export { CommandError, EnvironmentError, EXIT, FwspecError, InputError, LabError } from "./errors.ts";
export type { ExitCode } from "./errors.ts";
export type { RejectedRuleLine } from "./model/results.ts";
export type { ScenarioReport, StoppedRun } from "./report/model.ts";
export type { Progress } from "./progress.ts";
export type { LabProvider } from "./lab/types.ts";
export { diffScenarios, observeMatrices, recordMatrix } from "./diff/run.ts";
export type { DiffOptions, MatrixOptions } from "./diff/run.ts";
export { diffStatus, flowKey, groupChanges } from "./diff/model.ts";
export type { ChangeGroup, DiffResult, DiffSide, Flow, FlowChange, FlowError, FlowSide } from "./diff/model.ts";
export { parseAllow, parseAllowFile } from "./diff/allow.ts";
export type { AllowEntry } from "./diff/allow.ts";
export { withRuleFiles } from "./diff/rule-files.ts";
export { renderHtml } from "./report/html.ts";
export type { HtmlOptions } from "./report/html.ts";
export { coverageShortfall } from "./report/coverage-run.ts";
export type { CoveredRule, RulesetCoverage, RunCoverage, ScenarioCoverage } from "./report/coverage.ts";
