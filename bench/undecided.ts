/**
 * Issue 15's measure: which verdicts of a run name no deciding rule although
 * an nft-based firewall host is on their path (report/undecided.ts).
 * `node bench/undecided.ts run.json [scenario paths…]` (default: scenarios),
 * where run.json is `fwspec run … --json run.json`. Prints each verdict and
 * the count; exit 1 when there is any.
 */
import { readFileSync } from "node:fs";
import type { ExpectationResult } from "../harness/model/results.ts";
import { undecidedVerdicts } from "../harness/report/undecided.ts";
import { validateFiles } from "../harness/scenario/validate-files.ts";

const [json, ...paths] = process.argv.slice(2);
if (!json) {
  process.stderr.write("usage: node bench/undecided.ts run.json [scenario paths…]\n");
  process.exit(2);
}
const report = JSON.parse(readFileSync(json, "utf8")) as { scenarios: { file: string; expectations: ExpectationResult[] }[] };
const { scenarios } = validateFiles(paths.length > 0 ? paths : ["scenarios"]);
const undecided = undecidedVerdicts(report.scenarios, scenarios);
const total = report.scenarios.reduce((n, s) => n + s.expectations.length, 0);
for (const u of undecided) process.stdout.write(`${u.file.replace(`${process.cwd()}/`, "")}:${u.line} ${u.family} ${u.text} (${u.actual}; nft hosts: ${u.hosts.join(", ")}): ${u.problem}\n`);
process.stdout.write(`${undecided.length} of ${total} verdicts on nft-based hosts' paths name no deciding rule or one the verdict contradicts\n`);
process.exit(undecided.length > 0 ? 1 : 0);
