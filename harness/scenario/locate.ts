/**
 * From a path into the parsed value (`["steps", 2, "expect", 0]`) back to where
 * it was written in the YAML source: line and column, 1-based.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, Scalar, visit } from "yaml";
import type { Document, LineCounter, Node } from "yaml";

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface LocateOptions {
  /** Point at the key of the last path segment, not at its value. */
  readonly atKey?: boolean;
  /** An offset inside the string value at the path (the exact part of a compact line). */
  readonly offset?: number;
}

export interface Locator {
  locate(path: Path, options?: LocateOptions): Position;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

/** Positions in one parsed YAML document. */
export class YamlLocator implements Locator {
  readonly #doc: Document;
  readonly #text: string;
  readonly #lines: LineCounter;

  constructor(doc: Document, text: string, lines: LineCounter) {
    this.#doc = doc;
    this.#text = text;
    this.#lines = lines;
  }

  /** Line and column of a UTF-16 offset, the column in characters (code points: an emoji before is one column), as positionInText counts. */
  position(offset: number): Position {
    const at = Math.max(0, Math.min(offset, this.#text.length));
    const { line, col } = this.#lines.linePos(at);
    return { line, column: [...this.#text.slice(at - (col - 1), at)].length + 1 };
  }

  #resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.#doc) : node;
  }

  /** The deepest node the path reaches, and the key node of the last map step on the way. */
  #walk(path: Path): { node: Node | undefined; key: Node | undefined; inSeq: boolean; complete: boolean } {
    let node: unknown = this.#doc.contents;
    let key: Node | undefined;
    let inSeq = false;
    for (const segment of path) {
      const here = this.#resolve(node);
      if (isMap(here)) {
        const pair = here.items.find((p) => keyText(p.key) === String(segment));
        if (!pair) return { node: here, key, inSeq, complete: false };
        key = isScalar(pair.key) ? pair.key : undefined;
        inSeq = false;
        const value = this.#resolve(pair.value);
        // `remote:` with nothing after it: point at the key.
        if (value === null || value === undefined || (isScalar(value) && value.value === null && value.range?.[0] === value.range?.[1])) {
          return { node: key, key, inSeq, complete: true };
        }
        node = value;
      } else if (isSeq(here)) {
        const item = typeof segment === "number" ? here.items[segment] : undefined;
        if (item === undefined) return { node: here, key, inSeq, complete: false };
        key = undefined;
        inSeq = true;
        node = item;
      } else {
        return { node: (here as Node | null) ?? undefined, key, inSeq, complete: false };
      }
    }
    return { node: (this.#resolve(node) as Node | null) ?? undefined, key, inSeq, complete: true };
  }

  #offsetOf(node: Node | undefined, inSeq: boolean): number {
    const range = node?.range;
    if (!range) return 0;
    if (inSeq && isScalar(node) && node.value === null && range[0] === range[1]) {
      // `- ` with nothing after it: point at the dash.
      const dash = this.#text.lastIndexOf("-", range[0]);
      return dash >= 0 ? dash : range[0];
    }
    return range[0];
  }

  locate(path: Path, options: LocateOptions = {}): Position {
    const walked = this.#walk(path);
    const atKey = options.atKey && walked.complete && walked.key;
    const node = atKey ? walked.key : walked.node;
    if (options.offset !== undefined && walked.complete && isScalar(node) && typeof node.value === "string" && node.range) {
      const value = node.value;
      const start = node.range[0];
      const source = this.#text.slice(start, node.range[1]);
      if (node.type === Scalar.PLAIN && source === value) return this.position(start + options.offset);
      if ((node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE) && source.slice(1, -1) === value) {
        return this.position(start + 1 + options.offset);
      }
    }
    return this.position(this.#offsetOf(node, atKey ? false : walked.inSeq));
  }

  /** The text of the key written at `offset` (for yaml's duplicate-key errors, which give only an offset). */
  keyAt(offset: number): string | undefined {
    let found: string | undefined;
    visit(this.#doc, {
      Pair: (_key, pair) => {
        if (isPair(pair) && isScalar(pair.key) && pair.key.range?.[0] === offset) {
          found = String(pair.key.value);
          return visit.BREAK;
        }
        return undefined;
      },
    });
    return found;
  }
}

/** For scenarios written in TypeScript: no source positions, everything at 1:1. */
export class InlineLocator implements Locator {
  locate(): Position {
    return { line: 1, column: 1 };
  }
}

/** Line and column (1-based) of an offset in a text, without a YAML parse. */
export function positionInText(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: [...text.slice(lineStart, Math.min(offset, text.length))].length + 1 };
}

/** `steps[2].expect[0]`. */
export function formatPath(path: Path): string {
  let out = "";
  for (const s of path) out += typeof s === "number" ? `[${s}]` : out === "" ? s : `.${s}`;
  return out;
}
