/**
 * Where a rules script failed (pure). Scripts run as `sh -e -x` with PS4 set
 * to SCRIPT_TRACE_MARK, so the shell prints each command, variables expanded,
 * before it runs it; the last one printed is the one that failed. Its line in
 * the script is found by expanding the script's own assignments (as the trace
 * shows them; an unset variable is empty) in each line and comparing, words
 * and quotes aside; a line only when exactly one matches (a loop or a
 * function gives the command alone). The trace lines never reach a report:
 * splitTrace takes them out of what the script printed.
 */

/** PS4 for rules scripts: a mark no command prints at the start of a line. */
export const SCRIPT_TRACE_MARK = "@@fwspec-trace ";

/** What the script printed after its last traced command: the failing command's own output (or the shell's error). */
export function afterLastTrace(stderr: string): string {
  const lines = stderr.split("\n");
  const last = lines.findLastIndex((l) => l.startsWith(SCRIPT_TRACE_MARK));
  return lines.slice(last + 1).join("\n");
}

/** The shell's trace lines (mark removed), and what the commands printed, in order. */
export function splitTrace(stderr: string): { trace: string[]; output: string } {
  const trace: string[] = [];
  const output: string[] = [];
  for (const line of stderr.split("\n")) {
    if (line.startsWith(SCRIPT_TRACE_MARK)) trace.push(line.slice(SCRIPT_TRACE_MARK.length));
    else output.push(line);
  }
  return { trace, output: output.join("\n") };
}

/** Words without quotes, one space apart: how a trace line and an expanded script line are compared. */
function words(text: string): string {
  return text.replace(/['"]/g, "").trim().split(/\s+/).join(" ");
}

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** The command that failed (the trace's last), and its line in the script when exactly one line expands to it. */
export function failingCommand(script: string, trace: readonly string[]): { command: string; line?: number } | undefined {
  const command = trace.at(-1);
  if (command === undefined) return undefined;
  const values = new Map<string, string>();
  for (const t of trace) {
    const m = ASSIGNMENT.exec(t);
    if (m) values.set(m[1]!, m[2]!.replace(/^'(.*)'$/, "$1"));
  }
  const expand = (line: string) => line.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a?: string, b?: string) => values.get((a ?? b)!) ?? "");
  const wanted = words(command);
  const lines = script.split("\n").map((l, i) => ({ n: i + 1, text: l })).filter((l) => !/^\s*(#|$)/.test(l.text) && words(expand(l.text)) === wanted);
  return lines.length === 1 ? { command, line: lines[0]!.n } : { command };
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
  const error = new RegExp(`^${escaped}: (\\d+): `);
  const lines = stderr.split("\n").filter((l) => l !== "");
  const last = lines.findLastIndex((l) => l.startsWith(SCRIPT_TRACE_MARK) || error.test(l));
  const m = last < 0 ? null : error.exec(lines[last]!);
  return m ? Number(m[1]) : undefined;
}

/** What to do about a failure the lab itself causes: /proc/sys is read-only in a lab host (its kernel settings are fixed when it starts). `output`: what the failing command printed (the script's stderr after its last trace line). */
export function labLimitHint(output: string): string | undefined {
  if (!/(?:\/proc\/sys\/|sysctl).*Read-only file system|sysctl: permission denied on key/.test(output)) return undefined;
  return "/proc/sys is read-only in a lab host: its kernel settings are set when it starts, and a host with `router: true` forwards IPv4 and IPv6 already; keep the line out of what the lab applies (or let it fail: `sysctl -w … || true`)";
}
