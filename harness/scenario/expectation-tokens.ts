/**
 * The words of a compact expectation line with their offsets, and the
 * positioned failure the expectation parsers throw inside themselves: each
 * module's exported parser catches it (`attempt`) and returns a result, so no
 * parser throws to its caller.
 */
import { EXPECTATION_GRAMMAR_HELP } from "./expectation-grammar.ts";
import type { ExpectationSyntaxError, PartParse } from "./expectation-types.ts";
import { shortenQuoted } from "./values.ts";

/** A whitespace-separated word and the offset in the line where it starts. */
export interface Token {
  readonly text: string;
  readonly start: number;
}

/** The words of `text` from offset `from` on. */
export function tokens(text: string, from: number): Token[] {
  const out: Token[] = [];
  for (const m of text.slice(from).matchAll(/\S+/g)) out.push({ text: m[0], start: from + m.index });
  return out;
}

/** A positioned syntax error, thrown within a parser and caught by `attempt`. */
export class Fail {
  readonly error: ExpectationSyntaxError;
  constructor(message: string, offset: number, hint: string = EXPECTATION_GRAMMAR_HELP) {
    // The words echoed are the user's: a very long one is cut with `…` (a hint's examples are longer than a message's words).
    this.error = { message: shortenQuoted(message), offset, hint: shortenQuoted(hint, 100) };
  }
}

/** Runs a parser that throws `Fail`, as a result. Never throws a `Fail`. */
export function attempt<T>(parse: () => T): PartParse<T> {
  try {
    return { ok: true, value: parse() };
  } catch (error) {
    if (error instanceof Fail) return { ok: false, error: error.error };
    throw error;
  }
}

/** The value of a part's result, or its error thrown on as a `Fail` (inside a parser run by `attempt`). */
export function valueOf<T>(result: PartParse<T>): T {
  if (!result.ok) throw new Fail(result.error.message, result.error.offset, result.error.hint);
  return result.value;
}

/** Runs a part's parser that throws `Fail`: its value, or undefined with its error added to `errors` (the caller goes on with the next part). */
export function collect<T>(errors: ExpectationSyntaxError[], parse: () => T): T | undefined {
  const r = attempt(parse);
  if (r.ok) return r.value;
  errors.push(r.error);
  return undefined;
}
