/**
 * `apply` steps: the rules a firewall host gets, from a script, an
 * iptables-restore file per family, an nftables ruleset file, or a list of commands; and the command
 * syntax `apply` and `run` share (a line split like a shell, or an argument list).
 */
import type { CheckBase, CheckContext } from "./context.ts";
import { firewallHost, locationOf } from "./context.ts";
import { at } from "./diagnostics.ts";
import { SHAPE_HINTS } from "./hints.ts";
import { checkCommandPlaceholders, checkFilePlaceholders } from "./placeholder-check.ts";
import { tightPlaceholders } from "./placeholders.ts";
import type { Path } from "./locate.ts";
import type { ApplyStep, RuleSource, SourceLocation } from "./model.ts";
import { includeProblem, nftIncludes, xtablesCompatLines, xtablesProblem } from "../rules/nft-file.ts";
import { schemas } from "./schema.ts";
import { type LoadedAs, rulesFileProblem } from "./rules-file-kind.ts";
import { splitCommand } from "./shellwords.ts";
import { allChecked, isRecord } from "./values.ts";
import type { FixtureFile } from "./fixtures.ts";
import { shownPath } from "../shown-path.ts";
import { shellQuote } from "../shell-quote.ts";

/** Reads each field of an apply step on its own (wrong types were reported by zod; they only make the step invalid). */
export function checkApply(ctx: CheckContext, apply: unknown, p: Path, location: SourceLocation): ApplyStep | undefined {
  if (typeof apply === "string") {
    const host = firewallHost(ctx, undefined, p, p, `\`apply: { host: HOST, script: ${apply} }\``);
    const file = ctx.fixtures.read(apply, p);
    if (!host || !file || !loadsAs(ctx, file, apply, p, "script")) return undefined;
    return { kind: "apply", host, sources: [{ kind: "script", path: file.path, content: file.content }], location };
  }
  if (!isRecord(apply)) return undefined;
  const given = (["script", "restore", "nft", "commands"] as const).filter((k) => apply[k] !== undefined);
  const unknownKeys = Object.keys(apply).filter((k) => !["host", "script", "restore", "nft", "commands"].includes(k));
  let ok = schemas.apply.safeParse(apply).success;
  if (given.length === 0) {
    if (unknownKeys.length === 0) {
      ctx.problem(p, "`apply` needs one of `script`, `restore`, `nft` or `commands`", "e.g. `apply: { host: server, script: ../fixtures/rules.sh }`");
    }
    ok = false;
  } else if (given.length > 1) {
    const second = given[1] as string;
    ctx.problem([...p, second], `one \`apply\` step takes one of \`script\`, \`restore\`, \`nft\` or \`commands\`, this one has \`${given[0]}\` and \`${second}\``, "split them into two apply steps (they run in order)", { atKey: true });
    ok = false;
  }
  const explicit = apply["host"];
  const host = explicit === undefined || typeof explicit === "string" ? firewallHost(ctx, explicit, [...p, "host"], p, "`apply: { host: HOST, ... }`") : undefined;
  const sources: RuleSource[] = [];
  const script = apply["script"];
  if (typeof script === "string") {
    const file = ctx.fixtures.read(script, [...p, "script"]);
    if (file && !checkFilePlaceholders(ctx, file.content, script, [...p, "script"])) ok = false;
    if (file && !loadsAs(ctx, file, script, [...p, "script"], "script")) ok = false;
    if (file) sources.push({ kind: "script", path: file.path, content: file.content });
    else ok = false;
  }
  const restore = apply["restore"];
  if (isRecord(restore)) {
    if (restore["ipv4"] === undefined && restore["ipv6"] === undefined && Object.keys(restore).length === 0) {
      ctx.problem([...p, "restore"], "`restore` names no file", SHAPE_HINTS["restore"]);
      ok = false;
    }
    for (const family of ["ipv4", "ipv6"] as const) {
      const written = restore[family];
      if (typeof written !== "string") continue;
      const file = ctx.fixtures.read(written, [...p, "restore", family]);
      if (file && !checkFilePlaceholders(ctx, file.content, written, [...p, "restore", family])) ok = false;
      if (file && !loadsAs(ctx, file, written, [...p, "restore", family], "restore")) ok = false;
      if (file) sources.push({ kind: "restore", family, path: file.path, content: file.content });
      else ok = false;
    }
  }
  const nft = apply["nft"];
  if (typeof nft === "string") {
    const file = ctx.fixtures.read(nft, [...p, "nft"]);
    if (file && !checkFilePlaceholders(ctx, file.content, nft, [...p, "nft"])) ok = false;
    if (file && !loadsAs(ctx, file, nft, [...p, "nft"], "nft")) ok = false;
    const xt = file ? xtablesCompatLines(file.content) : [];
    if (xt.length > 0) {
      const { message, hint } = xtablesProblem(nft, xt);
      ctx.problem([...p, "nft"], message, hint);
      ok = false;
    }
    const included = file ? nftIncludes(file.content) : [];
    if (included.length > 0) {
      const { message, hint } = includeProblem(nft, included);
      ctx.problem([...p, "nft"], message, hint);
      ok = false;
    }
    if (file) sources.push({ kind: "nft", path: file.path, content: file.content });
    else ok = false;
  }
  const list = apply["commands"];
  if (Array.isArray(list)) {
    const commands = allChecked(list, (c, i) => checkLabCommand(ctx, c, [...p, "commands", i]));
    if (commands) sources.push({ kind: "commands", commands, locations: commands.map((_, i) => locationOf(ctx, [...p, "commands", i])) });
    else ok = false;
  }
  if (!ok || !host) return undefined;
  return { kind: "apply", host, sources, location };
}

