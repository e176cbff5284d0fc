/**
 * Fitting console text to a width (pure): a line too wide is broken at
 * spaces, its continuation lines hanging under the text after a leading
 * `label:` (or two spaces in); a word wider than the width keeps a line of its
 * own; a `repro:` command, and a failed command's `on HOST:` line (the one
 * before its `exit code` line: not a command's output line that reads alike), is never
 * broken (pasted, it must run as printed; a break inside a quoted argument
 * would change it): when too wide it moves whole to its own line. A continuation line never
 * starts a CI command (`::…`, `##[…`): the word before it is carried along
 * (`-s ::1/128` stays together), or, when that cannot be, it gets the `| `
 * that text.ts gives.
 */

import stringWidth from "string-width";
import { CI_COMMAND } from "../text.ts";

/** Terminal columns when nothing better is known (not a terminal, or its width unknown). */
export const DEFAULT_WIDTH = 100;

/** Labels whose value is a command to paste: never broken. */
const WHOLE = new Set(["repro:"]);

/** Width in terminal columns: a wide character (CJK, most emoji) takes two, a combining mark none (string-width). */
export function textWidth(text: string): number {
  return stringWidth(text);
}

/**
 * One line as lines no wider than `width`, except a single unbreakable word or
 * a `repro:` command; `command`: the line is a failed command's `on HOST: …`
 * (fitText tells it from a command's output line of the same form).
 */
export function fitLine(line: string, width: number, options: { readonly command?: boolean } = {}): string[] {
  if (textWidth(line) <= width) return [line];
  const indent = /^\s*/.exec(line)![0];
  const rest = line.slice(indent.length);
  const label = /^[a-z]+:\s+/.exec(rest)?.[0] ?? "";
  const hang = label !== "" && textWidth(indent + label) <= width / 2 ? indent + " ".repeat(textWidth(label)) : `${indent}  `;
  const value = rest.slice(label.length);
  if (WHOLE.has(label.trim())) return [`${indent}${label.trim()}`, `${hang}${value}`];
  // A failed command as errors.ts reports it (`on server: iptables … --comment 'a b'`).
  const on = options.command ? COMMAND_LINE.exec(rest)?.[0] : undefined;
  if (on) return [`${indent}${on.trim()}`, `${indent}  ${rest.slice(on.length)}`];
  const lines: string[] = [];
  let start = indent + label;
  let words: string[] = [];
  const text = () => start + words.join(" ");
  for (const word of value.split(/ +/).filter((w) => w !== "")) {
    if (words.length === 0 || textWidth(`${text()} ${word}`) <= width) {
      words.push(word);
      continue;
    }
    // A CI command word would begin the next line: the word before it goes along (`-s ::1/128` stays one piece), when that fits.
    const carried = CI_COMMAND.test(word) && words.length > 1 && textWidth(`${hang}${words.at(-1)} ${word}`) <= width ? [words.pop()!] : [];
    lines.push(text());
    start = hang;
    words = [...carried, word];
  }
  lines.push(text());
  // Still first on a continuation line (nothing to carry, or too wide): the `| ` text.ts gives.
  return lines.map((l, i) => (i > 0 && CI_COMMAND.test(l.slice(hang.length)) && l.startsWith(hang) ? `${hang}| ${l.slice(hang.length)}` : l));
}

/** A failed command's line as errors.ts CommandError writes it: `on HOST: ARGV`, the next line its exit code. */
const COMMAND_LINE = /^on (?:[A-Za-z0-9_.-]+|'[^']*'):\s+/;
const EXIT_LINE = /^\s*exit code -?\d+/;

/** Every line of `text` fitted to `width`; a failed command's `on HOST:` line (followed by its `exit code` line) is never broken. */
export function fitText(text: string, width: number): string {
  const lines = text.split("\n");
  return lines.flatMap((l, i) => fitLine(l, width, { command: COMMAND_LINE.test(l.trimStart()) && EXIT_LINE.test(lines[i + 1] ?? "") })).join("\n");
}
