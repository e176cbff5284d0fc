/**
 * The scenario text `fwspec record` writes (pure): the scenario as it was
 * written — comments, formatting and every other step kept byte for byte —
 * with the expect steps after its last set-up step (apply, run, reboot, hold)
 * replaced by one recorded expect step (the comment lines of the user's in
 * it kept: keptComments). The yaml library's Document API finds
 * the steps and their source ranges; only those ranges are rewritten. For a
 * new file in another folder, the paths the scenario names (apply scripts,
 * restore files, nftables rulesets, the `$schema` line) are rewritten relative to it.
 */
import path from "node:path";
import { isMap, isScalar, isSeq, parseDocument, type Node, type YAMLMap } from "yaml";
import { InputError } from "../errors.ts";
import { fwspecCommand } from "../invocation.ts";
import type { Family } from "../model/types.ts";
import { oneLine } from "../text.ts";
import type { RecordedLine } from "./lines.ts";

/** Steps that set the lab up: the recorded expect step replaces the expect steps after the last of them. */
export const SETUP: ReadonlySet<string> = new Set(["apply", "run", "reboot", "hold"]);

/** How the line of a flow whose probe failed begins (lines.ts writes it; keptComments reads it back to keep the user's notes with it). */
export const NOT_RECORDED = "not recorded: ";

/** The header comment of the recorded step. */
export const RECORDED_MARK = "recorded by fwspec record: the verdicts observed with these rules, each with the rule that decided it; review before committing";

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** The step's kind: its one key. */
function kindOf(item: unknown): string | undefined {
  if (!isMap(item)) return undefined;
  const key = item.items[0]?.key;
  return isScalar(key) ? String(key.value) : undefined;
}

/** Where the item's `- ` line begins, including comment lines right above it. */
function itemStart(text: string, item: Node): number {
  let start = lineStart(text, item.range![0]);
  for (;;) {
    const prev = lineStart(text, start - 1);
    if (start === 0 || !/^\s*#/.test(text.slice(prev, start))) return start;
    start = prev;
  }
}

/** The scenario's default families, from its `family` key. */
export function defaultFamilies(text: string): readonly Family[] {
  const family = parseDocument(text).get("family");
  return family === "ipv4" ? ["ipv4"] : family === "ipv6" ? ["ipv6"] : ["ipv4", "ipv6"];
}

function plain(value: string): string {
  return /^[A-Za-z0-9_./-]+$/.test(value) && !/^[-.]?$/.test(value) ? value : JSON.stringify(value);
}

/**
 * One item of the recorded step as written: `- EXPECTATION  # COMMENT`, or
 * `# COMMENT` alone. The comment quotes rules and tool output (a rule's
 * `--comment` may hold escape sequences): control characters and line breaks
 * are written as visible escapes, so the file stays one comment per line and
 * `cat` or `git diff` of it runs nothing in a reviewer's terminal.
 */
export function recordedItem(l: RecordedLine): string {
  const comment = oneLine(l.comment);
  return l.expectation === undefined ? `# ${comment}` : `- ${l.expectation}  # ${comment}`;
}

/** The marks fwspec writes above a step it recorded (record's, init's with its date): not the user's comments. */
const FWSPEC_MARK = new RegExp(`^#\\s*(?:${RECORDED_MARK.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}|observed \\S+ by fwspec init, .*)$`);

/** `remote -> server:8080/tcp6 dropped` → `remote\0server\08080\0tcp`: a flow, whatever its family and verdict. */
export function flowKeyOf(expectation: string): string | undefined {
  const m = /^\s*(\S+)\s*->\s*(\[[^\]\s]+\]|[^\s:]+):(\d+(?:-\d+)?)(?:\/([a-z]+?)[46]?)?(?=[\s:]|$)/.exec(expectation);
  return m ? [m[1], m[2], m[3], m[4] ?? "tcp"].join("\0") : undefined;
}

/** The user's own comment lines in a replaced expect step (its text, from the comment lines above it on). */
export interface KeptComments {
  /** Above the step (fwspec's marks left out). */
  readonly above: readonly string[];
  /** Right above an expectation, by its flow (flowKeyOf). */
  readonly byFlow: ReadonlyMap<string, readonly string[]>;
  /** After the last expectation, or above one whose flow is no longer recorded. */
  readonly rest: readonly string[];
}

