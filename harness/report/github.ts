/**
 * GitHub Actions output (renders only): workflow-command annotations
 * (`::error file=…,line=…,title=…::message` for each failed check and
 * scenario error, one on each rules file line a tool rejected (a failed
 * apply step's, or `--check-rules`'), a `::notice` on the line of the rules file that wrote the
 * rule that decided a failed expectation (a failed sweep's broken ports) or a parity probe, `::warning …`
 * for each parity warning) and a Markdown job
 * summary (per scenario a table of checks, failures first, then each
 * failure's repro command). Scenario text is neutralised (text.ts) and
 * escaped as GitHub's toolkit does, so an annotation is always one line and
 * no scenario text can start a workflow command.
 */
import { checksHeld, resultsOf } from "./build.ts";
import { expectationFailure, expectationMismatch, expectedWord, observedWord, parityDecided, parityLine } from "./failure.ts";
import type { RunReport, ScenarioReport } from "./model.ts";
import { displayPath } from "./paths.ts";
import { oneLine, safeText } from "../text.ts";
import { type CheckResult, type ExpectationResult, NOT_RUN, type RejectedRuleLine, type RuleOrigin } from "../model/results.ts";

export interface GithubOptions {
  /** Annotation and summary paths are relative to this folder: the workspace (the repository's checkout). */
  readonly baseDir?: string;
}

/** A workflow command's message, escaped as GitHub's toolkit does: `%`, CR and LF. */
export function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** A workflow command's property value: like escapeData, and `:` and `,` too. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function annotation(kind: "error" | "warning" | "notice", props: { file?: string; line?: number; col?: number; title: string }, message: string): string {
  const p = [
    ...(props.file !== undefined ? [`file=${escapeProperty(oneLine(props.file))}`] : []),
    ...(props.line !== undefined ? [`line=${props.line}`] : []),
    ...(props.line !== undefined && props.col !== undefined ? [`col=${props.col}`] : []),
    `title=${escapeProperty(oneLine(props.title))}`,
  ];
  // Neutralised first (controls visible, CI command lines prefixed), then escaped: the command stays one line.
  return `::${kind} ${p.join(",")}::${escapeData(safeText(message))}`;
}

interface Row {
  readonly line?: number;
  readonly check: string;
  readonly expected: string;
  readonly observed: string;
  readonly status: "passed" | "failed" | "error";
  readonly message: string;
  readonly repro?: string;
  /** Where the rules that decided were written, and what each decided (an expectation's decision; a sweep's broken ports). */
  readonly decidedAt?: readonly { readonly origin: RuleOrigin; readonly what: string }[];
  /** A failed apply step's rules file lines the tool refused. */
  readonly rejected?: readonly RejectedRuleLine[];
}

/** The lines that wrote a failed check's deciding rules: its decision's, or a sweep's broken ports' (`ports 80,443 of …`). */
function decidedAt(r: ExpectationResult, check: string): Row["decidedAt"] {
  if (!r.sweep) return r.decision?.origin ? [{ origin: r.decision.origin, what: check }] : undefined;
  const ports = new Map<string, { origin: RuleOrigin; ports: number[] }>();
  for (const b of r.sweep.broken) {
    if (!b.origin) continue;
    const key = `${b.origin.file}:${b.origin.line}`;
    ports.set(key, { origin: b.origin, ports: [...(ports.get(key)?.ports ?? []), b.port] });
  }
  return [...ports.values()].map((p) => ({ origin: p.origin, what: `${p.ports.length === 1 ? "port" : "ports"} ${p.ports.join(",")} of ${check}` }));
}

function rowOf(r: CheckResult): Row {
  switch (r.kind) {
    case "expectation": {
      const check = `${r.text} [${r.family}]`;
      return { line: r.line, check, expected: expectedWord(r), observed: observedWord(r), status: r.status, message: r.status === "passed" ? "" : expectationFailure(r, "  "), repro: r.evidence.command, decidedAt: decidedAt(r, check) };
    }
    case "counter":
      return { line: r.line, check: `counter ${r.host} ${r.selector} [${r.family}]`, expected: "", observed: r.packets === null ? "" : `${r.packets} packets`, status: r.status, message: r.message };
    case "step":
      return { line: r.line, check: r.title, expected: "", observed: r.status === "passed" ? "" : r.message.split("\n")[0] ?? "", status: r.status, message: r.message, ...(r.rejected ? { rejected: r.rejected } : {}) };
  }
}

