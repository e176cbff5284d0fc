/**
 * Limits a scenario file must respect before its YAML is walked: line endings
 * the positions can count (no CR-only files), a nesting depth far beyond any
 * real scenario (so deep input gets one positioned message, not a stack
 * overflow), and no more networks than the lab address plan holds.
 */
import { type Document, isAlias, isCollection, isPair, type LineCounter, type Node, parseDocument } from "yaml";
import { subnetForSlot, SLOT_COUNT } from "../lab/addresses.ts";

/** A real scenario nests about 8 levels (steps → step → expect → item ...). */
export const MAX_DEPTH = 64;

export interface TextProblem {
  /** Offset in the text. */
  readonly offset: number;
  readonly message: string;
  readonly hint: string;
}

/** A carriage return not followed by a line feed (old Mac line endings): positions would all say line 1. */
export function loneCarriageReturn(text: string): TextProblem | undefined {
  const m = /\r(?!\n)/.exec(text);
  if (!m) return undefined;
  return {
    offset: m.index,
    message: "the file has a carriage return (CR) that ends no line: CR-only line endings are not supported",
    hint: "save the file with LF (Unix) or CRLF (Windows) line endings",
  };
}

export const TOO_DEEP_HINT = `a scenario nests a few levels; nothing needs more than ${MAX_DEPTH}`;

/** The YAML parser's own stack overflow on very deep input, as one positioned message. */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError || (error instanceof Error && /call stack/i.test(error.message));
}

/** The first node nested deeper than MAX_DEPTH collections, walked without recursion; its offset. */
export function tooDeep(doc: Document): TextProblem | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (isPair(node)) {
      stack.push({ node: node.value, depth }, { node: node.key, depth });
    } else if (isCollection(node) && !isAlias(node)) {
      if (depth >= MAX_DEPTH) {
        return { offset: (node as Node).range?.[0] ?? 0, message: `the YAML nests deeper than ${MAX_DEPTH} levels`, hint: TOO_DEEP_HINT };
      }
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    }
  }
  return undefined;
}

/** How many networks one lab can have: the distinct IPv4 subnets of the address plan (addresses.ts). */
export const MAX_NETWORKS = new Set(Array.from({ length: SLOT_COUNT }, (_, slot) => subnetForSlot(slot).ipv4Subnet)).size;

/**
 * The YAML document of a scenario text, or the one problem that stops it being read: CR-only line
 * endings, or nesting deeper than MAX_DEPTH (also when the parser itself runs out of stack).
 */
export function readYaml(text: string, lineCounter: LineCounter): { doc: Document } | { problem: TextProblem } {
  const cr = loneCarriageReturn(text);
  if (cr) return { problem: cr };
  const deepAt = (offset: number): { problem: TextProblem } => ({ problem: { offset, message: `the YAML nests deeper than ${MAX_DEPTH} levels`, hint: TOO_DEEP_HINT } });
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (error) {
    if (isStackOverflow(error)) return deepAt(0);
    throw error;
  }
  const overflow = doc.errors.find(isStackOverflow);
  if (overflow) return deepAt(overflow.pos[0]);
  // A tag the parser does not know (`!custom`, `!!js/function`) is dropped silently by it, its value read as a string: said instead.
  const tag = doc.warnings.find((w) => w.code === "TAG_RESOLVE_FAILED");
  if (tag) {
    const written = text.slice(tag.pos[0], tag.pos[1]).split(/\s/)[0] ?? "";
    return { problem: { offset: tag.pos[0], message: `unknown YAML tag \`${written.length > 40 ? `${written.slice(0, 40)}…` : written}\``, hint: "a scenario uses plain YAML values: remove the tag (write numbers without `!!float` or quotes, text as text)" } };
  }
  const deep = tooDeep(doc);
  return deep ? { problem: deep } : { doc };
}
