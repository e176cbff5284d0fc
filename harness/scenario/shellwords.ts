/**
 * Splits a command line into arguments the way a POSIX shell splits words
 * (blanks, 'single quotes', "double quotes", backslash escapes), WITHOUT a
 * shell: anything a shell would interpret (operators, expansions, globs,
 * comments) is rejected rather than passed through literally, so a command
 * means the same here as it would in a terminal.
 */

export type SplitResult =
  | { readonly ok: true; readonly argv: string[] }
  /** `offset`: where in the line the problem is; undefined for the whole line. */
  | { readonly ok: false; readonly message: string; readonly offset: number | undefined; readonly hint: string };

const SCRIPT_HINT = "commands run without a shell; put shell syntax in a script file (`apply: { host: ..., script: rules.sh }`)";

const OPERATORS: Record<string, string> = {
  ";": "`;` (command separator)",
  "|": "`|` (pipe)",
  "&": "`&` (background / `&&`)",
  ">": "`>` (redirection)",
  "<": "`<` (redirection)",
  "(": "`(` (subshell)",
  ")": "`)` (subshell)",
};

function fail(message: string, offset: number | undefined, hint: string = SCRIPT_HINT): SplitResult {
  return { ok: false, message, offset, hint };
}

export function splitCommand(text: string): SplitResult {
  const argv: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i] as string;
    if (c === " " || c === "\t") {
      if (inWord) argv.push(word);
      word = "";
      inWord = false;
      i++;
      continue;
    }
    if (c === "\n" || c === "\r") return fail("a command may not span lines", i, "write one command per list item; " + SCRIPT_HINT);
    if (c === "\0") return fail("a command may not contain a NUL byte", i, "remove the NUL byte");
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return fail("unterminated single quote", i, "close the quote with `'`");
      word += text.slice(i + 1, close);
      inWord = true;
      i = close + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= n) return fail("unterminated double quote", i, 'close the quote with `"`');
        const d = text[j] as string;
        if (d === '"') break;
        if (d === "\\" && j + 1 < n && '"\\$`'.includes(text[j + 1] as string)) {
          word += text[j + 1];
          j += 2;
          continue;
        }
        if (d === "$") return fail("`$` expands variables and commands, even inside double quotes", j, `write it in single quotes ('...') to mean a literal \`$\`; ${SCRIPT_HINT}`);
        if (d === "`") return fail("a backtick runs a command substitution, even inside double quotes", j, SCRIPT_HINT);
        if (d === "\n" || d === "\r") return fail("a command may not span lines", j, "write one command per list item");
        word += d;
        j++;
      }
      inWord = true;
      i = j + 1;
      continue;
    }
    if (c === "\\") {
      if (i + 1 >= n) return fail("a command may not end with a backslash", i, "remove the trailing `\\`");
      const next = text[i + 1] as string;
      if (next === "\n" || next === "\r") return fail("a command may not span lines", i, "write one command per list item");
      word += next;
      inWord = true;
      i += 2;
      continue;
    }
    const op = OPERATORS[c];
    if (op !== undefined) return fail(`shell operator ${op} in a command`, i);
    if (c === "$") {
      const what = text[i + 1] === "(" ? "`$(` (command substitution)" : text[i + 1] === "{" ? "`${` (parameter expansion)" : "`$` (variable expansion)";
      return fail(`shell expansion ${what} in a command`, i, "commands run without a shell, so nothing is expanded: write the value literally, or put shell syntax in a script file (`apply: { host: ..., script: rules.sh }`)");
    }
    if (c === "`") return fail("shell command substitution (backtick) in a command", i);
    if (c === "#" && !inWord) return fail("`#` would start a shell comment here", i, "quote it ('#...') if it is an argument, or remove the comment");
    if (c === "*" || c === "?" || c === "[") {
      return fail(`\`${c}\` is a shell wildcard`, i, `quote the argument ('...') if \`${c}\` is meant literally`);
    }
    if (c === "~" && !inWord) return fail("`~` at the start of a word is a shell home-directory expansion", i, "quote it ('~...') or write the path out");
    word += c;
    inWord = true;
    i++;
  }
  if (inWord) argv.push(word);
  if (argv.length === 0) return fail("empty command", undefined, "write a command such as `iptables -A INPUT -p tcp --dport 8080 -j DROP`, or remove the item");
  return { ok: true, argv };
}
