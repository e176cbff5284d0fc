/**
 * What `fwspec run --keep` / `--keep-on-failure` prints after the report
 * (renders only): per kept lab, a shell line for each host and the repro
 * command of each failed or errored expectation (the other family's probe for
 * a parity failure), which give the reported verdict again while the lab runs
 * unless a later step changed the lab (said with the command); and how to
 * remove the labs (this run's, by its id).
 */
import { failedByParity } from "../judge/expectation.ts";
import type { RunReport, ScenarioReport } from "./model.ts";
import { oneLine, safeText } from "../text.ts";
import { fwspecCommand } from "../invocation.ts";

/** Steps that change a lab after they ran: a repro pasted later probes the lab as they left it. */
const CHANGING = new Set(["apply", "run", "reboot"]);

/**
 * The steps after a check at `line` that changed the lab: `apply at line 34, run at line 40`;
 * empty when none did. Pure.
 */
export function changedAfter(s: Pick<ScenarioReport, "steps">, line: number): string {
  return s.steps.filter((st) => CHANGING.has(st.step) && st.line > line).map((st) => `${st.step} at line ${st.line}`).join(", ");
}

function repros(s: ScenarioReport): string[] {
  return s.expectations
    .filter((e) => e.status !== "passed" && e.evidence.command !== "")
    .map((e) => {
      const other = e.parity !== undefined && failedByParity(e);
      const what = other ? `${e.parity!.family}: observed ${e.parity!.verdict}` : `${e.family}: observed ${e.actual}`;
      // A kept lab holds the scenario's state at its end: a later step that changed it may change this probe's verdict (tester 44b).
      const later = changedAfter(s, e.line);
      const changed = later === "" ? "" : `; the lab changed after this check (${later}): pasted now, it probes the lab as the scenario left it`;
      // A sweep's ports probed one by one are not in its own command (tester 44f): each broken one's probe too.
      const ports = (e.sweep?.broken ?? []).filter((b) => b.repro !== "" && b.repro !== e.evidence.command).slice(0, 3).map((b) => `\n    # port ${b.port} (observed ${b.observed})\n    ${safeText(b.repro)}`).join("");
      return `    # line ${e.line}: ${oneLine(e.text)} (${what}${changed})\n    ${safeText(other ? e.parity!.command : e.evidence.command)}${ports}`;
    });
}

/** The kept labs of the report; `invocation` starts the cleanup commands (`npx fwspec`, harness/invocation.ts). */
export function renderKept(report: RunReport, invocation?: string): string {
  const kept = report.scenarios.filter((s) => s.kept);
  if (kept.length === 0) return "";
  const blocks = kept.map((s) => {
    const k = s.kept!;
    const found = repros(s);
    return [
      `kept lab ${k.lab} of ${oneLine(s.name)} (${s.status}), until ${k.until}:`,
      ...k.hosts.map((h) => `  ${h.name}: ${h.shell}`),
      ...(found.length > 0 ? ["  repro (run on the kept lab, it gives the reported verdict again unless the lab changed after its check):", ...found] : []),
    ].join("\n");
  });
  const runs = [...new Set(kept.map((s) => s.kept!.run))];
  return `\n${blocks.join("\n\n")}\n\nremove ${kept.length === 1 ? "it" : "them"} with: ${runs.map((r) => fwspecCommand(`cleanup --run ${r}`, invocation)).join("; ")} (later runs leave kept labs alone until the time shown; \`${fwspecCommand("cleanup --kept", invocation)}\` removes every kept and warm lab on this engine, other runs' too)\n`;
}