/**
 * The comment lines (`# …` alone on a line) of a replaced expect step that are
 * the user's: above the step (not fwspec's mark), above an expectation, or at
 * its end (pure). The comment on an expectation's own line is fwspec's (the
 * rule that decided it), written anew; a line of its own above is the place
 * for a note that outlives `record --update` (tester 43b lost one).
 */
export function keptComments(step: string): KeptComments {
  const above: string[] = [];
  const byFlow = new Map<string, string[]>();
  let pending: string[] = [];
  let inStep = false;
  // A step fwspec wrote (its mark above): the comments on its expectations' lines are fwspec's; in one the user wrote, theirs.
  let marked = false;
  for (const raw of step.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#")) {
      if (!inStep && FWSPEC_MARK.test(line)) {
        marked = true;
        continue;
      }
      // fwspec's own line for a flow whose probe failed (lines.ts), written anew: the notes above it stay with that flow.
      const failed = inStep && marked ? line.replace(/^#\s*/, "") : "";
      if (failed.startsWith(NOT_RECORDED)) {
        const key = flowKeyOf(failed.slice(NOT_RECORDED.length));
        if (key !== undefined && pending.length > 0) byFlow.set(key, [...(byFlow.get(key) ?? []), ...pending]);
        else above.push(...pending);
        pending = [];
        continue;
      }
      pending.push(line);
    } else if (/^-\s*expect\s*:/.test(line)) {
      above.push(...pending);
      // A comment on the `- expect:` line itself is the user's too.
      const own = /\s#\s?(.*)$/.exec(line);
      if (own) above.push(`# ${own[1]!.trim()}`);
      pending = [];
      inStep = true;
    } else if (line.startsWith("-")) {
      const item = line.replace(/^-\s*/, "");
      const inline = marked ? undefined : /\s#\s?(.*)$/.exec(item.replace(/"[^"]*"|'[^']*'/g, (q) => " ".repeat(q.length)))?.index;
      const key = flowKeyOf(item.replace(/^["']/, ""));
      const notes = [...pending, ...(inline !== undefined ? [item.slice(inline).trim()] : [])];
      if (key !== undefined && notes.length > 0) byFlow.set(key, [...(byFlow.get(key) ?? []), ...notes]);
      else if (notes.length > 0) above.push(...notes);
      pending = [];
    }
  }
  return { above, byFlow, rest: pending };
}

function stepText(lines: readonly RecordedLine[], indent: string, mark: string, kept: KeptComments = { above: [], byFlow: new Map(), rest: [] }): string {
  const placed = new Set<string>();
  const items = lines.flatMap((l) => {
    // A flow whose probe failed this time is a `not recorded: FLOW: …` line: its notes stay above it.
    const key = l.expectation !== undefined ? flowKeyOf(l.expectation) : l.comment.startsWith(NOT_RECORDED) ? flowKeyOf(l.comment.slice(NOT_RECORDED.length)) : undefined;
    const notes = key !== undefined && !placed.has(key) ? (kept.byFlow.get(key) ?? []) : [];
    if (key !== undefined) placed.add(key);
    return [...notes.map((n) => `${indent}    ${n}`), `${indent}    ${recordedItem(l)}`];
  });
  // Notes of flows no longer recorded stay, at the step's end: nothing the user wrote is lost.
  const orphans = [...kept.byFlow].filter(([key]) => !placed.has(key)).flatMap(([, notes]) => notes);
  return [...kept.above.map((n) => `${indent}${n}`), `${indent}# ${mark}`, `${indent}- expect:`, ...items, ...[...orphans, ...kept.rest].map((n) => `${indent}    ${n}`)].join("\n") + "\n";
}

/** Where an apply step (a map) names a file: every one is rewritten alike (write.test.ts checks the list against the scenario schema). */
export const APPLY_FILE_PATHS: readonly (readonly string[])[] = [["script"], ["restore", "ipv4"], ["restore", "ipv6"], ["nft"]];

/** Edits that point the scenario's relative paths at the same files from `toDir`. */
function pathEdits(text: string, steps: readonly unknown[], fromDir: string, toDir: string): Edit[] {
  const edits: Edit[] = [];
  const move = (node: unknown) => {
    if (!isScalar(node) || typeof node.value !== "string" || path.isAbsolute(node.value)) return;
    const moved = path.relative(toDir, path.resolve(fromDir, node.value)).split(path.sep).join("/");
    edits.push({ start: node.range![0], end: node.range![1], text: plain(moved) });
  };
  for (const item of steps) {
    if (kindOf(item) !== "apply") continue;
    const apply = (item as YAMLMap).items[0]!.value;
    if (isScalar(apply)) move(apply);
    if (isMap(apply)) for (const keys of APPLY_FILE_PATHS) move(apply.getIn(keys, true));
  }
  const schema = /^(#\s*yaml-language-server:\s*\$schema=)(\S+)/.exec(text);
  if (schema && !/^[a-z]+:\/\//.test(schema[2]!) && !path.isAbsolute(schema[2]!)) {
    const moved = path.relative(toDir, path.resolve(fromDir, schema[2]!)).split(path.sep).join("/");
    edits.push({ start: schema[1]!.length, end: schema[0].length, text: moved });
  }
  return edits;
}

/**
 * The scenario text with the recorded expect step. `file` is where the text
 * was read; `out` where it will be written (the same file for an update);
 * `mark` the step's header comment (`fwspec init` says it observed them);
 * `invocation` how the user runs fwspec, for the command a hint names.
 */
export function recordedScenario(text: string, file: string, out: string, lines: readonly RecordedLine[], mark: string = RECORDED_MARK, invocation?: string): string {
  const doc = parseDocument(text);
  const steps = doc.get("steps", true);
  if (!isSeq(steps) || steps.items.length === 0 || doc.errors.length > 0) {
    throw new InputError(`${file}: no steps to record after`, { hint: `\`${fwspecCommand("validate", invocation)}\` it first: record needs a valid scenario` });
  }
  const items = steps.items as Node[];
  const lastSetup = items.map(kindOf).findLastIndex((k) => k !== undefined && SETUP.has(k));
  // Only the first expect step after the last set-up step: a later one (a rate limit's sequence, a second look) stays as
  // written (lines.ts laterExpectSteps; tester 42a: they were merged away).
  const replaced = items.map((item, i) => ({ item, i })).filter(({ item, i }) => i > lastSetup && kindOf(item) === "expect").slice(0, 1);
  const edits: Edit[] = [];
  let kept: KeptComments | undefined;
  for (const { item, i } of replaced) {
    const next = items[i + 1];
    const end = next ? itemStart(text, next) : steps.range![1];
    kept = keptComments(text.slice(itemStart(text, item), end));
    edits.push({ start: itemStart(text, item), end, text: "" });
  }
  // The recorded step goes where the first replaced one was, or right after the last set-up step.
  const anchor = replaced[0] ? itemStart(text, replaced[0].item) : items[lastSetup + 1] ? itemStart(text, items[lastSetup + 1]!) : steps.range![1];
  const first = items[0]!;
  const indent = text.slice(lineStart(text, first.range![0]), first.range![0]).replace(/-\s*$/, "");
  const atEnd = anchor === steps.range![1] && anchor > 0 && text[anchor - 1] !== "\n" ? "\n" : "";
  edits.push({ start: anchor, end: anchor, text: `${atEnd}${stepText(lines, indent, mark, kept)}` });
  const fromDir = path.dirname(path.resolve(file));
  const toDir = path.dirname(path.resolve(out));
  if (fromDir !== toDir) edits.push(...pathEdits(text, items, fromDir, toDir));
  // From the end backwards, so earlier offsets stay valid; at one offset the removal goes first, then the insert.
  edits.sort((a, b) => b.start - a.start || (a.end === a.start ? 1 : -1));
  let out2 = text;
  for (const e of edits) out2 = out2.slice(0, e.start) + e.text + out2.slice(e.end);
  return out2;
}