/** Is the file fit to be loaded this way (no CR LF; not another kind of rules file)? False, and a problem at its path, if not (commands in its hint name the file as typed where fwspec runs). */
function loadsAs(ctx: CheckBase, file: FixtureFile, written: string, p: Path, as: LoadedAs): boolean {
  const problem = rulesFileProblem(file.content, written, as, shellQuote([shownPath(file.path)]));
  if (problem) ctx.problem(p, problem.message, problem.hint);
  return problem === undefined;
}

/** A command of a lab host (apply, run): `checkCommand`, and its lab-address placeholders (placeholders.ts) known. */
export function checkLabCommand(ctx: CheckContext, c: unknown, cp: Path): string[] | undefined {
  // `{{ admin.ipv4 }}` is one word of a command line.
  const argv = checkCommand(ctx, typeof c === "string" ? tightPlaceholders(c) : c, cp);
  return argv && checkCommandPlaceholders(ctx, c, argv, cp) ? argv : undefined;
}

/** A command line (split like a shell, without one) or an argument array; undefined (reported) if unusable. */
export function checkCommand(ctx: CheckBase, c: unknown, cp: Path): string[] | undefined {
  if (typeof c === "string") {
    const split = splitCommand(c);
    if (!split.ok) {
      ctx.problem(cp, split.message, split.hint, at(split.offset));
      return undefined;
    }
    return split.argv;
  }
  if (!Array.isArray(c) || c.length === 0 || !c.every((a) => typeof a === "string")) return undefined; // zod reported it
  const argv = c as string[];
  const bad = argv.findIndex((a) => /[\0\n\r]/.test(a));
  if (bad >= 0) {
    ctx.problem([...cp, bad], "a command argument may not contain line breaks or NUL bytes", "one argument per list item, each on one line");
    return undefined;
  }
  if ((argv[0] ?? "").trim() === "") {
    ctx.problem([...cp, 0], "empty command name", "the first item is the program, e.g. `[iptables, -A, INPUT, -j, DROP]`");
    return undefined;
  }
  return [...argv];
}
