/**
 * "Did you mean" for scenario diagnostics: the closest candidate by edit
 * distance (optimal string alignment: insert, delete, substitute, swap two
 * neighbours), compared case-insensitively.
 */
import { foldLookalikes, nonAsciiNote } from "./lookalike.ts";

/** Edit distance between two strings; an adjacent transposition counts as one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      d[i * cols + j] = v;
    }
  }
  return at(a.length, b.length);
}

/**
 * The candidate closest to `word`, if it is close enough to be a plausible typo
 * (at most a third of the word's length in edits, at least one, at most three).
 */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  const found = nearest(word, [...candidates].filter((c) => c !== word), (s) => s.toLowerCase());
  return found && found.distance <= limit ? found.value : undefined;
}

/** The candidate nearest `word` by edit distance however far (the first of equals), compared as `fold` makes them. */
export function nearest(word: string, candidates: Iterable<string>, fold: (s: string) => string = (s) => s): { value: string; distance: number } | undefined {
  const w = fold(word);
  let found: { value: string; distance: number } | undefined;
  for (const c of candidates) {
    const distance = editDistance(w, fold(c));
    if (!found || distance < found.distance) found = { value: c, distance };
  }
  return found;
}

/**
 * "did you mean `x`?" or undefined; when `word` is not ASCII, a note naming its
 * first non-ASCII character (saying `word` only looks like `x` when it does), so
 * `оpen` with a Cyrillic `о` is not a mystery.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const c = closest(word, candidates);
  if (c === undefined) return undefined;
  const foreign = nonAsciiNote(word);
  if (!foreign) return `did you mean \`${c}\`?`;
  const alike = foldLookalikes(word).replace(/[^\x00-\x7f]/g, "") === c;
  return `did you mean \`${c}\`? (\`${word}\`${alike ? " only looks like it" : ""}: ${foreign.note})`;
}

/** `a`, `b` or `c`. */
export function listWords(words: readonly string[], conjunction = "or"): string {
  const quoted = words.map((w) => `\`${w}\``);
  if (quoted.length <= 1) return quoted.join("");
  return `${quoted.slice(0, -1).join(", ")} ${conjunction} ${quoted.at(-1)}`;
}
