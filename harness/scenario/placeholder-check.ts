/**
 * Validate-time check of lab-address placeholders (placeholders.ts) in an
 * apply step's rules files and commands: each unknown name is a problem at the
 * step's file field, naming the rules file's own line (`rules.v4:5`).
 */
import { DEFAULT_NETWORK } from "../model/types.ts";
import type { CheckContext } from "./context.ts";
import { at } from "./diagnostics.ts";
import type { Path } from "./locate.ts";
import { type Names, placeholderProblems } from "./placeholders.ts";

/** The names a scenario's lab will have (hosts with their networks, home first; networks). */
export function labNames(ctx: CheckContext): Names | undefined {
  if (!ctx.hostsKnown) return undefined;
  const hosts = new Map<string, readonly string[]>();
  for (const [name, info] of ctx.hosts) if (info.networks) hosts.set(name, info.networks);
  const networks = ctx.networksDeclared ? (ctx.networkNames ?? []) : [DEFAULT_NETWORK];
  return { hosts, networks };
}

/** Reports unknown placeholders in a rules file (at `p`, the field naming it, with the file's line). */
export function checkFilePlaceholders(ctx: CheckContext, content: string, written: string, p: Path): boolean {
  const names = labNames(ctx);
  if (!names) return true;
  const problems = placeholderProblems(content, names);
  for (const q of problems) ctx.problem(p, `${written}:${q.line}: ${q.message}`, q.hint);
  return problems.length === 0;
}

/** Reports unknown placeholders in a command (a line as written, or an argument list). */
export function checkCommandPlaceholders(ctx: CheckContext, written: unknown, argv: readonly string[], p: Path): boolean {
  const names = labNames(ctx);
  if (!names) return true;
  if (typeof written === "string") {
    const problems = placeholderProblems(written, names);
    for (const q of problems) ctx.problem(p, q.message, q.hint, at(q.offset));
    return problems.length === 0;
  }
  let ok = true;
  argv.forEach((arg, i) => {
    for (const q of placeholderProblems(arg, names)) {
      ok = false;
      ctx.problem([...p, i], q.message, q.hint, at(q.offset));
    }
  });
  return ok;
}
