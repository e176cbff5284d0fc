/**
 * Applies rules inside a lab host: a shell script (`sh -e`), iptables-restore /
 * ip6tables-restore input (checked with --test first, then loaded atomically),
 * an nftables ruleset file (nft-apply.ts), or commands as argument arrays. All
 * or nothing: on any failure the host's rules (iptables tables, and native nft
 * tables when the apply may have touched them) are restored to what they were
 * before, and the error names the command, its exit code and stderr.
 * Afterwards the loaded ruleset is recorded as evidence.
 */
import { afterLastTrace, BASH_TRACE_ENV, failingCommand, labLimitHint, SCRIPT_TRACE_MARK, scriptShell, shellErrorLine, splitTrace } from "./script-trace.ts";
import { oneLine } from "../text.ts";
import { addressesOutsideLab } from "./addresses-named.ts";
import { interfacesNamed, missingInterfaces } from "./interfaces-named.ts";
import { createHash, randomBytes } from "node:crypto";
import { CommandError, LabError } from "../errors.ts";
import type { LabHost } from "../lab/types.ts";
import { FAMILIES, type Family } from "../model/types.ts";
import type { RuleSource } from "../scenario/model.ts";
import { type CounterReading, type HostRules, hostRulesFrom, type LoadedRuleset, readFamilySave, readRules, RESTORE, SAVE } from "./read.ts";
import { loadNftFile, nativeTables, rollbackNative, snapshotNative } from "./nft-apply.ts";
import { flushesRuleset } from "./nft-file.ts";
import { markNative, nativeListing } from "./nft-read.ts";
import { changedTablesInput, emptyTables, tablesNotIn } from "./reset.ts";
import { iptablesOnly } from "./reset-scope.ts";
import { natPlacement, restoreErrorLine, toolMessage } from "./syntax-lines.ts";
import { shownPath } from "../shown-path.ts";
import { explainMissingJumps, mayBeMissingJump } from "./missing-jumps.ts";
import { loadableTargets } from "./xtables.ts";
import { fwspecCommand } from "../invocation.ts";
import { LabNotReusableError } from "./host-reset.ts";

export type { LoadedRuleset } from "./read.ts";

export interface AppliedRules {
  readonly host: string;
  readonly sources: readonly string[];
  /** What the kernel holds after the apply (iptables-save / ip6tables-save). */
  readonly loaded: LoadedRuleset;
  readonly durationMs: number;
  /** What the apply did beyond its rules that a reader should know (e.g. `flush ruleset` deleting Docker's DNS rules). */
  readonly notes?: readonly string[];
  /** The notes a reader must see (rules matching interfaces the host lacks); the others are in the step's message only. */
  readonly warnings?: readonly string[];
}

export async function readLoaded(host: LabHost): Promise<LoadedRuleset> {
  return (await readRules(host)).loaded;
}

/** A fresh file name inside the host for staged rules (kept there as evidence). */
function stagingPath(host: LabHost, suffix: string): string {
  return `/tmp/fwspec/${host.name}-${randomBytes(4).toString("hex")}.${suffix}`;
}

function describeSource(source: RuleSource): string {
  switch (source.kind) {
    case "script":
      return `script ${source.path}`;
    case "restore":
      return `${RESTORE[source.family]} ${source.path}`;
    case "nft":
      return `nft -f ${source.path}`;
    case "commands":
      return `${source.commands.length} command(s)`;
  }
}

