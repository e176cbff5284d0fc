/**
 * Small helpers on the raw value of a scenario (what YAML or a TypeScript
 * object gave, before validation): reading by path, describing a value in
 * words, shortening text for messages, unsafe characters, literal addresses.
 */
import { isIPv4, isIPv6 } from "node:net";
import type { Family } from "../model/types.ts";
import type { Path } from "./locate.ts";
import type { FAMILY_CHOICES } from "./schema.ts";

export const FAMILIES_BOTH: readonly Family[] = ["ipv4", "ipv6"];
export type FamilyChoice = (typeof FAMILY_CHOICES)[number];

export function familiesOf(choice: FamilyChoice): readonly Family[] {
  return choice === "both" ? FAMILIES_BOTH : [choice];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function valueAt(root: unknown, p: Path): unknown {
  let v = root;
  for (const s of p) {
    if (Array.isArray(v) && typeof s === "number") v = v[s];
    else if (isRecord(v)) v = Object.hasOwn(v, String(s)) ? v[String(s)] : undefined;
    else return undefined;
  }
  return v;
}

/** The last key (not list index) of a path. */
export function lastKey(p: Path): string | undefined {
  for (let i = p.length - 1; i >= 0; i--) if (typeof p[i] === "string") return p[i] as string;
  return undefined;
}

export function truncate(s: string, max = 40): string {
  const one = s.replace(/\n/g, "\\n");
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Each `quoted` part of a message longer than `max` cut as truncate cuts it: a 20,000-character word is not echoed whole. */
export function shortenQuoted(text: string, max = 40): string {
  return text.replace(/`([^`]*)`/g, (whole: string, inner: string) => (inner.length > max ? `\`${truncate(inner, max)}\`` : whole));
}

export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "nothing (null)";
  if (Array.isArray(v)) return "a list";
  if (v instanceof Uint8Array) return "binary data (a `!!binary` YAML tag)";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return v === "" ? "empty text" : `the text "${truncate(v)}"`;
  if (typeof v === "number") return Number.isFinite(v) ? `the number ${v}` : `\`${v}\`, which is not a finite number`;
  if (typeof v === "boolean") return `\`${v}\``;
  return typeof v;
}

/** Characters a name, port or path may never contain (they never reach a shell; still, refuse them clearly). */
const UNSAFE = /[;`'"\n\r\0]|\$\(/;
/** The scenario's `name` and `description` are shown, never run: anything goes, except line breaks in the one-line `name`. */
export const UNSAFE_TITLE = /[\n\r\0]/;

/** The first unsafe character of `s`, in words. */
export function unsafeWhat(s: string, unsafe: RegExp = UNSAFE): string | undefined {
  const m = unsafe.exec(s);
  if (!m) return undefined;
  if (m[0] === "\n" || m[0] === "\r") return "a line break";
  if (m[0] === "\0") return "a NUL byte";
  if (m[0] === "`") return "a backtick";
  return `\`${m[0]}\``;
}

/** A string or a list of strings (wrong types were reported by zod), as a list with each item's path. */
export function textList(value: unknown, p: Path): { text: string; path: Path }[] {
  if (typeof value === "string") return [{ text: value, path: p }];
  if (!Array.isArray(value)) return [];
  return value.flatMap((v: unknown, i) => (typeof v === "string" ? [{ text: v, path: [...p, i] }] : []));
}

/** Is this text a literal address (bare, or IPv6 in brackets)? */
export function isAddress(text: string): boolean {
  return isIPv4(text) || isIPv6(text.replace(/^\[(.*)\]$/, "$1"));
}

/** Checks each item on its own (so every problem is reported); all results, or undefined when any item is invalid. */
export function allChecked<T>(items: readonly unknown[], check: (item: unknown, index: number) => T | undefined): T[] | undefined {
  const out: T[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const x = check(item, i);
    if (x) out.push(x);
    else ok = false;
  });
  return ok ? out : undefined;
}
