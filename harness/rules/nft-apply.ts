/**
 * Loading nftables input into a lab host: a ruleset file is checked with
 * `nft -c -f` (errors name the file's lines), then loaded with `nft -f`, one
 * transaction. Native tables (those iptables does not manage on the host's
 * backend) are snapshotted before an apply that may touch them and put back
 * in one transaction when the apply fails (rules/apply.ts rolls back
 * iptables' tables itself).
 */
import { shownPath } from "../shown-path.ts";
import { CommandError } from "../errors.ts";
import type { LabHost } from "../lab/types.ts";
import { iptablesOwned } from "./host-state.ts";
import { parseNftJson } from "./nft-json.ts";
import { formatNftProblems, nativeRollbackInput, type NftProblem, nftProblems, tableBlocksOf } from "./nft-file.ts";
import { columnInWritten } from "../scenario/placeholders.ts";
import { fwspecCommand } from "../invocation.ts";

/** A problem's column on the line as written (none when the lines cannot be aligned). */
function writtenColumn(p: NftProblem, written: string, content: string): NftProblem {
  if (p.line === undefined || p.column === undefined) return p;
  const column = columnInWritten(p.column, written.split("\n")[p.line - 1] ?? "", content.split("\n")[p.line - 1] ?? "");
  const { column: _column, ...rest } = p;
  return column === undefined ? rest : { ...rest, column };
}

/** An nft ruleset file nft rejected: every problem with the file's line. */
export class NftRulesetError extends CommandError {}

/** `invocation`: how the user types fwspec, for the command a refusal's hint names (harness/invocation.ts). */
export async function loadNftFile(host: LabHost, source: { readonly path: string; readonly content: string; readonly written?: string | undefined }, target: string, invocation?: string): Promise<void> {
  /**
   * nft's problems named at the user's file and line, not the staged copy's (tester 44a: a load the kernel refused), and
   * at the column of the line as written where lab addresses replaced placeholders (tester 45b).
   */
  const refused = (error: unknown, tool: "nft -c" | "nft -f", heading: string, hint: string): unknown => {
    if (!(error instanceof CommandError)) return error;
    const problems = nftProblems(error.failure.stderr, target).map((p) => (source.written === undefined ? p : writtenColumn(p, source.written, source.content)));
    if (problems.length === 0) return error;
    // One problem a line, indented under the heading (each names the file and line, for editors and CI logs).
    const listed = formatNftProblems(problems, shownPath(source.path)).split("\n").map((l) => `  ${l}`).join("\n");
    return new NftRulesetError(`${heading}:\n${listed}`, error.failure, {
      cause: error,
      rejected: problems.map((p) => ({ file: source.path, line: p.line, ...(p.column !== undefined ? { column: p.column } : {}), family: "nft", tool, message: p.message })),
      hint,
    });
  };
  try {
    await host.runStaged(source.content, target, ["nft", "-c", "-f", target], `checking ${source.path} with nft -c -f`);
  } catch (error) {
    throw refused(error, "nft -c", `nft -c rejected ${shownPath(source.path)}`, `fix the line(s) named above; \`${fwspecCommand("validate --rules", invocation)}\` checks nft files without running a scenario`);
  }
  try {
    await host.run(["nft", "-f", target], `loading ${source.path} with nft -f`);
  } catch (error) {
    // What `nft -c` cannot see: the kernel refusing a rule (a jump loop, a statement its hook does not allow).
    throw refused(error, "nft -f", `the kernel refused ${shownPath(source.path)} (nft -c had accepted it)`, "fix the line(s) named above: nft -c checks the syntax and the names, only the kernel checks jump loops and which statements each hook allows");
  }
}

const keepNative = (host: LabHost) => (table: string) => !iptablesOwned(table, host.spec.backend);

/** The native tables as nft prints them (with their counters), to be put back on failure. */
export async function snapshotNative(host: LabHost): Promise<Map<string, string>> {
  const listed = await host.run(["nft", "list", "ruleset"], "reading the nftables ruleset before the apply", { light: true });
  const keep = keepNative(host);
  return new Map([...tableBlocksOf(listed.stdout)].filter(([t]) => keep(t)));
}

/** Deletes the native tables present now and loads the snapshot's, in one `nft -f` transaction. */
export async function rollbackNative(host: LabHost, before: ReadonlyMap<string, string>): Promise<void> {
  const input = nativeRollbackInput(before, await nativeTables(host));
  if (input !== "") await host.run(["nft", "-f", "-"], "putting back the nftables tables of before the apply", { stdin: input });
}

/** Native tables present now (`family name`). */
export async function nativeTables(host: LabHost): Promise<readonly string[]> {
  return parseNftJson((await host.run(["nft", "-j", "list", "ruleset"], "reading the nftables tables", { light: true })).stdout, keepNative(host)).tables;
}
