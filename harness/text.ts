/**
 * Neutralising scenario-provided text (names, descriptions, commands, probe
 * output, diagnostics) before it reaches a terminal or a CI log: control
 * characters (C0, DEL, C1) and bidi overrides become visible escapes (`\x1b`,
 * `\u202e`), and no line can start a CI command (`::error ...`, `##vso[...]`).
 */

// C0 except tab and newline, DEL, C1, bidi embeddings/overrides/isolates, lone surrogates.
// eslint-disable-next-line no-control-regex
const CONTROL_SOURCE = "[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069\\u2028\\u2029]|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]";
/** The one definition of what safeText escapes; the checks below use it too. */
const CONTROL = new RegExp(CONTROL_SOURCE, "g");

function escapeChar(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16).padStart(4, "0")}`;
}

/** A line a CI runner would read as a command: GitHub `::name ...::`, Azure `##vso[` / `##[`. */
export const CI_COMMAND = /^\s*(::|##(vso)?\[)/;

/** Multi-line text: controls escaped (tabs and newlines kept; CR is `\x0d`), CI command lines prefixed with `| `. */
export function safeText(text: string): string {
  return text
    .replace(CONTROL, escapeChar)
    .split("\n")
    .map((line) => (CI_COMMAND.test(line) ? `| ${line}` : line))
    .join("\n");
}

/** Characters that show nothing (zero-width spaces and joiners, marks, the BOM, a soft hyphen): in a one-line field `re\u200bmote` must not look like `remote`. */
const INVISIBLE = /[\u00ad\u061c\u180e\u200b-\u200f\u2060-\u2064\ufeff]/g;

/** A single-line field (a name, a title, a command, a diagnostic): like safeText, and line breaks, tabs and invisible characters escaped too. */
export function oneLine(text: string): string {
  return safeText(text.replace(/\r/g, "\\r").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(INVISIBLE, escapeChar));
}

/** A message of several lines (an error and its hint): like safeText, and invisible characters escaped as in oneLine. */
export function messageText(text: string): string {
  return safeText(text.replace(INVISIBLE, escapeChar));
}

/**
 * Characters XML 1.0 forbids (and C1 controls), as the same visible escapes: JUnit stays valid for any input; and bidi
 * embeddings, overrides and isolates, which a CI's test view would render (tester 44d: a U+202E reordered rule text).
 */
export function xmlSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, escapeChar);
}

/** Does `text` hold a raw control character or bidi override (what safeText escapes)? */
export function hasRawControl(text: string): boolean {
  return new RegExp(CONTROL_SOURCE).test(text);
}

/** Does any line of `text` start a CI command? */
export function hasCiCommandLine(text: string): boolean {
  return text.split("\n").some((line) => CI_COMMAND.test(line));
}

/**
 * The first thing in scenario prose (`name`, `description`) that would act on a terminal or CI log:
 * a control character or bidi override (tab and newline are fine), or a line a CI runner reads as a command.
 */
export function terminalHazard(text: string): { index: number; what: string } | undefined {
  const c = new RegExp(CONTROL_SOURCE).exec(text);
  if (c) return { index: c.index, what: `the control character \`${escapeChar(c[0])}\`` };
  const line = /^[ \t]*(::|##(vso)?\[)/m.exec(text);
  if (line) return { index: line.index, what: `a line starting with \`${line[1]}\`, which CI runners read as a command` };
  return undefined;
}

/** The text with each run of whitespace made one space, trimmed: a rule as written, compared whatever its indentation. */
export function spacedOnce(text: string): string {
  return text.trim().split(/\s+/).join(" ");
}