function rowsOf(s: ScenarioReport): Row[] {
  const rows = resultsOf(s).map(rowOf);
  const errors = s.errors.map((e): Row => ({ check: "scenario error", expected: "", observed: e.split("\n")[0] ?? "", status: "error", message: e }));
  const rank = { error: 0, failed: 1, passed: 2 } as const;
  // Failures first; otherwise in file order.
  return [...errors, ...rows].sort((a, b) => rank[a.status] - rank[b.status] || (a.line ?? 0) - (b.line ?? 0));
}

/** One workflow command per failed check, scenario error and parity warning, one per line. */
export function renderAnnotations(report: RunReport, options: GithubOptions = {}): string {
  const lines: string[] = [];
  for (const s of report.scenarios) {
    const file = displayPath(s.file, options.baseDir);
    const rows = rowsOf(s).filter((x) => x.status !== "passed");
    // Checks not run because an earlier step failed: one annotation for them all (tester 44c: 15 of 17 said only that,
    // and GitHub shows about ten a step), at the first of them, naming their lines.
    const notRun = rows.filter((r) => r.message.startsWith(NOT_RUN));
    for (const r of rows.filter((x) => !x.message.startsWith(NOT_RUN))) {
      const title = `fwspec: ${r.check}${r.expected ? `: ${r.status === "error" ? "error" : `expected ${r.expected}, observed ${r.observed}`}` : ""}`;
      lines.push(annotation("error", { file, ...(r.line !== undefined ? { line: r.line } : {}), title }, `${oneLine(s.name)}: ${r.message}`));
      // A rules file line a tool refused, on that line: where the fix goes.
      for (const l of r.rejected ?? []) lines.push(ruleLineAnnotation(l, options, `${oneLine(s.name)} (${file}:${r.line})`));
      // The rule that decided, on the line that wrote it: where the fix usually goes.
      for (const { origin, what } of r.decidedAt ?? []) {
        lines.push(annotation("notice", { file: displayPath(origin.file, options.baseDir), line: origin.line, title: `fwspec: this rule decided ${what}` }, `${oneLine(s.name)} (${file}:${r.line}): expected ${r.expected}, observed ${r.observed}`));
      }
    }
    for (const [reason, rs] of Map.groupBy(notRun, (r) => r.message)) {
      const at = rs.map((r) => r.line).filter((l): l is number => l !== undefined);
      lines.push(annotation("error", { file, ...(at[0] !== undefined ? { line: at[0] } : {}), title: `fwspec: ${rs.length} check(s) not run` }, `${oneLine(s.name)}: ${oneLine(reason)} (lines ${[...new Set(at)].join(", ")})`));
    }
    // Rules file lines found bad before the scenario's lab started, each on its own line: after the scenario's own
    // annotations (GitHub shows ten errors a step; these must not push out the scenario's).
    for (const l of s.rejected ?? []) lines.push(ruleLineAnnotation(l, options, `${oneLine(s.name)} (${file})`));
    // A parity failure already fails its expectation (annotated above); warnings are annotated here.
    for (const p of s.parity.filter((x) => x.severity === "warning")) {
      lines.push(annotation("warning", { file, line: p.line, title: `fwspec: IPv4/IPv6 parity: ${p.text}` }, `${parityLine(p)}\n${parityDecided(p).map((d) => `decided: ${d}\n`).join("")}repro: ${p.command}`));
    }
    // The rule that decided the other family's probe, on the line that wrote it (a warning's or a failure's).
    for (const p of s.parity.filter((x) => x.otherDecision?.origin)) {
      const origin = p.otherDecision!.origin!;
      lines.push(annotation("notice", { file: displayPath(origin.file, options.baseDir), line: origin.line, title: `fwspec: this rule decided ${p.text} [${p.otherFamily}] (IPv4/IPv6 parity probe)` }, `${oneLine(s.name)} (${file}:${p.line}): ${p.family} is ${p.verdict} but ${p.otherFamily} is ${p.otherVerdict}`));
    }
  }
  // `--coverage-min` not met: the run's failure, on no file.
  const c = report.coverage;
  if (c?.shortfall) lines.push(annotation("error", { title: `fwspec: rule coverage below --coverage-min ${c.min}` }, c.shortfall));
  return lines.map((l) => `${l}\n`).join("");
}

/** An error annotation on the rules file line (and column) a tool rejected; `context` says which run step met it, when one did. */
function ruleLineAnnotation(l: RejectedRuleLine, options: GithubOptions, context?: string): string {
  const where = { file: displayPath(l.file, options.baseDir), ...(l.line !== undefined ? { line: l.line } : {}), ...(l.column !== undefined ? { col: l.column } : {}) };
  return annotation("error", { ...where, title: `fwspec: rule line rejected by ${l.tool}` }, `${context ? `${context}: ` : ""}${l.family}: ${l.message}`);
}

