/**
 * The HTML view of `fwspec mutate --html` (renders only: a pure function of a
 * MutationReport) in the run report's self-contained page (html.ts: inline
 * style and script allowed by hash, no request of any kind): the score —
 * labelled PARTIAL when the run was stopped — then per scenario its survivors
 * with the exact change (file:line, the rule before and after) and the
 * suggested check, equivalents and mutants beyond the lab's reach with the
 * reason, errors with what errored, and
 * the killed mutants with the check that killed them (folded). Rule and
 * scenario text is untrusted: neutralised and escaped (htmlText, htmlLine).
 */
import type { MutantOutcome } from "../mutate/classify.ts";
import { countsLine, summaryLine } from "../mutate/render.ts";
import { type MutationReport, NOTHING_TO_MUTATE, type ScenarioMutation } from "../mutate/run.ts";
import { htmlLine, htmlPage, htmlText } from "./html.ts";
import { displayPath } from "./paths.ts";

export interface MutationHtmlOptions {
  /** Files are named relative to this folder (as given when not set). */
  readonly baseDir?: string;
}

const OUTCOME: Readonly<Record<MutantOutcome["status"], { mark: string; label: string; detail: string }>> = {
  survived: { mark: "✗", label: "survived", detail: "suggested check" },
  equivalent: { mark: "=", label: "equivalent", detail: "why" },
  unreachable: { mark: "∅", label: "beyond the lab's reach (not scored)", detail: "why" },
  error: { mark: "!", label: "error (not scored)", detail: "what errored" },
  killed: { mark: "✓", label: "killed", detail: "by" },
};

function changeCell(m: MutantOutcome, options: MutationHtmlOptions): string {
  return m.changes.map((c) => `<div class="change"><span class="where">${htmlLine(displayPath(c.file, options.baseDir))}:${c.line}</span> ` +
    `<code class="before">${htmlLine(c.before)}</code> → ${c.after === null ? `<em class="after">(deleted)</em>` : `<code class="after">${htmlLine(c.after)}</code>`}</div>`).join("");
}

function row(m: MutantOutcome, options: MutationHtmlOptions): string {
  const o = OUTCOME[m.status];
  return `<tr class="mutant m-${m.status}" data-status="${m.status}" data-operator="${htmlLine(m.operator)}"><td class="state">${o.mark} ${o.label}</td>` +
    `<td><code class="id">${htmlLine(m.id)}</code></td><td>${changeCell(m, options)}</td><td><span class="label">${o.detail}:</span> <span class="detail">${htmlText(m.detail)}${m.ran === false ? " (not run)" : ""}</span></td></tr>`;
}

function table(mutants: readonly MutantOutcome[], options: MutationHtmlOptions): string {
  return `<div class="scroll"><table class="mutants"><tr><th>outcome</th><th>mutant</th><th>change</th><th>detail</th></tr>${mutants.map((m) => row(m, options)).join("")}</table></div>`;
}

function section(s: ScenarioMutation, index: number, options: MutationHtmlOptions): string {
  const survivors = s.mutants.some((m) => m.status === "survived");
  const status = s.skipped ? "skipped" : survivors ? "survived" : "held";
  const badge = s.skipped ? `<span class="status error">– not mutated</span>` : survivors ? `<span class="status failed">✗ survivors</span>` : `<span class="status passed">✓ every mutant killed or equivalent</span>`;
  const open = s.mutants.filter((m) => m.status !== "killed");
  const order: MutantOutcome["status"][] = ["survived", "equivalent", "unreachable", "error"];
  const sorted = order.flatMap((st) => open.filter((m) => m.status === st));
  const killed = s.mutants.filter((m) => m.status === "killed");
  return `<section class="scenario mutation" id="mutation-${index + 1}" data-status="${status}"><header>${badge}<h2>${htmlLine(s.name)}</h2>` +
    `<span class="file">${htmlLine(displayPath(s.file, options.baseDir))}</span><span class="counts">${htmlLine(s.skipped ? "" : countsLine(s.mutants))}</span></header>` +
    (s.skipped ? `<p class="skipped">not mutated: ${htmlText(s.skipped)}</p>` : "") +
    (sorted.length > 0 ? table(sorted, options) : "") +
    (killed.length > 0 ? `<details class="killed"><summary>${killed.length} killed mutant(s): the check that killed each</summary>${table(killed, options)}</details>` : "") +
    `</section>`;
}

/** The whole mutation report as one HTML document. */
export function renderMutationHtml(r: MutationReport, options: MutationHtmlOptions = {}): string {
  const score = r.score === undefined ? "n/a" : `${(Math.floor(r.score * 10) / 10).toFixed(1)} %`;
  const title = `fwspec mutate: ${r.stopped ? "PARTIAL " : ""}score ${score}`;
  const verdict = r.counts.survived > 0 || r.scenarios.some((s) => s.skipped !== undefined && s.mutants.length === 0 && s.skipped !== NOTHING_TO_MUTATE) ? "failed" : "passed";
  const heading = `fwspec mutate: <span class="status ${verdict}">${r.stopped ? "PARTIAL " : ""}mutation score ${score}</span>`;
  const summary = `<div class="summary"><span class="score-line">${htmlLine(summaryLine(r))}</span></div>` +
    (r.stopped ? `<p class="partial"><strong>Partial:</strong> the run was stopped; ${r.scenarios.length} of ${r.total} scenarios finished and only they are in the score.</p>` : "");
  const tools = `<div class="tools"><button type="button" data-details="open">open all</button> <button type="button" data-details="close">close all</button></div>`;
  return htmlPage(htmlLine(title), heading, `${summary}\n${tools}\n${r.scenarios.map((s, i) => section(s, i, options)).join("\n")}`);
}
