/**
 * `fwspec diff` reports (render only): the console text — the changed flows
 * grouped by source host and family, `client -> server:8080/tcp4: open →
 * dropped` with the deciding rule of each side (an answer change: `open
 * (answered by web:80, saw internet) → open (answered by gw:8080, saw
 * internet)`), then flows not compared
 * (probe errors), problems and the allow entries that matched nothing — and
 * the JSON document (the DiffResult plus its status). The words are
 * words.ts's, shared with the HTML report. Scenario text is neutralised for
 * terminals (text.ts).
 */
import { safeText } from "../text.ts";
import { type DiffResult, diffStatus, type FlowSide, groupChanges } from "./model.ts";
import { allowNotes, changeWords, headline, sideWords, sideWordsAgainst, unseenChangeNote } from "./words.ts";

function rule(side: FlowSide): string {
  return sideWords(side);
}

function familyName(f: string): string {
  return f === "ipv4" ? "IPv4" : "IPv6";
}

const VERDICT_LINE: Record<ReturnType<typeof diffStatus>, string> = {
  same: "no flow changed",
  allowed: "every change is allowed",
  changed: "changes not allowed: the gate fails",
  error: "not every flow could be compared: the gate fails",
};

const REFUSED_LINE = "a rules file was refused (its lines are named above): fix them, then diff again; the gate fails";

export function renderDiff(d: DiffResult): string {
  const status = diffStatus(d);
  const lines = [
    `fwspec diff: ${d.scenario.name} (${d.scenario.file})`,
    `  a: ${d.a.label}`,
    `  b: ${d.b.label}`,
    headline(d),
  ];
  for (const g of groupChanges(d.changes)) {
    lines.push("", `${g.from}, ${familyName(g.family)}:`);
    for (const c of g.changes) {
      const [a, b] = changeWords(c);
      lines.push(`  ${c.allowed ? "✓" : "✗"} ${c.key}: ${a} → ${b}${c.allowed ? " (allowed)" : ""}`);
      lines.push(`      a: ${sideWordsAgainst(c.a, c.b)}`, `      b: ${sideWordsAgainst(c.b, c.a)}`);
    }
  }
  if ((d.redecided?.length ?? 0) > 0) {
    lines.push("", "decided by another rule, the same verdict (not a change):");
    for (const r of d.redecided!) lines.push(`  · ${r.key}: ${r.a.verdict}`, `      a: ${rule(r.a)}`, `      b: ${rule(r.b)}`);
  }
  if (d.errors.length > 0) {
    lines.push("", "not compared (the probe failed on a side, so a change cannot be told from a flaky probe):");
    for (const e of d.errors) lines.push(`  ! ${e.key}: a ${e.a.verdict}, b ${e.b.verdict}: ${(e.a.verdict === "error" ? e.a : e.b).reason.replace(/\s+/g, " ")}`);
  }
  for (const p of d.problems) lines.push(`  ! ${p.replaceAll("\n", "\n    ")}`);
  for (const note of allowNotes(d)) lines.push(`  note: ${note}`);
  const unseen = unseenChangeNote(d);
  if (unseen) lines.push(`  note: ${unseen}`);
  // A rules file the tools refused: the input is bad, not the comparison (`fwspec diff` exits 2).
  lines.push("", status === "error" && (d.refused?.length ?? 0) > 0 ? REFUSED_LINE : VERDICT_LINE[status]);
  return `${safeText(lines.join("\n"))}\n`;
}

export function renderDiffJson(d: DiffResult): string {
  return `${JSON.stringify({ status: diffStatus(d), ...d }, null, 2)}\n`;
}
