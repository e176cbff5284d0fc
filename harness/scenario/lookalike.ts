/**
 * Names must be ASCII; when one is not, say which character, where, and what
 * it looks like (Cyrillic/Greek homoglyphs, fullwidth forms), so `sеrver` with
 * a Cyrillic `е` is not a mystery.
 */

/** Common homoglyphs of Latin letters and digits. */
const LOOKS_LIKE: Readonly<Record<string, string>> = {
  // Cyrillic
  а: "a", в: "b", е: "e", ё: "e", к: "k", м: "m", н: "h", о: "o", р: "p", с: "c", т: "t", у: "y", х: "x", ѕ: "s", і: "i", ї: "i", ј: "j", ԁ: "d", ӏ: "l", ԛ: "q", ԝ: "w", һ: "h",
  А: "A", В: "B", Е: "E", К: "K", М: "M", Н: "H", О: "O", Р: "P", С: "C", Т: "T", Х: "X", Ѕ: "S", І: "I", Ј: "J",
  // Greek
  α: "a", ο: "o", ρ: "p", ν: "v", ε: "e", ι: "i", κ: "k", τ: "t", υ: "u", χ: "x", γ: "y", η: "n",
  Α: "A", Β: "B", Ε: "E", Ζ: "Z", Η: "H", Ι: "I", Κ: "K", Μ: "M", Ν: "N", Ο: "O", Ρ: "P", Τ: "T", Υ: "Y", Χ: "X",
};

export interface NonAscii {
  /** UTF-16 offset of the character in the text. */
  readonly index: number;
  readonly char: string;
  /** e.g. "`е` (U+0435, looks like `e`)" */
  readonly described: string;
}

function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** The first non-ASCII character of `text`, described; undefined when all is ASCII. */
export function firstNonAscii(text: string): NonAscii | undefined {
  const m = /[^\x00-\x7f]/u.exec(text);
  if (!m) return undefined;
  const char = m[0];
  const folded = char.normalize("NFKC");
  const like = LOOKS_LIKE[char] ?? (/^[\x21-\x7e]$/.test(folded) ? folded : undefined);
  // One that shows nothing (a bidi override, a zero-width space) is called so: no empty slot (tester 44d).
  const visible = /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(char) ? `\`${char}\` ` : "an invisible character ";
  return { index: m.index, char, described: `${visible}(${codePoint(char)}${like ? `, looks like \`${like}\`` : ""})` };
}

/** "character 2, `е` (U+0435, looks like `e`), is not ASCII", or undefined. */
export function nonAsciiNote(text: string): { note: string; index: number } | undefined {
  const n = firstNonAscii(text);
  if (!n) return undefined;
  return { note: `character ${[...text.slice(0, n.index)].length + 1}, ${n.described}, is not ASCII`, index: n.index };
}

/** `text` with every known look-alike replaced by the ASCII character it imitates (for "e.g." suggestions). */
export function foldLookalikes(text: string): string {
  return [...text].map((c) => LOOKS_LIKE[c] ?? (/^[\x21-\x7e]$/.test(c.normalize("NFKC")) ? c.normalize("NFKC") : c)).join("");
}
