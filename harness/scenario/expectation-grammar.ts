/**
 * The compact expectation grammar as words: the one-line forms
 * (`FROM -> TARGET:PORT[/PROTOCOL[4|6]] VERDICT`, sweeps, `held NAME VERDICT`),
 * the help texts the parsers and the loader put in hints, and the regular
 * expression of the grammar's shape for the JSON Schema. No parsing here.
 */
import { NAME_BODY } from "../model/names.ts";
import { EXPECTED_VERDICTS, PROTOCOLS } from "../model/types.ts";
import { ANSWER_GRAMMAR, ANSWER_GRAMMAR_HELP } from "./answer-clauses.ts";
import { listWords } from "./suggest.ts";

export const EXPECTATION_GRAMMAR = `FROM -> TARGET:PORT[/PROTOCOL[4|6]] VERDICT ${ANSWER_GRAMMAR}`;

/** A sweep: every port of a range, the `except` ports admitted. */
export const SWEEP_GRAMMAR = "FROM -> TARGET:FIRST-LAST[/PROTOCOL[4|6]] VERDICT [except PORT,PORT,FIRST-LAST,...]";

/** The grammar with its words, for hints. */
export const EXPECTATION_GRAMMAR_HELP =
  `write \`${EXPECTATION_GRAMMAR}\`, e.g. \`remote -> server:8080/tcp6 dropped\`; ` +
  "TARGET is a host, `localhost`, an IPv4 address or an [IPv6] address in brackets; " +
  "FROM is a host, or HOST@ADDRESS (`scanner@198.18.7.99`, `scanner@[2001:db8:7::99]`) to leave from one of its declared addresses; " +
  `PROTOCOL is ${listWords(PROTOCOLS)} (default tcp), a suffix 4 or 6 pins the family; ` +
  `VERDICT is ${listWords(EXPECTED_VERDICTS)}; a sweep is \`${SWEEP_GRAMMAR}\`, e.g. \`outside -> server:1-1024 blocked except 22,80,443\`; ${ANSWER_GRAMMAR_HELP}`;

export const HELD_GRAMMAR = "held NAME VERDICT";

/** The held form with its words, for hints. */
export const HELD_GRAMMAR_HELP =
  `write \`${HELD_GRAMMAR}\`, e.g. \`held session dropped\`: NAME is the \`name\` of an earlier \`hold\` step; ` +
  `VERDICT is ${listWords(EXPECTED_VERDICTS)} (\`open\`: the held connection still passes data)`;

/** A regular expression of the grammar's shape, for the JSON Schema (editors); the parser gives the real errors. */
export const EXPECTATION_PATTERN =
  `^\\s*(held\\s+${NAME_BODY}|[A-Za-z0-9][A-Za-z0-9_.-]*(@([0-9.]+|\\[[0-9A-Fa-f:.]+\\]))?\\s*->\\s*([A-Za-z0-9][A-Za-z0-9_.-]*|\\[[0-9A-Fa-f:.]+\\]):[0-9]{1,5}(-[0-9]{1,5})?(/(tcp|udp|http)[46]?)?)\\s+(open|refused|unreachable|dropped|blocked|refused:rst|refused:icmp)(\\s+except\\s+[0-9]{1,5}(-[0-9]{1,5})?(,[0-9]{1,5}(-[0-9]{1,5})?)*)?(\\s+(answered-by\\s+[A-Za-z0-9][A-Za-z0-9_.-]*(:[0-9]{1,5})?|seen-from\\s+[A-Za-z0-9][A-Za-z0-9_.-]*)){0,2}\\s*$`;
