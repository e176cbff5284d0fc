/**
 * The console's rule coverage section (renders only): per scenario, per
 * firewall host and loaded ruleset, every counted rule with its status — ✓
 * and the checks that took its packets, `shadowed` and the earlier rule that
 * took its traffic (with the probe that showed it), `never matched` — and
 * the checks and steps whose packets are not attributed; then the run's
 * percentage. Scenario text is neutralised (text.ts) and lines are
 * fitted to the width.
 */
import type { CoverageCheck, CoveredRule } from "./coverage.ts";
import { formatPercent, noRuleReason } from "./coverage-run.ts";
import type { RunReport } from "./model.ts";
import { displayPath } from "./paths.ts";
import { oneLine, safeText } from "../text.ts";
import { DEFAULT_WIDTH, fitText } from "./wrap.ts";

export interface CoverageTextOptions {
  readonly width?: number;
  readonly baseDir?: string;
}

/** `line 12: client -> server:8080 open [ipv4]` (`, parity probe` for the other family's probe). */
export function checkLabel(c: CoverageCheck): string {
  return `line ${c.line}: ${oneLine(c.text)} [${c.family}${c.parity ? ", parity probe" : ""}]`;
}

function ruleLines(r: CoveredRule): string[] {
  const where = `${r.family} ${r.table} ${r.chain} #${r.position} ${r.text}`;
  switch (r.status) {
    case "exercised":
      return [`      ✓ ${where}`, `          took: ${r.checks.map((c) => `${checkLabel(c)} +${c.packets}`).join("; ")}`];
    case "shadowed":
      return [`      ✗ shadowed: ${where}`, `          behind: ${r.shadowedBy!.rules.join("; ")}`, `          seen on: ${checkLabel(r.shadowedBy!.check)}`];
    case "unexercised":
      return [`      · never matched: ${where}`, ...(r.takenEarlier ? [`          its probe went to: ${r.takenEarlier.rules.join("; ")}`, `          seen on: ${checkLabel(r.takenEarlier.check)}`] : [])];
  }
}

/** Summary line: `rule coverage: 83.3% (10 of 12 rules exercised; 1 shadowed, 1 never matched)`. */
export function coverageLine(c: NonNullable<RunReport["coverage"]>): string {
  if (c.percent === null) return `rule coverage: no rule counted (${noRuleReason(c)})`;
  const n = c.unattributed ?? 0;
  const u = c.unmeasurable ?? 0;
  const unattributed = (n === 0 ? "" : `; ${n} ${n === 1 ? "check or step whose packets are" : "checks or steps whose packets are"} not attributed, listed per scenario`)
    + (u === 0 ? "" : `; ${u} native nft ${u === 1 ? "rule" : "rules"} not measurable: no counter of ${u === 1 ? "its" : "their"} own and no trace named ${u === 1 ? "it" : "them"} deciding`);
  return `rule coverage: ${formatPercent(c.percent, c.min)} (${c.exercised} of ${c.rules} rules exercised; ${c.shadowed} shadowed, ${c.unexercised - c.shadowed} never matched${unattributed})`;
}

export function renderCoverage(report: RunReport, options: CoverageTextOptions = {}): string {
  if (!report.coverage) return "";
  const lines = ["rule coverage per firewall host and loaded ruleset:"];
  for (const s of report.scenarios) {
    if (!s.coverage || s.coverage.rulesets.length === 0) continue;
    lines.push(`  ${oneLine(s.name)} (${oneLine(displayPath(s.file, options.baseDir))}): ${s.coverage.exercised} of ${s.coverage.rules} rules exercised`);
    for (const rs of s.coverage.rulesets) {
      lines.push(`    ${oneLine(rs.host)}, rules loaded by ${rs.loadedBy}:`);
      for (const r of rs.rules) lines.push(...ruleLines(r));
    }
    const unattributed = s.coverage.unattributed ?? [];
    if (unattributed.length > 0) {
      lines.push('    not attributed (rules only these reach read "never matched"):');
      for (const u of unattributed) lines.push(`      line ${u.line}: ${oneLine(u.text)}: ${u.why}`);
    }
  }
  lines.push(coverageLine(report.coverage));
  return `${fitText(safeText(lines.join("\n")), options.width ?? DEFAULT_WIDTH)}\n`;
}