/** A failed rules script: the command that failed and its line, from the shell's trace; the trace itself left out of its output. */
function scriptFailure(error: unknown, source: Extract<RuleSource, { kind: "script" }>, target: string): unknown {
  if (!(error instanceof CommandError)) return error;
  const { trace, lines, output } = splitTrace(error.failure.stderr);
  // The shell's own error (a redirection, a command not found) names its line; a command that failed is the trace's last.
  const shellLine = shellErrorLine(error.failure.stderr, target);
  const failed = shellLine === undefined ? failingCommand(source.content, trace, lines) : undefined;
  const lineText = shellLine === undefined ? "" : oneLine(source.content.split("\n")[shellLine - 1]?.trim() ?? "");
  const where = shellLine !== undefined
    ? ` at ${shownPath(source.path)}:${shellLine} ${lineText === "" ? "(the end of the file: something opened above is not closed)" : `\`${lineText}\``}`
    : failed?.written !== undefined ? ` at ${shownPath(source.path)}:${failed.line} \`${oneLine(failed.written)}\` (as written; the shell ran \`${failed.command}\` last there)`
    : failed ? ` at ${failed.line !== undefined ? `${shownPath(source.path)}:${failed.line}` : "the command"} \`${failed.command}\` (as the shell ran it, variables expanded)` : "";
  // `exec >>log 2>&1`: what ran after it, its trace and the failing command's words, went to that file.
  const redirected = failed !== undefined && /^exec(\s|$)/.test(failed.command)
    ? `the script sent its output and the shell's trace elsewhere at that line (\`${oneLine(source.content.split("\n")[(failed.line ?? 1) - 1]?.trim() ?? "exec")}\`): the command that failed after it, and what it printed, are in that file in the host`
    : undefined;
  const hint = labLimitHint(afterLastTrace(error.failure.stderr)) ?? redirected ?? error.hint;
  // The staged copy is named as the user's file in what the shell printed and in the message (the command keeps it: a repro in a kept lab).
  const named = (text: string) => text.split(target).join(shownPath(source.path));
  return new CommandError(`${named(error.message)}${where}`, { ...error.failure, stdout: named(error.failure.stdout), stderr: named(output) }, { cause: error, ...(hint ? { hint } : {}) });
}

async function applyOne(host: LabHost, source: RuleSource, invocation: string | undefined): Promise<void> {
  switch (source.kind) {
    case "script": {
      const target = stagingPath(host, "sh");
      // Traced (`-x`, PS4 a mark of fwspec's own): a failure names the command that failed and its line (script-trace.ts).
      // Its output through files: a command it starts in the background outlives it (no pipe to die on).
      // In the shell its first line asks for (`#!/bin/bash`), else sh (dash); bash as root takes PS4 from BASH_ENV only.
      const shell = scriptShell(source.content);
      const command = [shell, "-e", "-x", target];
      const env: Record<string, string> = shell === "bash" ? { BASH_ENV: BASH_TRACE_ENV } : { PS4: SCRIPT_TRACE_MARK };
      await host.runStaged(source.content, target, command, `rules script ${shownPath(source.path)}`, { outputThroughFiles: true, env }).catch((error: unknown) => {
        throw scriptFailure(error, source, target);
      });
      return;
    }
    case "restore": {
      const target = stagingPath(host, `rules.${source.family === "ipv4" ? "v4" : "v6"}`);
      const refused = (tool: string) => async (error: unknown): Promise<never> => {
        // A jump to nothing is named at its rule's line; which targets exist, the host's iptables says (read only then).
        const jump = error instanceof CommandError && mayBeMissingJump(source.content, error.failure.stderr);
        throw restoreRefusal(error, source, tool, invocation, jump ? await loadableTargets(host, source.family) : undefined);
      };
      await host.runStaged(source.content, target, [RESTORE[source.family], "--test", target], `checking ${source.path} with ${RESTORE[source.family]} --test`).catch(refused(`${RESTORE[source.family]} --test`));
      await host.run([RESTORE[source.family], target], `loading ${source.path} with ${RESTORE[source.family]}`).catch(refused(RESTORE[source.family]));
      return;
    }
    case "nft":
      await loadNftFile(host, source, stagingPath(host, "nft"), invocation);
      return;
    case "commands":
      for (const command of source.commands) await host.run(command, "rule command");
      return;
  }
}

/**
 * A restore file the tool refused at a line (`--test`, or the load itself:
 * iptables-nft checks chains and targets only then): named as the user's file
 * and line (the staged copy in the host has the same lines), with the tool's
 * words; a jump to nothing at its rule's line, not the COMMIT iptables-nft
 * names (missing-jumps.ts; `targets`: what the host can load); any other
 * failure as it was.
 */