/** One error annotation per rule line `--check-rules` found rejected (runner/rule-syntax.ts SyntaxProblem), on its rules file's line: the run stopped before any scenario. */
export function renderRuleAnnotations(lines: readonly RejectedRuleLine[], options: GithubOptions = {}): string {
  return lines.map((l) => `${ruleLineAnnotation(l, options)}\n`).join("");
}

/** Markdown-safe table cell or inline text: one line, controls escaped, HTML and Markdown punctuation neutral. */
export function mdText(text: string): string {
  return oneLine(text)
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]|#~!])/g, "\\$1");
}

/** A fenced code block holding `text` (a fence longer than any backtick run in it). */
function codeBlock(text: string, language = "sh"): string {
  const fence = "`".repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${fence}${language}\n${safeText(text)}\n${fence}`;
}

const MARK = { passed: "✅", failed: "❌", error: "⚠️" } as const;

function scenarioSummary(s: ScenarioReport, options: GithubOptions): string {
  const file = displayPath(s.file, options.baseDir);
  const { held, of } = checksHeld(s);
  const rows = rowsOf(s);
  const table = [
    "| line | check | expected | observed | status |",
    "| ---: | --- | --- | --- | --- |",
    ...rows.map((r) => `| ${r.line ?? ""} | ${mdText(r.check)} | ${mdText(r.expected)} | ${mdText(r.observed)} | ${MARK[r.status]} ${r.status} |`),
  ].join("\n");
  const failures = rows.filter((r) => r.status !== "passed" && r.repro !== undefined)
    .map((r) => `- line ${r.line}: ${mdText(r.check)}: ${mdText(r.status === "error" ? "error" : `expected ${r.expected}, observed ${r.observed}`)}. Repro:\n\n${codeBlock(r.repro!).replace(/^/gm, "  ")}`);
  const parity = s.parity.map((p) => `- ${mdText(parityLine(p))}.${parityDecided(p).map((d) => ` Decided: ${mdText(d)}.`).join("")} Repro:\n\n${codeBlock(p.command).replace(/^/gm, "  ")}`);
  // A scenario error of several lines (the rule lines it names, its hint) in full: the table holds its first line only.
  const errors = s.errors.filter((e) => e.includes("\n")).map((e) => codeBlock(e, "text"));
  const head = `### ${MARK[s.status]} ${mdText(s.name)} (${mdText(file)}): ${held} of ${of} checks held`;
  const body = [table, ...(errors.length > 0 ? [`**Scenario errors**\n\n${errors.join("\n\n")}`] : []), ...(failures.length > 0 ? [`**Failures**\n\n${failures.join("\n")}`] : []), ...(parity.length > 0 ? [`**IPv4/IPv6 parity**\n\n${parity.join("\n")}`] : [])].join("\n\n");
  // A passed scenario's table is folded away; a failed one is open.
  return s.status === "passed" ? `${head}\n\n<details><summary>checks</summary>\n\n${body}\n\n</details>\n` : `${head}\n\n${body}\n`;
}

/** The job summary (Markdown) for $GITHUB_STEP_SUMMARY. */
export function renderSummary(report: RunReport, options: GithubOptions = {}): string {
  const failed = report.scenarios.filter((s) => s.status !== "passed").length;
  const { passed, failed: f, errors } = report.summary;
  const shortfall = report.coverage?.shortfall;
  const stop = report.stopped;
  // Stopped after every scenario had finished: nothing is missing, and none is said to be.
  const stopWords = !stop ? "" : stop.notRun.length === 0 ? `stopped (${stop.reason}) after every scenario had finished` : `stopped (${stop.reason}) before ${stop.notRun.length} scenario(s) finished (${stop.notRun.map((s) => oneLine(s.name)).join(", ")})`;
  const held = stop ? `${stopWords}; every finished one held` : "every scenario held";
  // As the console counts them: failed and errored apart (tester 44d: `1 of 1 scenario(s) failed` for an error).
  const errored = report.scenarios.filter((s) => s.status === "error").length;
  const words = errored === 0 ? "failed" : `did not pass (${failed - errored} failed, ${errored} errored)`;
  const verdict = failed > 0 ? `${failed} of ${report.scenarios.length} scenario(s) ${words}${stop ? `, then ${stopWords}` : ""}` : shortfall ?? held;
  const head = `## fwspec: ${verdict} (checks: ${passed} passed, ${f} failed, ${errors} errors)${failed > 0 && shortfall ? `\n\n${shortfall}` : ""}`;
  // Failed scenarios first.
  const ordered = [...report.scenarios].sort((a, b) => Number(a.status === "passed") - Number(b.status === "passed"));
  return `${[head, ...ordered.map((s) => scenarioSummary(s, options))].join("\n\n")}\n`;
}
