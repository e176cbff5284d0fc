/**
 * Accepted changes for the `fwspec diff` gate (pure): `--allow "<flow>
 * <old>-><new>"` and allow files (one entry a line, `#` comments), e.g.
 *
 *     outside -> db:5432/tcp6 dropped->open     one family
 *     outside -> db:5432 dropped->open          both families (no 4/6 suffix)
 *     client -> server:8080 open->blocked       blocked: refused, unreachable or dropped
 *     client -> server:8080/tcp4 *->dropped     any old verdict
 *     internet -> gw:8080/tcp4 open->open       open on both sides, but another listener answered or it saw another source
 *     client -> server:8080 refused->refused     refused on both sides, by a reset on one and ICMP on the other
 *
 * The flow part is read with the expectation grammar (scenario/expectation.ts).
 */
import { InputError } from "../errors.ts";
import { type Family, isBlocked, type Protocol, type Verdict, VERDICTS } from "../model/types.ts";
import { parseExpectation } from "../scenario/expectation.ts";
import type { Scenario } from "../scenario/model.ts";
import { didYouMean, listWords } from "../scenario/suggest.ts";
import type { FlowChange } from "./model.ts";

export type VerdictPattern = Verdict | "blocked" | "*";

export interface AllowEntry {
  /** As written (stale entries are named by it). */
  readonly text: string;
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** Undefined: both families. */
  readonly family: Family | undefined;
  readonly old: VerdictPattern;
  readonly now: VerdictPattern;
  /** `file:line` or `--allow`. */
  readonly where: string;
}

const PATTERNS: readonly string[] = [...VERDICTS.filter((v) => v !== "error"), "blocked", "*"];
const HINT = "write `FROM -> TARGET:PORT[/PROTOCOL[4|6]] OLD->NEW`, e.g. `outside -> db:5432/tcp6 dropped->open`; OLD and NEW are open, refused, unreachable, dropped, blocked or *";

function pattern(word: string, entry: string, where: string): VerdictPattern {
  if (!PATTERNS.includes(word)) throw new InputError(`${where}: \`${word}\` is not a verdict in the allow entry \`${entry}\``, { hint: HINT });
  return word as VerdictPattern;
}

/** One allow entry; an InputError (exit 2) naming where it was written when it is not one. */
export function parseAllow(text: string, where: string = "--allow"): AllowEntry {
  const entry = text.trim();
  const m = /^(.*\S)\s+(\S+?)\s*(?:->|→)\s*(\S+)$/.exec(entry);
  if (!m || !m[1]!.includes("->")) throw new InputError(`${where}: \`${entry}\` is not an allow entry`, { hint: HINT });
  const parsed = parseExpectation(`${m[1]} open`);
  if (!parsed.ok || parsed.value.kind !== "probe" || parsed.value.to.kind === "address") {
    throw new InputError(`${where}: \`${m[1]}\` is not a flow${parsed.ok ? "" : `: ${parsed.error.message}`}`, { hint: HINT });
  }
  const f = parsed.value;
  return {
    text: entry, where,
    from: f.from, to: f.to.kind === "host" ? f.to.host : "localhost", port: f.port, protocol: f.protocol ?? "tcp", family: f.family,
    old: pattern(m[2]!, entry, where), now: pattern(m[3]!, entry, where),
  };
}

/** An allow file's entries: one a line, blank lines and `#` comments skipped. */
export function parseAllowFile(text: string, file: string): AllowEntry[] {
  return text.split("\n").flatMap((line, i) => {
    const content = line.replace(/(^|\s)#.*$/, "").trim();
    return content === "" ? [] : [parseAllow(content, `${file}:${i + 1}`)];
  });
}

function matches(p: VerdictPattern, v: Verdict): boolean {
  return p === "*" || (p === "blocked" ? isBlocked(v) : p === v);
}

/** Does the entry accept this change? */
export function allows(entry: AllowEntry, c: Pick<FlowChange, "flow" | "a" | "b">): boolean {
  const f = c.flow;
  return entry.from === f.from && entry.to === f.to && entry.port === f.port && entry.protocol === f.protocol
    && (entry.family === undefined || entry.family === f.family) && matches(entry.old, c.a.verdict) && matches(entry.now, c.b.verdict);
}

/**
 * Entries that name a host the scenario does not have can never match a
 * flow: an InputError (exit 2, before any lab) for the first, with the nearest
 * host name. A port or verdict nothing matches is only known after the run
 * (reported there as matching no change).
 */
export function checkAllowHosts(entries: readonly AllowEntry[], scenario: Scenario): void {
  const hosts = scenario.hosts.map((h) => h.name);
  for (const e of entries) {
    for (const [role, name] of [["source", e.from], ["target", e.to]] as const) {
      if (hosts.includes(name) || (role === "target" && name === "localhost")) continue;
      throw new InputError(`${e.where}: the allow entry \`${e.text}\` names ${role} host \`${name}\`, which ${scenario.name} does not have`, {
        hint: `${didYouMean(name, hosts) ?? ""} the scenario's hosts are ${listWords(hosts, "and")}`.trim(),
      });
    }
  }
}
