/**
 * zod's issues as scenario problems: each issue in words of the format (what
 * was expected, what was written, a hint), with "did you mean" and the allowed
 * keys read from the schema itself.
 */
import type { z } from "zod";
import type { Problem } from "./diagnostics.ts";
import { expectedWord, hintFor, missingHint, SHAPE_HINTS } from "./hints.ts";
import { formatPath } from "./locate.ts";
import type { Path, PathSegment } from "./locate.ts";
import { schemas, STEP_KINDS } from "./schema.ts";
import { closest, didYouMean, listWords } from "./suggest.ts";
import { describeValue, isRecord, lastKey, truncate, valueAt } from "./values.ts";

// ---------------------------------------------------------------------------
// Walking the zod schema (for "allowed keys" hints)

interface LooseSchema {
  readonly _zod: { readonly def: { readonly type: string } & Record<string, unknown> };
}

function unwrapSchema(s: LooseSchema): LooseSchema {
  let cur = s;
  for (let i = 0; i < 20; i++) {
    const def = cur._zod.def;
    if (["optional", "nullable", "default", "prefault", "nonoptional", "readonly", "catch"].includes(def.type)) {
      cur = def["innerType"] as LooseSchema;
    } else if (def.type === "pipe") {
      cur = def["in"] as LooseSchema;
    } else break;
  }
  return cur;
}

/**
 * The option of a union that a value of this kind is checked against; among
 * several object options, the one sharing most keys with `value` (if given).
 */
function pickOption(s: LooseSchema, kind: "object" | "array", value?: unknown): LooseSchema {
  const u = unwrapSchema(s);
  if (u._zod.def.type !== "union") return u;
  const options = (u._zod.def["options"] as LooseSchema[]).map(unwrapSchema).filter((o) => {
    const t = o._zod.def.type;
    return t === kind || (kind === "object" && t === "record");
  });
  let best = options[0];
  if (kind === "object" && isRecord(value)) {
    const keys = Object.keys(value);
    let bestScore = -Infinity;
    for (const o of options) {
      const shape = o._zod.def.type === "object" ? (o._zod.def["shape"] as Record<string, LooseSchema>) : {};
      // Keys it knows, less required keys the value lacks.
      const required = Object.entries(shape).filter(([, v]) => !["optional", "default"].includes(v._zod.def.type)).map(([k]) => k);
      const score = keys.filter((k) => Object.hasOwn(shape, k)).length - required.filter((k) => !keys.includes(k)).length;
      if (score > bestScore) {
        best = o;
        bestScore = score;
      }
    }
  }
  return best ?? u;
}

function schemaAt(root: LooseSchema, p: Path, value?: unknown): LooseSchema | undefined {
  let s: LooseSchema | undefined = root;
  for (const seg of p) {
    if (!s) return undefined;
    const u = pickOption(s, typeof seg === "number" ? "array" : "object");
    const def = u._zod.def;
    if (def.type === "object") s = (def["shape"] as Record<string, LooseSchema>)[String(seg)];
    else if (def.type === "array") s = def["element"] as LooseSchema;
    else if (def.type === "record") s = def["valueType"] as LooseSchema;
    else return undefined;
  }
  return s ? pickOption(s, "object", value) : undefined;
}

/** The keys allowed in the mapping at `p` (`value`: the mapping, to choose among a union's object options). */
function allowedKeys(p: Path, value?: unknown): string[] {
  const s = schemaAt(schemas.scenario as unknown as LooseSchema, p, value);
  if (!s || s._zod.def.type !== "object") return [];
  return Object.keys(s._zod.def["shape"] as Record<string, unknown>);
}

type Issue = z.core.$ZodIssue;

function where(p: Path): string {
  return p.length === 0 ? "at the top level" : `in \`${formatPath(p)}\``;
}

function named(p: Path): string {
  return p.length === 0 ? "the scenario" : `\`${formatPath(p)}\``;
}