export function restoreRefusal(error: unknown, source: Extract<RuleSource, { kind: "restore" }>, tool: string, invocation?: string, targets?: ReadonlySet<string>): unknown {
  if (!(error instanceof CommandError)) return error;
  const line = restoreErrorLine(error.failure.stderr);
  const jumps = explainMissingJumps(source.content, error.failure.stderr, targets);
  if (line === undefined && jumps === undefined) return error;
  const placed = line === undefined ? undefined : natPlacement(source.content.split("\n")[line - 1] ?? "");
  const lines = jumps ?? [{ line, message: placed ? `${placed}: ${toolMessage(error.failure.stderr)}` : toolMessage(error.failure.stderr) }];
  // Named as the terminal names files (relative to where fwspec runs); `rejected` keeps the path for reports.
  return new CommandError(lines.map((l) => `${shownPath(source.path)}:${l.line}: ${source.family}: ${l.message} (${tool})`).join("\n"), error.failure, {
    cause: error,
    rejected: lines.map((l) => ({ file: source.path, line: l.line, family: source.family, tool, message: l.message })),
    hint: `\`${fwspecCommand("validate --rules", invocation)}\` (or \`${fwspecCommand("run --check-rules", invocation)}\`) names every bad line of every rules file before any lab starts`,
  });
}

/** Docker's embedded DNS answers a container at 127.0.0.11 through nat rules in its own namespace. */
const DOCKER_DNS = "127.0.0.11";


function dnsNote(sources: readonly RuleSource[], loaded: LoadedRuleset, host: LabHost): string[] {
  const flushing = sources.filter((s): s is Extract<RuleSource, { kind: "nft" }> => s.kind === "nft" && flushesRuleset(s.content));
  if (flushing.length === 0 || `${loaded.ipv4}\n${loaded.nft ?? ""}`.includes(DOCKER_DNS)) return [];
  return [
    `\`flush ruleset\` in ${flushing.map((s) => s.path).join(", ")} also deleted Docker's DNS rules (nat to ${DOCKER_DNS}) in ${host.name}: names do not resolve inside it until the reset ` +
      "(fwspec probes by address, so verdicts are unaffected)",
  ];
}

/** Rules matching an interface the host does not have never match: said, with the host's own names (`interfaces:` renames them). */
function interfaceNote(loaded: LoadedRuleset, host: LabHost): string[] {
  const have = host.networks.map((n) => [n, host.interfaceOn(n)] as const);
  if (have.some(([, name]) => name === undefined)) return [];
  const missing = missingInterfaces(interfacesNamed(loaded), ["lo", ...have.map(([, name]) => name!)]);
  if (missing.length === 0) return [];
  const own = ["lo", ...have.map(([n, name]) => `${name} (${n})`)].join(", ");
  return [`the rules match interface(s) ${missing.join(", ")}, which ${host.name} does not have (its interfaces: ${own}): those matches never hold; name the interfaces with \`interfaces:\` on the host, or use its names in the rules`];
}

/** Rules matching addresses no lab host can hold never match lab traffic: said, with the lab's ranges (rules/addresses-named.ts). */
export function addressNote(loaded: Pick<LoadedRuleset, "ipv4" | "ipv6" | "nft">, host: Pick<LabHost, "name">): string[] {
  const outside = addressesOutsideLab(loaded);
  if (outside.length === 0) return [];
  const shown = outside.slice(0, 5).join(", ") + (outside.length > 5 ? ` and ${outside.length - 5} more` : "");
  return [`the rules on ${host.name} match address(es) ${shown}, which no lab host can hold (lab addresses lie in 198.18.0.0/15 and 2001:db8::/32): those matches never hold for lab traffic, so what they allow or block is not tested here`];
}

