/**
 * The held-connection line of the compact grammar, `held NAME VERDICT`
 * (`held session dropped`): the connection an earlier `hold` step opened must
 * now get VERDICT. Pure syntax with spans; whether NAME is an earlier hold is
 * checked by the loader.
 */
import { HOST_NAME } from "../model/names.ts";
import { EXPECTED_VERDICTS } from "../model/types.ts";
import { HELD_GRAMMAR_HELP } from "./expectation-grammar.ts";
import type { CompactHeld, ExpectationSyntaxError, NameMention } from "./expectation-types.ts";
import { collect, Fail, type Token, tokens } from "./expectation-tokens.ts";
import { checkVerdict } from "./expectation-verdict.ts";
import { listWords } from "./suggest.ts";

/**
 * `held NAME VERDICT`, or undefined with the problems of its name and verdict
 * in `errors` (both, when both are wrong) and a well-formed name in `names`
 * (the loader checks it is an earlier hold); a line of another shape throws
 * its one problem (`Fail`).
 */
export function parseHeld(text: string, errors: ExpectationSyntaxError[], names: NameMention[]): CompactHeld | undefined {
  const words = tokens(text, 0);
  const held = words[0] as Token;
  const name = words[1];
  if (name === undefined) throw new Fail("missing the hold's name after `held`", held.start + held.text.length, HELD_GRAMMAR_HELP);
  const named = HOST_NAME.test(name.text);
  if (!named) errors.push(new Fail(`\`${name.text}\` is not a hold name`, name.start, `a hold name is a lowercase letter, then up to 30 lowercase letters, digits or dashes; ${HELD_GRAMMAR_HELP}`).error);
  const verdict = words[2];
  if (verdict === undefined) throw new Fail(`missing the verdict after \`held ${name.text}\``, name.start + name.text.length, `end the line with ${listWords(EXPECTED_VERDICTS)}`);
  const expected = collect(errors, () => checkVerdict(verdict, ""));
  const extra = words[3];
  if (extra !== undefined) throw new Fail(`unexpected \`${extra.text}\` after the verdict`, extra.start, `the verdict ends the line; ${HELD_GRAMMAR_HELP}`);
  if (!named || expected === undefined) {
    if (named) names.push({ name: name.text, offset: name.start, role: "hold" });
    return undefined;
  }
  return {
    kind: "held",
    name: name.text,
    verdict: expected,
    spans: {
      name: { start: name.start, end: name.start + name.text.length },
      verdict: { start: verdict.start, end: verdict.start + verdict.text.length },
    },
  };
}