function typeHint(p: Path, expected: readonly string[], value: unknown, raw?: unknown): string | undefined {
  if (lastKey(p) === "reboot" && p[p.length - 1] === "reboot") return SHAPE_HINTS["reboot"];
  // `[a -> b:1-1024 blocked except 22,80]`: the flow list's comma split the line, and `80` is an item of its own.
  const at = p[p.length - 1];
  const before = typeof value === "number" && typeof at === "number" && at > 0 && p[p.length - 2] === "expect" ? valueAt(raw, [...p.slice(0, -1), at - 1]) : undefined;
  if (typeof before === "string") {
    return `in a \`[ … ]\` list a comma starts a new item, so \`${truncate(before, 120)},${String(value)}\` was split in two: quote the whole line (\`"${truncate(before, 120)},${String(value)}"\`), or write one item per line (\`- …\`)`;
  }
  if (expected.includes("string") && Array.isArray(value)) {
    return "in YAML `[...]` starts a list; quote the value if it is text (e.g. an IPv6 address: `\"2001:db8::9\"`)";
  }
  if (value instanceof Uint8Array) return "remove the `!!binary` tag: scenarios are plain YAML text";
  if (expected.includes("string") && isRecord(value)) {
    return "in YAML `key: value` inside a value starts a mapping; quote the whole value";
  }
  if ((expected.includes("number") || expected.includes("int")) && typeof value === "string" && /^\s*[0-9]+\s*$/.test(value)) {
    return `write the number without quotes: ${value.trim()}`;
  }
  if (expected.includes("int") && typeof value === "number") return `write a whole number, e.g. ${Math.max(1, Math.round(value))}`;
  if (expected.includes("boolean") && typeof value === "string" && /^(true|false|yes|no|on|off)$/i.test(value)) {
    return "write `true` or `false` without quotes";
  }
  if (expected.includes("array") && typeof value === "string") {
    const h = hintFor(p);
    return h ? `${h} (a list, even of one item)` : "write a list: items on their own lines starting with `- `, or `[a, b]`";
  }
  if (p[0] === "hosts" && p.length === 2) return `write a mapping, e.g. \`${String(p[1])}: { firewall: true }\`, or \`{}\` for defaults`;
  return hintFor(p);
}

/** A required key is missing at `p`: one problem at its parent (none if a misspelt key stands for it). */
function missingKey(p: Path, raw: unknown, out: Problem[]): void {
  const parent = p.slice(0, -1);
  const missing = String(p[p.length - 1]);
  // A misspelt key is reported once, as an unknown key with "did you mean".
  const siblings = valueAt(raw, parent);
  if (isRecord(siblings)) {
    const allowed = allowedKeys(parent, siblings);
    if (Object.keys(siblings).some((k) => !allowed.includes(k) && closest(k, allowed) === missing)) return;
  }
  out.push({
    path: parent,
    message: `missing required key \`${missing}\` ${where(parent)}`,
    hint: missingHint(parent, missing) ?? `add \`${missing}:\``,
  });
}

