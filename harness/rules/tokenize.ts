/**
 * Tokenizing of one iptables rule line, and its split into option groups.
 * Shared by the iptables-save parser (saved.ts) and rule matching (match.ts).
 *
 * The tokenizer is shell-like but runs no shell: no expansion, no globbing, no
 * operators (`;`, `|`, `$(...)` are ordinary characters).
 *  - whitespace separates words; adjacent quoted and unquoted pieces join into one word;
 *  - '...' is literal;
 *  - "..." is literal except that a backslash escapes `"`, `\`, `'`, `$`, `` ` ``
 *    and a newline (a backslash before anything else stays). Escaping `'` inside
 *    double quotes is not POSIX shell, but iptables-save writes comments that way
 *    (`--comment "it\'s"`), so both sides read the same;
 *  - outside quotes a backslash escapes the next character; backslash-newline joins lines;
 *  - `#` at the start of a word starts a comment that runs to the end of the text
 *    (iptables-save always quotes a value starting with `#`, so saved lines never hit this).
 */
import { InputError } from "../errors.ts";

/** A rule line that cannot be read: unterminated quote, missing option value, stray word. */
export class RuleSyntaxError extends InputError {}

const DQ_ESCAPABLE = new Set(['"', "\\", "'", "$", "`", "\n"]);

export function tokenizeRule(text: string): string[] {
  const tokens: string[] = [];
  let buf = "";
  let inWord = false;
  let i = 0;
  const n = text.length;
  const end = (): void => {
    if (inWord) tokens.push(buf);
    buf = "";
    inWord = false;
  };
  while (i < n) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      end();
      i++;
    } else if (c === "#" && !inWord) {
      break;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new RuleSyntaxError("unterminated single quote");
      buf += text.slice(i + 1, close);
      inWord = true;
      i = close + 1;
    } else if (c === '"') {
      inWord = true;
      i++;
      let closed = false;
      while (i < n) {
        const d = text[i] as string;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === "\\" && i + 1 < n && DQ_ESCAPABLE.has(text[i + 1] as string)) {
          const e = text[i + 1] as string;
          if (e !== "\n") buf += e;
          i += 2;
          continue;
        }
        buf += d;
        i++;
      }
      if (!closed) throw new RuleSyntaxError("unterminated double quote");
    } else if (c === "\\") {
      if (i + 1 >= n) {
        buf += c;
        inWord = true;
        i++;
      } else if (text[i + 1] === "\n") {
        i += 2;
      } else {
        buf += text[i + 1] as string;
        inWord = true;
        i += 2;
      }
    } else {
      buf += c;
      inWord = true;
      i++;
    }
  }
  end();
  return tokens;
}

/** One option with its arguments; `!` before it (or right after it, the deprecated way) negates it. */
export interface OptionGroup {
  readonly negated: boolean;
  /** As written: `-p`, `--dport`; a long `--name=value` is split into name and value. */
  readonly name: string;
  readonly args: readonly string[];
}

/** Options whose single value is taken as is, even when it starts with `-` or is `!`. */
const LITERAL_VALUE = new Set(["--comment", "--log-prefix", "--nflog-prefix", "--string", "--hex-string"]);

/** Options that take exactly one value (anything after it is the next group or a stray word). */
const ONE_VALUE = new Set([
  "-p", "--protocol", "-s", "--source", "--src", "-d", "--destination", "--dst",
  "-i", "--in-interface", "-o", "--out-interface", "-j", "--jump", "-g", "--goto",
  "-m", "--match", "-t", "--table",
]);

export function isOptionToken(token: string): boolean {
  return token.length >= 2 && token.startsWith("-");
}

/**
 * Split tokens into option groups. An option's arguments are the words up to the
 * next option or `!` (exactly one for the options in ONE_VALUE and LITERAL_VALUE).
 * Throws RuleSyntaxError for a word that belongs to no option, a dangling `!`,
 * or an option missing its value.
 */
export function splitGroups(tokens: readonly string[]): OptionGroup[] {
  const groups: OptionGroup[] = [];
  let i = 0;
  while (i < tokens.length) {
    let negated = false;
    let tok = tokens[i] as string;
    if (tok === "!") {
      negated = true;
      i++;
      if (i >= tokens.length) throw new RuleSyntaxError("`!` at the end of the rule negates nothing");
      tok = tokens[i] as string;
      if (!isOptionToken(tok)) throw new RuleSyntaxError(`\`!\` must be followed by an option, got "${tok}"`);
    } else if (!isOptionToken(tok)) {
      throw new RuleSyntaxError(`unexpected word "${tok}" (not an option or its value)`);
    }
    i++;
    let name = tok;
    const args: string[] = [];
    const eq = tok.startsWith("--") ? tok.indexOf("=") : -1;
    if (eq > 2) {
      name = tok.slice(0, eq);
      args.push(tok.slice(eq + 1));
    }
    if (LITERAL_VALUE.has(name)) {
      if (args.length === 0) {
        if (i >= tokens.length) throw new RuleSyntaxError(`option ${name} needs a value`);
        args.push(tokens[i] as string);
        i++;
      }
    } else {
      // Deprecated intrapositioned negation: `-s ! 10.0.0.1`.
      if (args.length === 0 && tokens[i] === "!") {
        if (negated) throw new RuleSyntaxError(`option ${name} is negated twice`);
        negated = true;
        i++;
      }
      if (ONE_VALUE.has(name)) {
        if (args.length === 0) {
          const v = tokens[i];
          if (v === undefined || v === "!" || isOptionToken(v)) throw new RuleSyntaxError(`option ${name} needs a value`);
          args.push(v);
          i++;
        }
      } else {
        while (i < tokens.length && tokens[i] !== "!" && !isOptionToken(tokens[i] as string)) {
          args.push(tokens[i] as string);
          i++;
        }
      }
    }
    groups.push({ negated, name, args });
  }
  return groups;
}

/**
 * One line of iptables-restore input split into words as iptables-restore
 * splits it (not a shell): blanks separate words; `"` opens a quoted part,
 * in which a backslash takes the next character as it is (`"a\033b"` is
 * `a033b`, `"x\"y"` is `x"y`), and its closing `"` ends the word (`"a b"x`
 * is two words, as measured); outside quotes a backslash and `'` are ordinary
 * characters (`a\b` stays `a\b`). What iptables-save prints
 * for a rule restored from such a line is then read back to the same words.
 */
export function restoreWords(line: string): string[] {
  const words: string[] = [];
  let buf = "";
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === "\\" && i + 1 < line.length) buf += line[++i];
      else if (c === '"') {
        quoted = false;
        words.push(buf);
        buf = "";
        inWord = false;
      } else buf += c;
    } else if (c === '"') {
      quoted = true;
      inWord = true;
    } else if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(buf);
      buf = "";
      inWord = false;
    } else {
      buf += c;
      inWord = true;
    }
  }
  if (quoted) throw new RuleSyntaxError("unterminated double quote");
  if (inWord) words.push(buf);
  return words;
}

/** The rules (`-A …` lines) of iptables-save text, each tokenized; a line that does not tokenize is left out. */
export function savedRuleTokens(save: string): string[][] {
  return save.split("\n").flatMap((line) => {
    if (!line.startsWith("-A ")) return [];
    try {
      return [tokenizeRule(line)];
    } catch {
      return [];
    }
  });
}
