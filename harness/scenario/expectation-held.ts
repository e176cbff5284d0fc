/**
 * The held-connection line of the compact grammar, `held NAME VERDICT`
 * (`held session dropped`): the connection an earlier `hold` step opened must
 * now get VERDICT. Pure syntax with spans; whether NAME is an earlier hold is
 * checked by the loader. Never throws.
 */
import { HOST_NAME } from "../model/names.ts";
import { EXPECTED_VERDICTS } from "../model/types.ts";
import { HELD_GRAMMAR_HELP } from "./expectation-grammar.ts";
import type { CompactHeld, PartParse } from "./expectation-types.ts";
import { attempt, Fail, type Token, tokens } from "./expectation-tokens.ts";
import { checkVerdict } from "./expectation-verdict.ts";
import { listWords } from "./suggest.ts";

function heldLine(text: string): CompactHeld {
  const words = tokens(text, 0);
  const held = words[0] as Token;
  const name = words[1];
  if (name === undefined) throw new Fail("missing the hold's name after `held`", held.start + held.text.length, HELD_GRAMMAR_HELP);
  if (!HOST_NAME.test(name.text)) {
    throw new Fail(`\`${name.text}\` is not a hold name`, name.start, `a hold name is a lowercase letter, then up to 30 lowercase letters, digits or dashes; ${HELD_GRAMMAR_HELP}`);
  }
  const verdict = words[2];
  if (verdict === undefined) throw new Fail(`missing the verdict after \`held ${name.text}\``, name.start + name.text.length, `end the line with ${listWords(EXPECTED_VERDICTS)}`);
  const expected = checkVerdict(verdict, "");
  const extra = words[3];
  if (extra !== undefined) throw new Fail(`unexpected \`${extra.text}\` after the verdict`, extra.start, `the verdict ends the line; ${HELD_GRAMMAR_HELP}`);
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

/** `held NAME VERDICT` (a line whose first word is `held` and that has no `->`). Never throws. */
export function parseHeld(text: string): PartParse<CompactHeld> {
  return attempt(() => heldLine(text));
}
