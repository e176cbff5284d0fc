/**
 * Lab addresses in rules files and commands (pure): `{{ host.ipv4 }}` (the
 * host's address on its home network), `{{ host.network.ipv6 }}` (on that
 * network), `{{ network.ipv4 }}` (the network's subnet, CIDR), `{{ host.interface }}`
 * / `{{ host.network.interface }}` (the host's interface name there). Names are
 * checked when the scenario is validated (`placeholderProblems`); the real
 * addresses are put in after the lab starts (`substitute`, runner/addresses.ts),
 * and the substituted text is what is applied. A name that is both a host and
 * a network means the host.
 */
import type { Family } from "../model/types.ts";

/** `{{ a.ipv4 }}` or `{{ a.b.ipv6 }}`, spaces optional inside the braces. */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const REFERENCE = /^([a-z][a-z0-9-]*)(?:\.([a-z][a-z0-9-]*))?\.(ipv4|ipv6|interface)$/;

export interface Placeholder {
  /** The whole `{{ … }}` text. */
  readonly text: string;
  /** Offset of `{{` in the text. */
  readonly offset: number;
  /** The reference inside, trimmed: `db.lan.ipv4`. */
  readonly reference: string;
}

/** What names exist in a lab: hosts with their networks (first: home), and networks. */
export interface Names {
  readonly hosts: ReadonlyMap<string, readonly string[]>;
  readonly networks: readonly string[];
}

/** `{{ a.ipv4 }}` → `{{a.ipv4}}`: a placeholder stays one word when a command line is split. */
export function tightPlaceholders(line: string): string {
  return line.replace(PLACEHOLDER, (_whole: string, reference: string) => `{{${reference}}}`);
}

/**
 * A tool's finding as the file is written: a column counted in a line whose
 * placeholders were replaced (by lab addresses or stand-ins) is not the
 * file's, so on such a line only the line is kept (a placeholder never spans lines).
 */
export function columnAsWritten<T extends { readonly line?: number | undefined; readonly column?: number | undefined }>(found: T, written: readonly string[]): T {
  if (found.column === undefined || found.line === undefined || placeholdersIn(written[found.line - 1] ?? "").length === 0) return found;
  const { column: _column, ...lineOnly } = found;
  return lineOnly as T;
}

/**
 * A column counted in a line whose placeholders were replaced, as a column of
 * the line as written (tester 45b: nft's column on a line with `{{ backend.ipv4 }}`
 * named a place six characters off): the text between placeholders is the
 * same in both, so each replaced value is found between them; a column
 * inside a value is the placeholder's own first column. Undefined when the
 * two lines cannot be aligned that way.
 */
export function columnInWritten(column: number, written: string, substituted: string): number | undefined {
  const places = placeholdersIn(written);
  let at = 0; // in `substituted`
  let from = 0; // in `written`
  const inSubstituted = column - 1;
  for (const [i, ph] of places.entries()) {
    const literal = written.slice(from, ph.offset);
    if (substituted.slice(at, at + literal.length) !== literal) return undefined;
    if (inSubstituted < at + literal.length) return from + (inSubstituted - at) + 1;
    at += literal.length;
    const next = places[i + 1];
    const after = written.slice(ph.offset + ph.text.length, next === undefined ? undefined : next.offset);
    // The value ends where the text after it starts (the end of the line for a last placeholder with nothing after).
    const end = next === undefined ? substituted.length - after.length : after === "" ? -1 : substituted.indexOf(after, at);
    if (end < at) return undefined;
    if (inSubstituted < end) return ph.offset + 1;
    at = end;
    from = ph.offset + ph.text.length;
  }
  const rest = written.slice(from);
  if (substituted.slice(at) !== rest) return undefined;
  return from + (inSubstituted - at) + 1;
}

export function placeholdersIn(text: string): Placeholder[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => ({ text: m[0], offset: m.index, reference: m[1]! }));
}

/** What a reference means, or why it means nothing. */
export type Meaning =
  | { readonly ok: true; readonly kind: "host"; readonly host: string; readonly network: string; readonly family: Family }
  | { readonly ok: true; readonly kind: "subnet"; readonly network: string; readonly family: Family }
  | { readonly ok: true; readonly kind: "interface"; readonly host: string; readonly network: string }
  | { readonly ok: false; readonly message: string; readonly hint: string };

