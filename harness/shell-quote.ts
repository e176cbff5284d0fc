/** POSIX-shell quoting of argument lists, for display only: repro commands and the hints people paste (commands never go through a shell on the machine). */

const SAFE = /^[A-Za-z0-9_@%+=:,./\-]+$/;

/** POSIX-shell quoting, for display only (commands never go through a shell on the machine). */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (a !== "" && SAFE.test(a) ? a : UNPRINTABLE.test(a) ? ansiQuoted(a) : `'${a.replaceAll("'", `'\\''`)}'`)).join(" ");
}

/** Characters a terminal would not show as themselves (line breaks, tabs, controls, bidi marks, lone surrogates). */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]/u;

/**
 * An argument bash's `$'…'` gives back byte for byte, every unprintable
 * character as an escape (`$'a\x1bb'`): one line, shown as it is (nothing
 * left for the report's escaping to change) and pasted as it was run.
 */
function ansiQuoted(a: string): string {
  let out = "";
  for (const c of a) {
    const n = c.codePointAt(0)!;
    if (c === "\\" || c === "'") out += `\\${c}`;
    else if (c === "\n") out += "\\n";
    else if (c === "\t") out += "\\t";
    // As its UTF-8 bytes: `\x…` is a byte whatever the pasting shell's locale (a lone surrogate has none: U+FFFD's).
    else if (UNPRINTABLE.test(c)) out += n < 0x80 ? `\\x${n.toString(16).padStart(2, "0")}` : [...Buffer.from(c)].map((b) => `\\x${b.toString(16)}`).join("");
    else out += c;
  }
  return `$'${out}'`;
}
