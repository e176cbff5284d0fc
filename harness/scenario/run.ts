/**
 * `run` steps: a command on a lab host, with the exit status and the output
 * texts or regular expressions it must (not) contain.
 */
import { checkLabCommand } from "./apply.ts";
import type { CheckContext } from "./context.ts";
import { firewallHost, knownHost } from "./context.ts";
import type { Path } from "./locate.ts";
import type { RunStep, SourceLocation } from "./model.ts";
import { schemas } from "./schema.ts";
import { listWords } from "./suggest.ts";
import { isRecord, textList, truncate } from "./values.ts";

/** `run: COMMAND` (on the only firewall host, exit 0) or `run: { host, command, exit, contains, excludes, matches }`. */
export function checkRun(ctx: CheckContext, run: unknown, p: Path, location: SourceLocation): RunStep | undefined {
  const noneHint = "name the host to run on: `run: { host: HOST, command: ... }` (any host), or mark a host `firewall: true`";
  if (typeof run === "string") {
    const host = firewallHost(ctx, undefined, p, p, `\`run: { host: HOST, command: ${truncate(run, 60)} }\``, noneHint);
    const command = checkLabCommand(ctx, run, p);
    if (!host || !command) return undefined;
    return { kind: "run", host, command, exit: 0, contains: [], excludes: [], matches: [], location };
  }
  if (!isRecord(run)) return undefined; // zod reported it
  const parsed = schemas.run.safeParse(run);
  let ok = parsed.success;
  const explicit = run["host"];
  let host: string | undefined;
  if (explicit === undefined) host = firewallHost(ctx, undefined, [...p, "host"], p, "`run: { host: HOST, command: ... }`", noneHint);
  else if (typeof explicit === "string") {
    if (explicit === "localhost") {
      ctx.problem([...p, "host"], "`localhost` is not a host to run on", `name a lab host: ${listWords(ctx.hostNames)}`);
    } else if (knownHost(ctx, explicit, [...p, "host"])) host = explicit;
  }
  const command = run["command"] === undefined ? undefined : checkLabCommand(ctx, run["command"], [...p, "command"]);
  if (!command) ok = false;
  const contains = textList(run["contains"], [...p, "contains"]);
  const excludes = textList(run["excludes"], [...p, "excludes"]);
  const matches = textList(run["matches"], [...p, "matches"]);
  for (const x of excludes) {
    if (x.text !== "" && contains.some((c) => c.text === x.text)) {
      ctx.problem(x.path, `\`${truncate(x.text)}\` is in both \`contains\` and \`excludes\``, "the output cannot both contain and not contain a text; remove one of them");
      ok = false;
    }
  }
  for (const m of matches) {
    if (m.text === "") continue; // zod reported it
    try {
      new RegExp(m.text, "m");
    } catch (error) {
      const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "");
      ctx.problem(
        m.path,
        `invalid regular expression \`${truncate(m.text)}\`: ${reason}`,
        "`matches` takes JavaScript regular expressions (multiline): escape special characters with a backslash (`\\(`, `\\[`, `\\.`), or use `contains` for plain text",
      );
      ok = false;
    }
  }
  if (!ok || !host || !command || !parsed.success || typeof parsed.data === "string") return undefined;
  return {
    kind: "run",
    host,
    command,
    exit: parsed.data.exit,
    contains: contains.map((x) => x.text),
    excludes: excludes.map((x) => x.text),
    matches: matches.map((x) => x.text),
    location,
  };
}
