/**
 * The rules files of a scenario (apply scripts and restore files) and the
 * same scenario with other contents for them: how `fwspec diff` builds each
 * side. `--rules-a FILE` replaces the scenario's one rules file (of several,
 * the one of FILE's file name, when only one has it), `--rules-a
 * NAMED=FILE` the file the scenario names NAMED (a path from the working
 * directory); any other file stays as it is. Pure but for reading the
 * replacement files (read-file.ts, the one file reader).
 */
import path from "node:path";
import { InputError } from "../errors.ts";
import { shellQuote } from "../shell-quote.ts";
import { fwspecCommand } from "../invocation.ts";
import type { RuleSource, Scenario } from "../scenario/model.ts";
import { failureWords, readTextFileSync } from "../scenario/read-file.ts";
import { MAX_FIXTURE_BYTES } from "../scenario/schema.ts";

/** The absolute paths of the files the scenario's apply steps read, each once, in step order. */
export function ruleFilesOf(scenario: Scenario): string[] {
  const files = scenario.steps.flatMap((s) => (s.kind === "apply" ? s.sources : [])).flatMap((src) => (src.kind === "commands" ? [] : [src.path]));
  return [...new Set(files)];
}

/**
 * The scenario with the given contents (by absolute path) for its rules
 * files; `names` (by the same path) the file each is read from instead, so
 * titles and failures name the file actually applied.
 */
export function withRuleFiles(scenario: Scenario, contents: ReadonlyMap<string, string>, names: ReadonlyMap<string, string> = new Map()): Scenario {
  const swap = (src: RuleSource): RuleSource => (src.kind !== "commands" && contents.has(src.path) ? { ...src, content: contents.get(src.path)!, path: names.get(src.path) ?? src.path } : src);
  return { ...scenario, steps: scenario.steps.map((s) => (s.kind === "apply" ? { ...s, sources: s.sources.map(swap) } : s)) };
}

/** `--rules-a FILE` (or `--base REV`) on a scenario that applies no rules file: nothing to swap. `invocation` starts the command its hint names (harness/invocation.ts). */
export function noRulesFile(scenario: Scenario, what: string, invocation?: string): InputError {
  const inline = scenario.steps.some((s) => s.kind === "apply");
  return new InputError(`${what}: the scenario applies no rules file (${inline ? "its rules are inline commands" : "it has no apply step"}), so diff has no file to swap`, {
    hint: `diff swaps the files apply steps read: put the rules in a file (\`- apply: rules.sh\`), then \`${fwspecCommand("diff SCENARIO --rules-a OLD.sh --rules-b rules.sh", invocation)}\`, or --base REV once that file is committed`,
  });
}

/** What a `--rules-a`/`--rules-b` value replaces, and with which file (both absolute); `invocation` as for noRulesFile. */
export function replacementsOf(scenario: Scenario, specs: readonly string[], flag: string, cwd: string, invocation?: string): Map<string, string> {
  const files = ruleFilesOf(scenario);
  const out = new Map<string, string>();
  const listed = files.map((f) => path.relative(cwd, f)).join(", ") || "none";
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    const named = eq > 0 ? path.resolve(cwd, spec.slice(0, eq)) : undefined;
    const file = path.resolve(cwd, eq > 0 ? spec.slice(eq + 1) : spec);
    if (named === undefined) {
      if (files.length === 0) throw noRulesFile(scenario, `${flag} ${spec}`, invocation);
      // Of several, the one it names exactly (that file as it is), else the one of the same file name (`--rules-a
      // old/rules.v6` for the scenario's firewall/rules.v6).
      const exact = files.filter((f) => f === file);
      const byName = exact.length === 1 ? exact : files.filter((f) => path.basename(f) === path.basename(file));
      if (files.length !== 1 && byName.length !== 1) {
        throw new InputError(`${flag} ${spec}: the scenario reads ${files.length} rules files (${listed}), so say which one this replaces`, { hint: `write ${flag} NAMED=FILE, e.g. ${shellQuote([flag, `${files[0] ? path.relative(cwd, files[0]) : "firewall/rules.v4"}=${spec}`])}` });
      }
      out.set(files.length === 1 ? files[0]! : byName[0]!, file);
    } else {
      if (!files.includes(named)) throw new InputError(`${flag} ${spec}: the scenario reads no file ${path.relative(cwd, named)} (it reads ${listed})`, { hint: "name a script or restore file one of its apply steps reads" });
      out.set(named, file);
    }
  }
  return out;
}

/** Top-level `hosts:` and `steps:` keys: a fwspec scenario, which no rules file has. */
const SCENARIO_KEYS = [/^hosts\s*:/m, /^steps\s*:/m];

/** The replacement files read: contents by the path they replace. */
export function readReplacements(replacements: ReadonlyMap<string, string>, flag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [target, file] of replacements) {
    const read = readTextFileSync(file, { maxBytes: MAX_FIXTURE_BYTES });
    if (!read.ok) throw new InputError(`${flag}: cannot use ${file} (${failureWords(read.failure)})`, { hint: "name a readable rules file: a shell script or iptables-restore input, as the scenario's apply step expects" });
    if (SCENARIO_KEYS.every((k) => k.test(read.text))) {
      throw new InputError(`${flag}: ${file} is a fwspec scenario (it has hosts: and steps:), not a rules file`, { hint: `${flag} takes a rules file an apply step reads (a shell script, iptables-restore or nft input); the scenario is diff's first argument: fwspec diff SCENARIO ${flag} RULES` });
    }
    out.set(target, read.text);
  }
  return out;
}
