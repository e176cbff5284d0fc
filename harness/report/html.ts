/**
 * The HTML report (renders only: a pure function of a RunReport, and of diff
 * results when given): one self-contained file — inline style and script
 * allowed by hash in a Content-Security-Policy that forbids every network
 * request — that opens from a CI artefact without a server. Per scenario,
 * failures first: the failures with their evidence and repro command, the
 * reachability matrix (source host × target:port/protocol, each cell one line
 * per probe: family, mark, observed verdict and the expected one when they
 * differ, with the refusal kind when `refused:rst` / `refused:icmp` asked for
 * one; a sweep's column is its range and its line its verdict on the range
 * with the ports per outcome; coloured by verdict; opened, the probe's
 * evidence, a sweep's deciding rules and the rules it counted), IPv4/IPv6
 * parity findings, counter checks and rule coverage; then the diff view
 * (changed flows with each side's rule, answer changes with who answered and
 * the source it saw, flows not compared, allow entries that matched nothing:
 * diff/words.ts, the console's words).
 * Scenario text is untrusted: neutralised (text.ts), then HTML-escaped.
 */
import { failedByParity } from "../judge/expectation.ts";
import { createHash } from "node:crypto";
import { diffStatus, type DiffResult, type FlowSide, groupChanges } from "../diff/model.ts";
import { allowNotes, answerCameBackBy, changeWords, headline, natAgainst, sideRule, sideWords, unseenChangeNote } from "../diff/words.ts";
import type { ExpectationResult } from "../model/results.ts";
import type { SweepResult } from "../model/sweep.ts";
import { sourceLabel } from "../model/types.ts";
import { oneLine, safeText } from "../text.ts";
import { checksHeld } from "./build.ts";
import { checkLabel, coverageLine } from "./coverage-text.ts";
import type { CoveredRule, ScenarioCoverage } from "./coverage.ts";
import { countedText, decidedFor, expectationFailure, expectationMismatch, expectedWord, hitText, observedWord, parityDecided, parityLine, sweepCell } from "./failure.ts";
import { SCRIPT, STYLE } from "./html-assets.ts";
import { targetColumn, targetOf } from "./matrix.ts";
import type { RunReport, ScenarioReport } from "./model.ts";
import { displayPath } from "./paths.ts";
import { reproLabLine, stoppedLine } from "./console.ts";

export interface HtmlOptions {
  /** Scenario files are named relative to this folder (as given when not set). */
  readonly baseDir?: string;
  /** `fwspec diff` results to show in the diff view. */
  readonly diffs?: readonly DiffResult[];
}

