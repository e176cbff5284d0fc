/**
 * Fitting console text to a width (pure): a line too wide is broken at
 * spaces, its continuation lines hanging under the text after a leading
 * `label:` (or two spaces in); a word wider than the width keeps a line of its
 * own; a `repro:` command is never broken (pasted, it must run as printed):
 * when too wide it moves whole to its own line. A continuation line never
 * starts a CI command (`::…`, `##[…`): it gets the `| ` that text.ts gives.
 */

import stringWidth from "string-width";

/** Terminal columns when nothing better is known (not a terminal, or its width unknown). */
export const DEFAULT_WIDTH = 100;

/** Labels whose value is a command to paste: never broken. */
const WHOLE = new Set(["repro:"]);
const CI_COMMAND = /^(::|##(vso)?\[)/;

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
  const lines: string[] = [];
  let current = indent + label;
  let empty = true;
  for (const word of value.split(/ +/).filter((w) => w !== "")) {
    if (empty) {
      current += lines.length > 0 && CI_COMMAND.test(word) ? `| ${word}` : word;
      empty = false;
    } else if (textWidth(`${current} ${word}`) <= width) {
      current += ` ${word}`;
    } else {
      lines.push(current);
      current = hang + (CI_COMMAND.test(word) ? `| ${word}` : word);
    }
  }
  lines.push(current);
  return lines;
}

/** Every line of `text` fitted to `width`. */
export function fitText(text: string, width: number): string {
  return text.split("\n").flatMap((l) => fitLine(l, width)).join("\n");
}