export function issueProblems(issue: Issue, base: Path, raw: unknown, out: Problem[]): void {
  const p: Path = [...base, ...issue.path.map((s): PathSegment => (typeof s === "number" ? s : String(s)))];
  const value = valueAt(raw, p);
  const key = lastKey(p);
  if (key === "exit" && p[p.length - 1] === "exit" && value !== undefined) {
    // `run.exit` is a number or a word: one message for either (zod reports whichever branch came closer).
    out.push({
      path: p,
      message: `${named(p)} must be a whole number from 0 to 255 or \`nonzero\`, got ${describeValue(value)}`,
      hint: typeof value === "string" && /^\s*[0-9]+\s*$/.test(value) ? `write the number without quotes: ${value.trim()}` : SHAPE_HINTS["exit"],
    });
    return;
  }
  switch (issue.code) {
    case "invalid_union": {
      if (value === undefined && isRecord(valueAt(raw, p.slice(0, -1))) && typeof p[p.length - 1] === "string") {
        missingKey(p, raw, out);
        return;
      }
      const branches = issue.errors;
      const typeOnly = (b: readonly Issue[]): boolean => b.length === 1 && b[0]?.code === "invalid_type" && b[0].path.length === 0;
      const relevant = branches.filter((b) => !typeOnly(b));
      if (relevant.length >= 1) {
        // The branch the value is nearest to: the fewest problems (each unknown key counts).
        const weight = (b: readonly Issue[]): number => b.reduce((n, i) => n + (i.code === "unrecognized_keys" ? i.keys.length : 1), 0);
        const nearest = relevant.reduce((a, b) => (weight(b) < weight(a) ? b : a));
        for (const i of nearest) issueProblems(i, p, raw, out);
        return;
      }
      const expected = branches.flatMap((b) => (b[0]?.code === "invalid_type" ? [b[0].expected as string] : []));
      const words = [...new Set(expected.map(expectedWord))];
      out.push({
        path: p,
        message: `${named(p)} must be ${words.join(" or ")}, got ${describeValue(value)}`,
        hint: typeHint(p, expected, value, raw),
      });
      return;
    }
    case "invalid_type": {
      if (value === undefined && issue.expected !== "undefined") {
        missingKey(p, raw, out);
        return;
      }
      out.push({
        path: p,
        message: `${named(p)} must be ${expectedWord(issue.expected)}, got ${describeValue(value)}`,
        hint: typeHint(p, [issue.expected], value, raw),
      });
      return;
    }
    case "unrecognized_keys": {
      const allowed = allowedKeys(p, value);
      for (const k of issue.keys) {
        const suggestion = didYouMean(k, allowed);
        let hint = `${suggestion ? `${suggestion} ` : ""}allowed keys ${where(p)}: ${allowed.join(", ")}`;
        if (p.length === 0 && (STEP_KINDS as readonly string[]).includes(k)) hint = `\`${k}\` is a step: put it under \`steps:\` as a list item (\`- ${k}: ...\`)`;
        if (p.length === 0 && allowedKeys(["hosts", "x"]).includes(k)) hint = `\`${k}\` belongs to a host: put it under \`hosts: { <name>: { ${k}: ... } }\``;
        out.push({ path: [...p, k], atKey: true, message: `unknown key \`${k}\` ${where(p)}`, hint });
      }
      return;
    }
    case "invalid_value": {
      const values = issue.values.map(String);
      const suggestion = typeof value === "string" ? didYouMean(value, values) : undefined;
      out.push({
        path: p,
        message: `${named(p)} must be ${listWords(values)}, got ${describeValue(value)}`,
        hint: suggestion ?? `write one of ${listWords(values)}`,
      });
      return;
    }
    case "too_small": {
      const min = Number(issue.minimum);
      if (typeof value === "number" && Math.abs(value) > Number.MAX_SAFE_INTEGER) {
        out.push({ path: p, message: `${named(p)} is far out of range (${value})`, hint: hintFor(p) ?? "write a small whole number" });
      } else if (issue.origin === "string") {
        out.push({ path: p, message: `${named(p)} must not be empty`, hint: hintFor(p) ?? "write some text" });
      } else if (issue.origin === "array") {
        out.push({
          path: p,
          message: `${named(p)} needs at least ${min} item${min === 1 ? "" : "s"}`,
          hint: hintFor(p) ?? "add an item, or remove the key",
        });
      } else {
        out.push({
          path: p,
          message: `${named(p)} must be at least ${min}, got ${describeValue(value)}`,
          hint: hintFor(p) ?? `write a number from ${min}`,
        });
      }
      return;
    }
    case "too_big": {
      if (typeof value === "number" && Math.abs(value) > Number.MAX_SAFE_INTEGER) {
        // zod's own integer bound (2^53 - 1) is no range anyone wrote: one message, whatever bound tripped.
        out.push({ path: p, message: `${named(p)} is far out of range (${value})`, hint: hintFor(p) ?? "write a small whole number" });
        return;
      }
      if (typeof value === "string") {
        out.push({ path: p, message: `${named(p)} is ${value.length} characters long, more than the ${Number(issue.maximum)} it may have`, hint: `shorten it to at most ${Number(issue.maximum)} characters${hintFor(p) ? `: ${hintFor(p)}` : ""}` });
        return;
      }
      out.push({
        path: p,
        message: `${named(p)} must be at most ${Number(issue.maximum)}, got ${describeValue(value)}`,
        hint: hintFor(p) ?? `write a number up to ${Number(issue.maximum)}`,
      });
      return;
    }
    default:
      out.push({ path: p, message: `${named(p)}: ${issue.message}`, hint: hintFor(p) });
  }
}