const ESCAPES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** HTML text or attribute value from untrusted multi-line text: controls made visible (text.ts), then escaped. */
export function htmlText(text: string): string {
  return safeText(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Like htmlText for a one-line field (line breaks shown as `\n`). */
export function htmlLine(text: string): string {
  return oneLine(text).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const MARK = { passed: "✓", failed: "✗", error: "!", stopped: "■" } as const;
const STATUS_LABEL = { passed: "passed", failed: "FAILED", error: "ERROR", stopped: "STOPPED" } as const;
const RANK = { error: 0, failed: 1, passed: 2 } as const;

const hash = (text: string) => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

export function statusBadge(status: keyof typeof MARK): string {
  return `<span class="status ${status}">${MARK[status]} ${STATUS_LABEL[status]}</span>`;
}

export function pre(text: string, cls = ""): string {
  return `<pre${cls ? ` class="${cls}"` : ""}><code>${htmlText(text)}</code></pre>`;
}

function entryLabel(e: ExpectationResult): string {
  const fam = e.family === "ipv4" ? "v4" : "v6";
  // A sweep is one check over a range: its verdict on the range and the ports per outcome, not one port's verdict.
  // `refused:rst` (expected refused:icmp): the refusal kind when it made the difference.
  const [observed, expected] = [observedWord(e), expectedWord(e)];
  const verdict = e.sweep
    ? htmlLine(sweepCell(e, e.sweep))
    : failedByParity(e) && e.parity
      ? `${htmlLine(observed)} <span class="expected">(parity: ${htmlLine(e.parity.family === "ipv4" ? "v4" : "v6")} ${htmlLine(e.parity.verdict)})</span>`
      : observed === expected ? htmlLine(observed) : `${htmlLine(observed)} <span class="expected">(expected ${htmlLine(expected)})</span>`;
  return `<span class="mark">${MARK[e.status]}</span> <span class="fam">${fam}</span> <span class="verdict">${verdict}</span>`;
}

function evidence(e: ExpectationResult): string {
  if (e.sweep) return sweepEvidence(e, e.sweep);
  const counted = countedText(e, "no firewall rule counted this probe");
  // Who answered and which source it saw (the listener's identity line), and why that failed `answered-by` / `seen-from`.
  const answer = `${e.answer ? `<div>answer: ${htmlLine(e.answer)}</div>` : ""}${e.answerMismatch ? `<div>${htmlLine(e.answerMismatch)}</div>` : ""}`;
  return `<div class="evidence"><div>line ${e.line}: ${htmlLine(e.text)}</div><div>${htmlLine(e.reason)}</div>${answer}${pre(e.evidence.command, "repro")}${e.decision ? `<div>decided: ${htmlLine(decidedFor(e, e.decision))}</div>` : ""}<div>counted:</div>${pre(counted)}</div>`;
}

/** A sweep's evidence: its summary, command, what decided its ports, how it ran, and the rules it counted (only when some did: the model lists DROP and REJECT rules, never policies). */
function sweepEvidence(e: ExpectationResult, s: SweepResult): string {
  const decided = s.decided && s.decided.length > 0 ? `<div>decided:</div>${pre(s.decided.map((d) => `${d.count === 1 ? "port" : "ports"} ${d.ports}: ${d.decided}`).join("\n"))}` : "";
  const counted = e.counted && e.counted.length > 0 ? `<div>counted around its batches:</div>${pre(e.counted.map(hitText).join("\n"))}` : "";
  return `<div class="evidence"><div>line ${e.line}: ${htmlLine(e.text)}</div><div>${htmlLine(e.reason)}</div>${pre(s.command, "repro")}${decided}<div>sweep: ${htmlLine(s.notes.join("; "))}</div>${counted}</div>`;
}

function cellEntry(e: ExpectationResult): string {
  const data = `data-from="${htmlLine(e.from)}" data-target="${htmlLine(targetColumn(e))}" data-family="${e.family}" data-expected="${htmlLine(e.expected)}" data-actual="${htmlLine(e.actual)}" data-status="${e.status}"`;
  const parity = e.parity ? `<span class="parity v-${htmlLine(e.parity.verdict)}">${e.parity.family === "ipv4" ? "v4" : "v6"} (parity probe): ${htmlLine(e.parity.verdict)}${e.parity.differs ? " — differs" : ""}</span>` : "";
  return `<details class="entry v-${htmlLine(e.actual)} st-${e.status}" ${data}><summary>${entryLabel(e)}${parity}</summary>${evidence(e)}</details>`;
}

function matrix(expectations: readonly ExpectationResult[]): string {
  if (expectations.length === 0) return "<p>No reachability checks.</p>";
  // A sweep's column is its range (`server:1-1024/tcp`), apart from a single probe of its first port.
  const columnOf = targetOf;
  const rowOf = (e: ExpectationResult) => sourceLabel(e.from, e.source);
  const sources = [...new Set(expectations.map(rowOf))];
  const columns = [...new Set(expectations.map(columnOf))];
  const head = `<tr><th scope="col">from \\ to</th>${columns.map((c) => `<th scope="col">${htmlLine(c)}</th>`).join("")}</tr>`;
  const rows = sources.map((from) => {
    const cells = columns.map((c) => {
      const here = expectations.filter((e) => rowOf(e) === from && columnOf(e) === c);
      return here.length === 0 ? `<td class="cell empty">·</td>` : `<td class="cell">${here.map(cellEntry).join("")}</td>`;
    });
    return `<tr><th scope="row">${htmlLine(from)}</th>${cells.join("")}</tr>`;
  });
  const legend = `<div class="legend" aria-label="verdict colours">${["open", "refused", "unreachable", "dropped", "error"].map((v) => `<span class="v-${v}">${v}</span>`).join("")}<span>✓ as expected</span><span>✗ not as expected</span><span>! error</span></div>`;
  return `${legend}<div class="scroll"><table class="matrix">${head}${rows.join("")}</table></div>`;
}

function failures(s: ScenarioReport): string {
  const items: string[] = [];
  for (const e of s.errors) items.push(`<details class="failure" open><summary>scenario error</summary>${pre(e)}</details>`);
  for (const st of s.steps.filter((x) => x.status !== "passed")) items.push(`<details class="failure" open><summary>${MARK[st.status]} line ${st.line}: ${htmlLine(st.title)}</summary>${pre(st.message)}</details>`);
  for (const e of s.expectations.filter((x) => x.status !== "passed")) {
    items.push(`<details class="failure expectation" open data-line="${e.line}"><summary>${MARK[e.status]} line ${e.line}: ${htmlLine(e.text)} [${e.family}]: ${htmlLine(expectationMismatch(e))}</summary>` +
      `${pre(expectationFailure(e, ""))}<div>repro:</div>${pre(e.evidence.command, "repro")}</details>`);
  }
  for (const c of s.counters.filter((x) => x.status !== "passed")) items.push(`<details class="failure" open><summary>${MARK[c.status]} line ${c.line}: counter ${htmlLine(c.host)} ${htmlLine(c.selector)} [${c.family}]</summary>${pre(c.message)}</details>`);
  return items.length === 0 ? "" : `<h3>Failures</h3>${items.join("")}`;
}

function parity(s: ScenarioReport): string {
  if (s.parity.length === 0) return "";
  const items = s.parity.map((p) => `<li class="parity-${p.severity}">${htmlLine(parityLine(p))}${parityDecided(p).map((d) => `<div>decided: ${htmlLine(d)}</div>`).join("")}${pre(p.command, "repro")}</li>`);
  return `<h3>IPv4/IPv6 parity</h3><ul>${items.join("")}</ul>`;
}

function counters(s: ScenarioReport): string {
  if (s.counters.length === 0) return "";
  const rows = s.counters.map((c) => `<tr class="st-${c.status}"><td>${MARK[c.status]} ${c.status}</td><td>${c.line}</td><td>${htmlLine(c.host)} [${c.family}]</td><td>${htmlLine(c.selector)}</td><td>${htmlText(c.message)}</td></tr>`);
  return `<h3>Counter checks</h3><div class="scroll"><table><tr><th>status</th><th>line</th><th>host</th><th>rule</th><th>result</th></tr>${rows.join("")}</table></div>`;
}

const RULE_STATE = { exercised: "✓ exercised", shadowed: "✗ shadowed", unexercised: "· never matched" } as const;

function ruleRow(r: CoveredRule): string {
  const detail = r.status === "exercised" ? r.checks.map((c) => `${htmlLine(checkLabel(c))} +${c.packets}`).join("<br>")
    : r.status === "shadowed" ? `behind ${r.shadowedBy!.rules.map(htmlLine).join("; ")}<br>seen on ${htmlLine(checkLabel(r.shadowedBy!.check))}`
      : r.takenEarlier ? `no check's packets; its probe went to ${r.takenEarlier.rules.map(htmlLine).join("; ")}<br>seen on ${htmlLine(checkLabel(r.takenEarlier.check))}` : "no check's packets";
  return `<tr class="rule-${r.status}" data-state="${r.status}"><td class="state">${RULE_STATE[r.status]}</td><td>${r.family} ${htmlLine(r.table)} ${htmlLine(r.chain)} #${r.position}</td><td><code>${htmlLine(r.text)}</code></td><td>${detail}</td></tr>`;
}

function coverage(c: ScenarioCoverage | undefined): string {
  if (!c) return "";
  if (c.rulesets.length === 0) return "<h3>Rule coverage</h3><p>No rule was loaded by this scenario.</p>";
  const sets = c.rulesets.map((rs) => `<h4>${htmlLine(rs.host)}: rules loaded by ${htmlLine(rs.loadedBy)}</h4><div class="scroll"><table class="coverage"><tr><th>state</th><th>where</th><th>rule</th><th>checks that took its packets</th></tr>${rs.rules.map(ruleRow).join("")}</table></div>`);
  // As the console says it: shadowed and never matched apart (tester 43d: the never matched were left out here).
  const never = c.unexercised - c.shadowed;
  return `<h3>Rule coverage: ${c.exercised} of ${c.rules} rules exercised${c.shadowed > 0 ? `, ${c.shadowed} shadowed` : ""}${never > 0 ? `, ${never} never matched` : ""}</h3>${sets.join("")}`;
}

function scenario(s: ScenarioReport, index: number, options: HtmlOptions): string {
  const { held, of } = checksHeld(s);
  const desc = s.description.trim() === "" ? "" : `<p class="desc">${htmlText(s.description.trim())}</p>`;
  return `<section class="scenario" id="scenario-${index + 1}" data-status="${s.status}"><header>${statusBadge(s.status)}<h2>${htmlLine(s.name)}</h2>` +
    `<span class="file">${htmlLine(displayPath(s.file, options.baseDir))}</span><span>${held} of ${of} checks held</span></header>${desc}` +
    `${failures(s)}<h3>Reachability: expected vs observed</h3>${matrix(s.expectations)}${parity(s)}${counters(s)}${coverage(s.coverage)}</section>`;
}

function diffView(d: DiffResult, index: number): string {
  const status = diffStatus(d);
  // Each side's verdict (for an answer change, who answered and the source it saw: changeWords), then its deciding rule.
  const side = (words: string, v: FlowSide, other: FlowSide) => {
    const rule = sideRule(v);
    const by = answerCameBackBy(v, other);
    const back = by ? `<br>its answer came back by <code>${htmlLine(by)}</code>` : "";
    const nat = natAgainst(v, other);
    return `${htmlLine(words)}<br>${rule ? `<code>${htmlLine(rule)}</code>` : htmlLine(sideWords(v))}${back}${nat ? `<br>${htmlLine(nat)}` : ""}`;
  };
  const unseen = unseenChangeNote(d);
  const row = (c: DiffResult["changes"][number]) => {
    const [a, b] = changeWords(c);
    return `<tr class="${c.allowed ? "allowed" : "changed"}"><td>${htmlLine(c.key)}</td><td class="v-${htmlLine(c.a.verdict)}">${side(a, c.a, c.b)}</td><td class="v-${htmlLine(c.b.verdict)}">${side(b, c.b, c.a)}</td><td>${c.allowed ? "allowed" : "✗ not allowed"}</td></tr>`;
  };
  const groups = groupChanges(d.changes).map((g) => `<h4>${htmlLine(g.from)}, ${g.family}</h4><div class="scroll"><table class="changes"><tr><th>flow</th><th>${htmlLine(d.a.label)}</th><th>${htmlLine(d.b.label)}</th><th>gate</th></tr>` +
    g.changes.map(row).join("") + "</table></div>");
  const errors = d.errors.map((e) => `<li>${htmlLine(e.key)}: ${htmlLine(e.a.verdict)} / ${htmlLine(e.b.verdict)} — ${htmlLine(e.a.verdict === "error" ? e.a.reason : e.b.reason)}</li>`);
  const problems = d.problems.map((p) => `<li>${htmlText(p)}</li>`);
  return `<section class="scenario diff" id="diff-${index + 1}" data-status="${status}"><header><span class="status ${status === "same" || status === "allowed" ? "passed" : status}">${htmlLine(status)}</span>` +
    `<h2>${htmlLine(d.scenario.name)}: ${htmlLine(d.a.label)} → ${htmlLine(d.b.label)}</h2><span class="file">${htmlLine(d.scenario.file)}</span>` +
    `<span>${htmlLine(headline(d))}</span></header>${groups.join("") || (d.compared > 0 ? "<p>No flow changed.</p>" : "")}` +
    `${(d.redecided?.length ?? 0) > 0 ? `<h3>Decided by another rule, the same verdict (not a change)</h3><ul>${d.redecided!.map((r) => `<li>${htmlLine(r.key)}: ${htmlLine(r.a.verdict)}<br>${htmlLine(d.a.label)}: <code>${htmlLine(sideRule(r.a) ?? "no rule named")}</code><br>${htmlLine(d.b.label)}: <code>${htmlLine(sideRule(r.b) ?? "no rule named")}</code></li>`).join("")}</ul>` : ""}` +
    `${unseen ? `<p class="note">note: ${htmlLine(unseen)}</p>` : ""}` +
    `${errors.length > 0 ? `<h3>Not compared (a probe gave error)</h3><ul>${errors.join("")}</ul>` : ""}` +
    `${problems.length > 0 ? `<h3>Problems</h3><ul>${problems.join("")}</ul>` : ""}` +
    `${d.unusedAllows.length > 0 ? `<h3>Allow entries that matched nothing</h3><ul>${allowNotes(d).map((n) => `<li>${htmlLine(n)}</li>`).join("")}</ul>` : ""}</section>`;
}

/** A report of `fwspec diff` alone: the diff view, no scenario run. */
export function renderDiffHtml(diffs: readonly DiffResult[], options: Omit<HtmlOptions, "diffs"> = {}): string {
  return renderHtml({ scenarios: [], summary: { passed: 0, failed: 0, errors: 0 } }, { ...options, diffs });
}

/** The whole report as one HTML document. */
export function renderHtml(report: RunReport, options: HtmlOptions = {}): string {
  const counts = { passed: 0, failed: 0, error: 0 };
  for (const s of report.scenarios) counts[s.status]++;
  // Failed and errored scenarios first; otherwise in run order.
  const ordered = report.scenarios.map((s, i) => ({ s, i })).sort((a, b) => RANK[a.s.status] - RANK[b.s.status] || a.i - b.i);
  const diffs = options.diffs ?? [];
  const { passed, failed, errors } = report.summary;
  const runs = report.scenarios.length > 0 || diffs.length === 0;
  const repro = reproLabLine(report);
  const summary = [
    ...(runs ? [
      `<span><strong>${report.scenarios.length}</strong> scenario(s): ${counts.passed} passed, ${counts.failed} failed, ${counts.error} error</span>`,
      `<span>checks: <strong>${passed}</strong> passed, <strong>${failed}</strong> failed, <strong>${errors}</strong> errors</span>`,
    ] : []),
    ...(report.coverage ? [`<span class="coverage-total">${htmlLine(coverageLine(report.coverage))}</span>`] : []),
    ...(report.coverage?.shortfall ? [`<span class="coverage-short"><strong>${htmlLine(report.coverage.shortfall)}</strong></span>`] : []),
    ...(diffs.length > 0 ? [`<span>${diffs.length} diff(s)</span>`] : []),
    ...(report.stopped ? [`<span class="stopped"><strong>${htmlLine(stoppedLine(report, options.baseDir)!)}</strong></span>`] : []),
    // Read later from a CI artefact: the failures' repro commands name labs that are gone by then, unless kept.
    ...(repro ? [`<span class="repro-lab">${htmlLine(repro)}</span>`] : []),
  ];
  // A diff fails its gate with a change not allowed, or a flow it could not compare.
  const diffFailed = diffs.some((d) => ["changed", "error"].includes(diffStatus(d)));
  // A stopped run proves nothing about the scenarios it did not finish: never "passed".
  const verdict = counts.failed + counts.error > 0 || diffFailed || report.coverage?.shortfall ? "failed" : report.stopped ? "stopped" : "passed";
  return htmlPage(`fwspec report: ${verdict}`, `fwspec report: ${statusBadge(verdict)}`, `<div class="summary">${summary.join("")}</div>
<div class="tools"><button type="button" data-details="open">open all evidence</button> <button type="button" data-details="close">close all</button></div>
${ordered.map(({ s, i }) => scenario(s, i, options)).join("\n")}
${diffs.length > 0 ? `<h2 class="diffs">Diff: flows that changed between two rulesets</h2>${diffs.map(diffView).join("\n")}` : ""}`);
}

/**
 * The self-contained page around `body` (trusted HTML, its text escaped by the
 * caller): inline style and script allowed by hash, no request of any kind.
 * Also the page of `fwspec mutate --html` (mutation-html.ts).
 */
export function htmlPage(title: string, heading: string, body: string): string {
  const csp = `default-src 'none'; style-src ${hash(STYLE)}; script-src ${hash(SCRIPT)}; img-src 'none'; base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${STYLE}</style></head>
<body><main>
<h1>${heading}</h1>
${body}
</main><script>${SCRIPT}</script></body></html>
`;
}
