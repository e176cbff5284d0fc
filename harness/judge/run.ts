/**
 * Pure: a `run` step's command result judged against the step's expected exit
 * status and output patterns, and the step's result record.
 */
import type { ExecResult } from "../lab/exec.ts";
import type { StepResult } from "../model/results.ts";
import type { RunStep } from "../scenario/model.ts";
import { boundedTest } from "../safe-regex.ts";

/** Does a command's result satisfy a run step? Returns what is wrong. */
export function judgeRun(step: RunStep, result: Pick<ExecResult, "exitCode" | "stdout" | "stderr">): string[] {
  const problems: string[] = [];
  const text = `${result.stdout}${result.stderr}`;
  if (step.exit === "nonzero" ? result.exitCode === 0 : result.exitCode !== step.exit) {
    problems.push(`exit status ${result.exitCode}, expected ${step.exit === "nonzero" ? "non-zero" : step.exit}`);
  }
  for (const c of step.contains) if (!text.includes(c)) problems.push(`output does not contain ${JSON.stringify(c)}`);
  for (const c of step.excludes) if (text.includes(c)) problems.push(`output contains ${JSON.stringify(c)}`);
  for (const m of step.matches) if (!boundedTest(m, "m", text)) problems.push(`output does not match /${m}/m`);
  return problems;
}

/** The run step's result: `command` is the command as a person can paste it. */
export function runResult(step: RunStep, title: string, command: string, result: Pick<ExecResult, "exitCode" | "stdout" | "stderr">): StepResult {
  const problems = judgeRun(step, result);
  const out = `${result.stdout}${result.stderr}`.trim();
  // Labelled as an expectation's evidence is: the console never breaks a `repro:` line (pasted, it must run as printed).
  const message = [`repro:   ${command}`, `exit:    ${result.exitCode}`, ...(out ? [`output:  ${out.replaceAll("\n", "\n         ")}`] : [])].join("\n");
  return {
    kind: "step", step: "run", line: step.location.line, title,
    status: problems.length === 0 ? "passed" : "failed",
    message: problems.length > 0 ? `${problems.join("; ")}\n${message}` : message,
  };
}