/**
 * A native nftables table named like one of iptables' own (`table ip filter`
 * with a lower-case `input` base chain): on an nft-backend host fwspec reads
 * ip/ip6 filter, nat, mangle, raw and security as iptables-nft's, and
 * iptables-save cannot show such chains (it says so in a comment). Said, with
 * what that costs and the way out.
 */
export function nativeUnderIptablesName(loaded: Pick<LoadedRuleset, "ipv4" | "ipv6">, host: string): string[] {
  const tables = incompatibleTables(loaded);
  if (tables.length === 0) return [];
  return [`native nftables chains in ${tables.map((t) => `\`table ${t}\``).join(", ")} on ${host}: fwspec reads a table of that name as iptables-nft's own, whose view (iptables-save) cannot show these chains, so counter checks cannot name their rules and no drop there is decided early (verdicts and the trace still see them); name the table otherwise (\`table inet filter\`, \`table ip fw\`) for both`];
}

/**
 * The tables iptables-save says it cannot show (`# Table `filter' is
 * incompatible, use 'nft' tool.`: none of it; `… contains incompatible
 * base-chains …`: those chains): `ip filter`, `ip6 nat`.
 */
export function incompatibleTables(loaded: Pick<LoadedRuleset, "ipv4" | "ipv6">): string[] {
  const named = (text: string, family: string) => [...text.matchAll(/^# Table `(\w+)' (?:contains incompatible base-chains|is incompatible)/gm)].map((m) => `${family} ${m[1]}`);
  return [...named(loaded.ipv4, "ip"), ...named(loaded.ipv6, "ip6")];
}

/**
 * The apply's evidence with the tables iptables-save cannot show (incompatibleTables) as nft prints them
 * (handles and counter values left out), in its `unshown` listing and its digest: rulesets that differ only there
 * are told apart (a hand-written `table ip filter` with an `INPUT` chain was invisible to both).
 */
async function withUnshownTables(host: LabHost, loaded: LoadedRuleset): Promise<LoadedRuleset> {
  const tables = incompatibleTables(loaded);
  if (tables.length === 0) return loaded;
  // Table names are words (incompatibleTables): `ip filter` splits into nft's two arguments.
  const listed = await host.run(["sh", "-c", 'for t; do nft list table $t || exit; done', "fwspec-list", ...tables], `reading ${host.name}'s tables iptables-save cannot show`, { light: true });
  const listing = nativeListing(listed.stdout, () => true);
  // Apart from `nft` (native tables, whose rules coverage counts): no reading counts these, so they are no coverage's.
  return { ...loaded, unshown: listing, digest: createHash("sha256").update(`${loaded.digest}\n--unshown--\n${listing}`).digest("hex") };
}

export interface ApplyOptions {
  /** Flush the host's conntrack table afterwards so old flows do not bypass new rules (default true). */
  readonly flushConntrack?: boolean;
  /** How the user types fwspec, for commands in hints (harness/invocation.ts; default `npx fwspec`). */
  readonly invocation?: string | undefined;
  /** The host's rules as read since their last change (a lab handed over: runner/lease.ts), what a failed apply rolls back to; default: read here. */
  readonly before?: LoadedRuleset | undefined;
}

/** The apply's evidence, and the counters read with it (the baseline for counter checks and probes that follow). */
export interface ApplyOutcome {
  readonly applied: AppliedRules;
  readonly counters: CounterReading;
}

export async function applyRules(host: LabHost, sources: readonly RuleSource[], options: ApplyOptions = {}): Promise<ApplyOutcome> {
  if (!host.spec.firewall) {
    throw new LabError(`${host.name} is not a firewall host; rules are applied only to hosts declared with firewall: true`);
  }
  await host.assertIsolated();
  const started = performance.now();
  // Anything but iptables input may touch native nft tables: those are kept to be put back, and read from now on.
  const native = !sources.every(iptablesOnly);
  const [before, nftBefore] = await Promise.all([options.before ?? readLoaded(host), native ? snapshotNative(host) : undefined]);
  try {
    for (const source of sources) await applyOne(host, source, options.invocation);
  } catch (error) {
    await restoreRulesets(host, before);
    if (nftBefore) await rollbackNative(host, nftBefore);
    if (error instanceof CommandError) {
      // A message of several lines (nft's problems, each with its source line) gets the rollback on a line of its own.
      // Only rules are rolled back: what a command of another tool did before the failure stays (tester 38a).
      const rest = sources.every(iptablesOnly) ? "" : " (only rules: what its commands changed besides, such as an address or an IPsec policy, stays)";
      throw new CommandError(`${error.message}${error.message.includes("\n") ? "\n" : "; "}no rule of this apply step was kept (rolled back)${rest}`, error.failure, { cause: error, hint: error.hint, ...(error.rejected ? { rejected: error.rejected } : {}) });
    }
    throw error;
  }
  if (native) markNative(host, (await nativeTables(host)).length > 0);
  // A script or another tool's command may have renamed an interface: the names read anew before the notes name them.
  if (sources.some((s) => (s.kind === "script" || s.kind === "commands") && !iptablesOnly(s))) await host.readInterfaces?.();
  // The flush and the read are independent (no traffic in between): side by side.
  const [, after] = await Promise.all([(options.flushConntrack ?? true) ? flushConntrack(host) : undefined, readRules(host)]);
  const warnings = [...interfaceNote(after.loaded, host), ...addressNote(after.loaded, host), ...nativeUnderIptablesName(after.loaded, host.name)];
  const notes = [...dnsNote(sources, after.loaded, host), ...warnings];
  const loaded = await withUnshownTables(host, after.loaded);
  return {
    applied: { host: host.name, sources: sources.map(describeSource), loaded, durationMs: Math.round(performance.now() - started), ...(notes.length > 0 ? { notes } : {}), ...(warnings.length > 0 ? { warnings } : {}) },
    counters: after.counters,
  };
}

/**
 * Puts back earlier rulesets: per family, the tables that differ from `wanted`
 * are restored atomically (one iptables-restore, read back in the same
 * command); tables that do not differ are left alone. Returns the reading after.
 */
async function restoreRulesets(host: LabHost, wanted: LoadedRuleset, options: { readonly zeroCounters?: boolean; readonly now?: Readonly<Record<Family, string>> | undefined } = {}): Promise<HostRules> {
  const now = options.now ? FAMILIES.map((f) => options.now![f]) : await Promise.all(FAMILIES.map((f) => readFamilySave(host, f)));
  const after = await Promise.all(
    FAMILIES.map(async (family, i) => {
      // On an nft-backend host a table the wanted ruleset lacks is deleted, not left empty (legacy tables cannot be).
      const dropped = host.spec.backend === "legacy" ? [] : tablesNotIn(wanted[family], now[i]!);
      const input = changedTablesInput(wanted[family], now[i]!, { everyTable: options.zeroCounters === true, dropped });
      return input === "" && dropped.length === 0 ? now[i]! : await restoreThenRead(host, family, input, dropped, `restoring the ${family} rules`);
    }),
  );
  return hostRulesFrom({ ipv4: after[0]!, ipv6: after[1]! });
}

/**
 * One family's tables `dropped` deleted (nft), its restore input (if any)
 * loaded, and its rules read back with counters, in one command.
 */
async function restoreThenRead(host: LabHost, family: Family, input: string, dropped: readonly string[], what: string): Promise<string> {
  const script = 'nft=$1 restore=$2 save=$3 load=$4; shift 4; for t; do nft delete table "$nft" "$t" || exit; done; [ "$load" = no ] || "$restore" || exit; exec "$save" -c';
  return (await host.run(["sh", "-c", script, "fwspec-reset", NFT_FAMILY[family], RESTORE[family], SAVE[family], input === "" ? "no" : "yes", ...dropped], what, { stdin: input })).stdout;
}

/**
 * No empty table (built-in chains, ACCEPT policies, no rule) left to count:
 * its policies count what passes (the handoff's neighbour warm-up, the
 * scenario's probes before any rule of its own), where a fresh lab has no
 * such table until a rule makes one. A legacy host's reset leaves a table
 * the boot ruleset lacks empty; an nft host's deletes it (tablesNotIn), so
 * there one is left only when the baseline itself had it empty (a warm lab
 * left by an older fwspec). On an nft-backend host they are
 * deleted (iptables-nft's tables are nftables tables; every comparison takes
 * an empty table for none), read back in the same command; legacy tables
 * cannot be removed, so a legacy-backend host with one is not reusable for
 * the scenario (LabNotReusableError: it gets a fresh lab). Returns the
 * reading after.
 */
export async function dropEmptyTables(host: LabHost): Promise<HostRules> {
  const after = await Promise.all(
    FAMILIES.map(async (family) => {
      const now = await readFamilySave(host, family);
      const tables = emptyTables(now);
      if (tables.length === 0) return now;
      if (host.spec.backend === "legacy") {
        throw new LabNotReusableError(`${host.name}: its empty ${family} legacy table(s) ${tables.join(", ")}, left by an earlier scenario, would count this one's packets (legacy tables cannot be removed; a fresh lab has none)`);
      }
      const drop = `for t; do nft delete table ${NFT_FAMILY[family]} "$t" || exit; done; exec ${SAVE[family]} -c`;
      return (await host.run(["sh", "-c", drop, "fwspec-drop-empty", ...tables], `deleting ${host.name}'s empty ${family} tables`)).stdout;
    }),
  );
  return hostRulesFrom({ ipv4: after[0]!, ipv6: after[1]! });
}

/** The nftables family of each iptables family's tables (iptables-nft). */
const NFT_FAMILY: Readonly<Record<Family, string>> = { ipv4: "ip", ipv6: "ip6" };

export async function flushConntrack(host: LabHost): Promise<void> {
  // conntrack -F exits 1 with "0 flow entries" on some versions when empty; only a missing tool is an error.
  const r = await host.exec(["conntrack", "-F"]);
  if (r.exitCode !== 0 && !/flow entries have been deleted|0 flow entries/.test(r.stderr)) {
    throw new CommandError("flushing conntrack failed", { command: r.command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, where: host.name });
  }
}

/**
 * Resets a host to a known ruleset (normally the one captured right after the
 * host booted): per family, the tables that differ from it are restored
 * atomically (one iptables-restore, read back in the same command), the
 * result is verified against the baseline's digest, and then conntrack is
 * flushed (unless the caller flushes after restoring more). With
 * `zeroCounters` every table is restored, changed or not, so every counter
 * starts at zero (for a scenario that prints counters, as a fresh lab's).
 * Returns the reading after the reset: counters from here on are the next
 * scenario's. `now`: each family's iptables-save -c as the caller read it
 * with nothing of the host's own running since that could change a rule
 * (runner/forget.ts: the handoff's script, after its stray-process check),
 * instead of reading it here; a family that reads as the baseline there is
 * not restored, nor read again.
 */
export async function resetRules(host: LabHost, baseline: LoadedRuleset, options: { readonly flushConntrack?: boolean; readonly zeroCounters?: boolean; readonly now?: Readonly<Record<Family, string>> | undefined } = {}): Promise<HostRules> {
  // Native tables are deleted by the state reset (host-reset.ts); the baseline is iptables' view.
  markNative(host, false);
  const rules = await restoreRulesets(host, baseline, { zeroCounters: options.zeroCounters === true, now: options.now });
  if (rules.loaded.digest !== baseline.digest) {
    throw new LabError(`resetting ${host.name} did not restore its baseline ruleset (digest ${rules.loaded.digest} ≠ ${baseline.digest})`);
  }
  // Only once the old rules are gone: a packet between a flush and the restore
  // would be tracked under the old rules, its NAT mapping included, and the
  // entry would outlive them as long as its flow goes on.
  if (options.flushConntrack ?? true) await flushConntrack(host);
  return rules;
}