const FORMS = "`{{ HOST.ipv4 }}` (home network), `{{ HOST.NETWORK.ipv6 }}`, `{{ NETWORK.ipv4 }}` (the subnet) or `{{ HOST.NETWORK.interface }}`";

export function resolve(reference: string, names: Names): Meaning {
  const m = REFERENCE.exec(reference);
  if (!m) return { ok: false, message: `\`{{ ${reference} }}\` is not a lab address`, hint: `write ${FORMS}` };
  const [, first, second, what] = m;
  const family = what as Family;
  const hostNets = names.hosts.get(first!);
  if (hostNets) {
    const network = second ?? hostNets[0];
    if (network === undefined || !hostNets.includes(network)) {
      return { ok: false, message: `\`{{ ${reference} }}\`: host \`${first}\` is not on network \`${second}\``, hint: `\`${first}\` is on ${hostNets.join(", ")}` };
    }
    if (what === "interface") return { ok: true, kind: "interface", host: first!, network };
    return { ok: true, kind: "host", host: first!, network, family };
  }
  if (second === undefined && names.networks.includes(first!)) {
    if (what === "interface") return { ok: false, message: `\`{{ ${reference} }}\`: a network has an interface on each of its hosts`, hint: `name the host: \`{{ HOST.${first}.interface }}\`` };
    return { ok: true, kind: "subnet", network: first!, family };
  }
  const known = [...names.hosts.keys(), ...names.networks].join(", ");
  return { ok: false, message: `\`{{ ${reference} }}\`: no host or network \`${first}\``, hint: `lab names are ${known}; write ${FORMS}` };
}

/** A placeholder where a host is named (`to: "{{ server.ipv4 }}"`): only rules and commands are filled, so say so and name the host. */
export function placeholderAsName(word: string): { readonly offset: number; readonly message: string; readonly hint: string } | undefined {
  const m = /\{\{\s*([^{}]*?)\s*\}\}|\{\{/.exec(word);
  if (!m) return undefined;
  const host = /^([A-Za-z][A-Za-z0-9-]*)\./.exec(m[1] ?? "")?.[1];
  return {
    offset: m.index,
    message: `placeholders like \`${m[0]}\` are for rules and commands, not host names`,
    hint: host === undefined ? "name a host declared under `hosts:`" : `name the host: \`${host}\``,
  };
}

/** Offsets of each `{{` that no `}}` closes (the text outside the placeholders). */
function unclosedOffsets(text: string): number[] {
  const outside = text.replace(PLACEHOLDER, (whole: string) => " ".repeat(whole.length));
  return [...outside.matchAll(/\{\{/g)].map((m) => m.index);
}

/** Every unknown reference or unclosed `{{` in a text, with its line (1-based) and offset, in text order. */
export function placeholderProblems(text: string, names: Names): { line: number; offset: number; message: string; hint: string }[] {
  const out: { line: number; offset: number; message: string; hint: string }[] = [];
  const lineOf = (offset: number): number => text.slice(0, offset).split("\n").length;
  for (const p of placeholdersIn(text)) {
    const meaning = resolve(p.reference, names);
    if (!meaning.ok) out.push({ line: lineOf(p.offset), offset: p.offset, message: meaning.message, hint: meaning.hint });
  }
  for (const offset of unclosedOffsets(text)) {
    out.push({ line: lineOf(offset), offset, message: "unclosed `{{`", hint: `close it with \`}}\` on the same line: write ${FORMS}` });
  }
  return out.sort((a, b) => a.offset - b.offset);
}

/** The lab's values: a host's address on a network, a network's subnet, a host's interface name. */
export interface Values {
  address(host: string, network: string, family: Family): string | undefined;
  subnet(network: string, family: Family): string | undefined;
  interface(host: string, network: string): string | undefined;
}

/** The text with every placeholder replaced; throws on one that has no value (validation makes that rare). */
export function substitute(text: string, names: Names, values: Values): string {
  return text.replace(PLACEHOLDER, (whole: string, reference: string) => {
    const m = resolve(reference.trim(), names);
    if (!m.ok) throw new RangeError(`${m.message} (${m.hint})`);
    const v = m.kind === "host" ? values.address(m.host, m.network, m.family) : m.kind === "interface" ? values.interface(m.host, m.network) : values.subnet(m.network, m.family);
    if (v === undefined) throw new RangeError(`\`${whole}\` has no value in this lab`);
    return v;
  });
}

