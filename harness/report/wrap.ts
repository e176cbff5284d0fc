/**
 * Fitting console text to a width (pure): a line too wide is broken at
 * spaces, its continuation lines hanging under the text after a leading
 * `label:` (or two spaces in); a word wider than the width keeps a line of its
 * own; a `repro:` command, and a failed command's `on HOST:` line, is never
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

/** One line as lines no wider than `width`, except a single unbreakable word or a `repro:` command. */
export function fitLine(line: string, width: number): string[] {
  if (textWidth(line) <= width) return [line];
  const indent = /^\s*/.exec(line)![0];
  const rest = line.slice(indent.length);
  const label = /^[a-z]+:\s+/.exec(rest)?.[0] ?? "";
  const hang = label !== "" && textWidth(indent + label) <= width / 2 ? indent + " ".repeat(textWidth(label)) : `${indent}  `;
  const value = rest.slice(label.length);
  if (WHOLE.has(label.trim())) return [`${indent}${label.trim()}`, `${hang}${value}`];
  // A failed command as errors.ts reports it (`on server: iptables … --comment 'a b'`).
  const on = /^on [A-Za-z0-9_.-]+:\s+/.exec(rest)?.[0];
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

/** Every line of `text` fitted to `width`. */
export function fitText(text: string, width: number): string {
  return text.split("\n").flatMap((l) => fitLine(l, width)).join("\n");
}
