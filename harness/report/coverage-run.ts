/**
 * A run's rule coverage (pure): the figure over every scenario's, the
 * `--coverage-min` shortfall and why no rule was counted, and the percentage
 * as reports print it. What is counted: coverage.ts.
 */
import { counts, type RunCoverage, type ScenarioCoverage } from "./coverage.ts";

/** The run's coverage over every scenario that has one. */
export function runCoverage(scenarios: readonly { readonly coverage?: ScenarioCoverage }[]): RunCoverage {
  const all = scenarios.flatMap((s) => (s.coverage ? s.coverage.rulesets.flatMap((r) => r.rules) : []));
  const c = counts(all);
  const unattributed = scenarios.reduce((n, s) => n + (s.coverage?.unattributed?.length ?? 0), 0);
  const unmeasurable = scenarios.reduce((n, s) => n + (s.coverage?.unmeasurable ?? 0), 0);
  return { ...c, percent: c.rules === 0 ? null : (100 * c.exercised) / c.rules, unattributed, unmeasurable };
}

/** `--coverage-min`: why the run falls short, or undefined when it does not. */
export function coverageShortfall(c: RunCoverage, min: number): string | undefined {
  if (c.percent === null) return `rule coverage: no rule was counted (${noRuleReason(c)}), so --coverage-min ${min} cannot be met`;
  if (c.percent + 1e-9 >= min) return undefined;
  return `rule coverage ${formatPercent(c.percent)} (${c.exercised} of ${c.rules} rules exercised; ${c.shadowed} shadowed, ${c.unexercised - c.shadowed} never matched) is below --coverage-min ${min}`;
}

/** Why no rule was counted: no rules loaded, or only native nft rules without a counter that no trace named. */
export function noRuleReason(c: RunCoverage): string {
  const n = c.unmeasurable ?? 0;
  return n === 0 ? "no firewall host had rules loaded by the scenarios" : `${n} native nft ${n === 1 ? "rule has no counter of its own" : "rules have no counter of their own"} and no trace named ${n === 1 ? "it" : "them"} deciding: not measurable`;
}

/**
 * `83.3%`: one decimal, cut (never more than was met; whole numbers without).
 * With `atLeast` (`--coverage-min`) met, as many more decimals as keep it from
 * reading below it (78.57% for 11 of 14 rules against 78.57, not 78.5%).
 */
export function formatPercent(p: number, atLeast?: number): string {
  const cut = (digits: number) => Math.floor(p * 10 ** digits + 1e-9) / 10 ** digits;
  let digits = 1;
  while (atLeast !== undefined && p + 1e-9 >= atLeast && cut(digits) < atLeast && digits < 6) digits++;
  const shown = cut(digits);
  return `${Number.isInteger(shown) ? shown.toFixed(0) : String(shown)}%`;
}
