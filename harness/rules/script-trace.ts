/**
 * Where a rules script failed (pure). Scripts run as `sh -e -x` (`bash -e -x`
 * when their first line asks for bash: scriptShell) with PS4 set to
 * SCRIPT_TRACE_MARK, so the shell prints each command, variables expanded,
 * before it runs it; the last one printed is the one that failed. Its line in
 * the script is found by expanding the script's own assignments (as the trace
 * shows them; an unset variable is empty) in each line and comparing, words
 * and quotes aside; a line only when exactly one matches (a loop or a
 * function gives the command alone). The trace lines never reach a report:
 * splitTrace takes them out of what the script printed.
 */

/** PS4 for rules scripts: a mark no command prints at the start of a line. */
export const SCRIPT_TRACE_MARK = "@@fwspec-trace ";

/** In the lab image (docker/fwspec-trace.bash): sets PS4 to BASH_TRACE_PS4 for a script bash runs (its BASH_ENV). */
export const BASH_TRACE_ENV = "/usr/share/fwspec/trace.bash";

/**
 * Bash's PS4: the mark, then `@` and the line the traced command is on
 * (`${LINENO}`: a function's command at its own line, a command continued
 * with `\` at its first). Dash's PS4 is the mark alone: it does not expand
 * LINENO there.
 */
export const BASH_TRACE_PS4 = `${SCRIPT_TRACE_MARK}@\${LINENO} `;
const TRACED_LINE = /^@(\d+) /;

/** A trace line: the mark, its first character repeated once per level of nesting (bash: a subshell, a command substitution). */
const TRACE_LINE = new RegExp(`^${SCRIPT_TRACE_MARK[0]}*${SCRIPT_TRACE_MARK.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);

function isTrace(line: string): boolean {
  return TRACE_LINE.test(line);
}

/** What the script printed after its last traced command: the failing command's own output (or the shell's error). */
export function afterLastTrace(stderr: string): string {
  const lines = stderr.split("\n");
  const last = lines.findLastIndex(isTrace);
  return lines.slice(last + 1).join("\n");
}

/**
 * The shell's trace lines (mark removed), the script line of each where the
 * shell said it (bash: BASH_TRACE_PS4), and what the commands printed, in order.
 */
export function splitTrace(stderr: string): { trace: string[]; lines: (number | undefined)[]; output: string } {
  const trace: string[] = [];
  const lines: (number | undefined)[] = [];
  const output: string[] = [];
  for (const line of stderr.split("\n")) {
    if (!isTrace(line)) {
      output.push(line);
      continue;
    }
    const command = line.replace(TRACE_LINE, "");
    const at = TRACED_LINE.exec(command);
    trace.push(at ? command.slice(at[0].length) : command);
    lines.push(at ? Number(at[1]) : undefined);
  }
  return { trace, lines, output: output.join("\n") };
}

/** The shell a rules script runs in: bash when its first line asks for it (`#!/bin/bash`, `#!/usr/bin/env bash`), else sh (dash). */
export function scriptShell(content: string): "bash" | "sh" {
  return /^#!\s*(?:\/usr)?\/bin\/(?:env\s+(?:-S\s+)?)?bash(?:\s|$)/.test(content) ? "bash" : "sh";
}

/** A line without its redirections (`2>/dev/null`, `>> log`, `2>&1`): the trace does not show them. */
function withoutRedirections(line: string): string {
  return line.replace(/(^|\s)\d*(?:>>|>&|<&|&>|>|<)\s*[^\s;&|]+/g, " ");
}

/** Words without quotes, one space apart: how a trace line and an expanded script line are compared. */
function words(text: string): string {
  return text.replace(/['"]/g, "").trim().split(/\s+/).join(" ");
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** The command that failed (the trace's last), and its line in the script when exactly one line expands to it. */
/** The first command of each action a script sets for its end (`trap cleanup EXIT`, `trap 'iptables -F; exit' 0 ERR`), in words. */
function exitActions(script: string): string[] {
  const actions: string[] = [];
  for (const m of script.matchAll(/^\s*trap\s+(?:'([^']*)'|"([^"]*)"|([^\s'"]+))\s+([^#\n]*)$/gm)) {
    const signals = m[4]!.trim().split(/\s+/).map((x) => x.toUpperCase().replace(/^SIG/, ""));
    if (!signals.some((x) => x === "EXIT" || x === "0" || x === "ERR")) continue;
    const first = (m[1] ?? m[2] ?? m[3] ?? "").split(/;|&&|\|\||\n/)[0]!;
    if (words(first) !== "" && words(first) !== "-") actions.push(words(first));
  }
  return actions;
}

/**
 * The command that failed: the trace's last, or, when the script set an action
 * for its end (`trap rollback EXIT`) that ran after it, the one traced just
 * before that action began.
 */
function failedOf(script: string, trace: readonly string[]): number {
  const actions = exitActions(script);
  const start = actions.length === 0 ? -1 : trace.findLastIndex((t) => actions.includes(words(t)));
  return start > 0 ? start - 1 : trace.length - 1;
}

/** Line `n` of the script (1-based) with the lines a `\` at its end continues it onto, as one line. */
function statementAt(script: string, n: number): string {
  const lines = script.split("\n");
  let text = lines[n - 1] ?? "";
  for (let i = n; /\\$/.test(text) && i < lines.length; i++) text = `${text.slice(0, -1)} ${lines[i]!.trim()}`;
  return text.trim();
}

/**
 * The command that failed and its line: the line the shell said (bash), else
 * the one line that expands to it. `written`: the line as written, when bash
 * said the line and what it ran last there is not the whole of it (a
 * pipeline's last command, `x=` of `x=$(cmd)`).
 */
export function failingCommand(script: string, trace: readonly string[], lines: readonly (number | undefined)[] = []): { command: string; line?: number; written?: string } | undefined {
  const index = failedOf(script, trace);
  const command = trace[index];
  if (command === undefined) return undefined;
  const values = new Map<string, string>();
  for (const t of trace) {
    const m = ASSIGNMENT.exec(t);
    if (m) values.set(m[1]!, m[2]!.replace(/^'(.*)'$/, "$1"));
  }
  const expand = (line: string) => line.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a?: string, b?: string) => values.get((a ?? b)!) ?? "");
  const wanted = words(command);
  const said = lines[index];
  if (said !== undefined) {
    const statement = statementAt(script, said);
    return words(withoutRedirections(expand(statement))) === wanted || statement === "" ? { command, line: said } : { command, line: said, written: statement };
  }
  const found = script.split("\n").map((l, i) => ({ n: i + 1, text: l })).filter((l) => !/^\s*(#|$)/.test(l.text) && words(withoutRedirections(expand(l.text))) === wanted);
  return found.length === 1 ? { command, line: found[0]!.n } : { command };
}

/**
 * The line the shell itself named in its own error (`/tmp/fwspec/gw-1a2b.sh: 3:
 * cannot create /proc/sys/…: Read-only file system`, dash's form) when that
 * error ended the script: a redirection, a command not found, a syntax error.
 * `stderr` is the script's whole stderr, trace lines included: an error some
 * command came after (`… || true`) ended nothing. Undefined when none did.
 */
export function shellErrorLine(stderr: string, script: string): number | undefined {
  const escaped = script.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // dash: `FILE: 3: …`; bash: `FILE: line 3: …`.
  const error = new RegExp(`^${escaped}: (?:line )?(\\d+): `);
  const lines = stderr.split("\n").filter((l) => l !== "");
  const last = lines.findLastIndex((l) => isTrace(l) || error.test(l));
  const m = last < 0 ? null : error.exec(lines[last]!);
  return m ? Number(m[1]) : undefined;
}

/** What to do about a failure the lab itself causes: /proc/sys is read-only in a lab host (its kernel settings are fixed when it starts). `output`: what the failing command printed (the script's stderr after its last trace line). */
export function labLimitHint(output: string): string | undefined {
  if (!/(?:\/proc\/sys\/|sysctl).*Read-only file system|sysctl: permission denied on key/.test(output)) return undefined;
  return "/proc/sys is read-only in a lab host: its kernel settings are set when it starts, and a host with `router: true` forwards IPv4 and IPv6 already; keep the line out of what the lab applies (or let it fail: `sysctl -w … || true`)";
}
