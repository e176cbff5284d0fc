/**
 * A host's `interfaces` (its interface name on each of its networks, e.g.
 * `{ outside: wan, inside: lan }`): each key a network the host is on, each
 * name one Linux accepts and iptables can match literally (1 to 15 ASCII
 * letters, digits, `_`, `-`, `.`; no `+`, iptables' wildcard), not `lo`,
 * `all` or `default`, not fwspec's temporary `fwspec-…`, each once per host.
 * Pure; every problem is reported at its position.
 */
import { INTERFACE_NAME, INTERFACE_TEMP_PREFIX, RESERVED_INTERFACE_NAMES } from "../model/names.ts";
import type { CheckBase } from "./context.ts";
import { at } from "./diagnostics.ts";
import type { Path } from "./locate.ts";
import { nonAsciiNote } from "./lookalike.ts";
import { didYouMean, listWords } from "./suggest.ts";
import { isRecord, truncate } from "./values.ts";

const MAX = 15;
const RULE = "1 to 15 ASCII letters, digits, `_`, `-` or `.`, starting with a letter or digit";

export interface NameProblem {
  readonly message: string;
  readonly hint: string;
  /** Offset of the offending character in the name. */
  readonly offset?: number;
}

/** Why `name` cannot be a lab host's interface name, or undefined when it can. */
export function interfaceNameProblem(name: string): NameProblem | undefined {
  const shown = `\`${truncate(name, 40)}\``;
  if (name === "") return { message: "an interface name cannot be empty", hint: `write ${RULE}, e.g. \`wan\`` };
  const foreign = nonAsciiNote(name);
  if (foreign) return { message: `interface name ${shown}: ${foreign.note}`, hint: `interface names are ASCII: ${RULE}`, offset: foreign.index };
  const plus = name.indexOf("+");
  if (plus >= 0) {
    return { message: `interface name ${shown} contains \`+\`, iptables' wildcard`, hint: "`-i eth+` matches every interface starting with `eth`; name the interface itself without `+` (the rules may still use the wildcard)", offset: plus };
  }
  if ((RESERVED_INTERFACE_NAMES as readonly string[]).includes(name)) {
    return {
      message: name === "lo" ? "`lo` is the loopback interface, which every host already has" : `\`${name}\` cannot name an interface: Linux keeps it for the settings of all interfaces (/proc/sys/net/ipv4/conf/${name})`,
      hint: "pick another name, e.g. `wan` or `lan`",
    };
  }
  if (name.startsWith(INTERFACE_TEMP_PREFIX)) return { message: `interface names starting with \`${INTERFACE_TEMP_PREFIX}\` are fwspec's own (used while renaming)`, hint: "pick another name, e.g. `wan` or `lan`" };
  if (name.length > MAX) {
    return { message: `interface name ${shown} has ${name.length} characters; Linux allows at most ${MAX}`, hint: `shorten it, e.g. \`${name.slice(0, MAX)}\` (IFNAMSIZ is 16 with the terminating NUL)`, offset: MAX };
  }
  if (!INTERFACE_NAME.test(name)) {
    const bad = /^[^A-Za-z0-9]/.test(name) ? 0 : name.search(/[^A-Za-z0-9_.-]/);
    const c = name[bad] ?? "";
    const what = c === " " ? "a space" : /\s/.test(c) ? "white space" : `\`${c}\``;
    return { message: bad === 0 && /[_.-]/.test(c) ? `interface name ${shown} starts with ${what}` : `interface name ${shown} contains ${what}`, hint: `an interface name is ${RULE}`, offset: bad };
  }
  return undefined;
}

/**
 * Checks one host's `interfaces` against the networks it is on (undefined:
 * unknown, then only the names are checked). Returns the names by network,
 * undefined when absent, or null when a problem was reported.
 */
export function checkInterfaces(ctx: CheckBase, host: string, raw: unknown, networks: readonly string[] | undefined): Record<string, string> | undefined | null {
  if (raw === undefined) return undefined;
  if (!isRecord(raw)) return null; // zod reported it
  const out: Record<string, string> = {};
  const owner = new Map<string, string>(); // name -> network
  let ok = true;
  for (const [net, name] of Object.entries(raw)) {
    const p: Path = ["hosts", host, "interfaces", net];
    if (networks && !networks.includes(net)) {
      const suggestion = didYouMean(net, networks);
      ctx.problem(p, `\`${host}\` is not on network \`${truncate(net)}\``, `${suggestion ? `${suggestion} ` : ""}\`${host}\` is on ${listWords(networks, "and")}; name interfaces only on those`, { atKey: true });
      ok = false;
      continue;
    }
    if (typeof name !== "string") {
      ok = false; // zod reported it
      continue;
    }
    const problem = interfaceNameProblem(name);
    if (problem) {
      ctx.problem(p, problem.message, problem.hint, at(problem.offset));
      ok = false;
      continue;
    }
    const other = owner.get(name);
    if (other !== undefined) {
      ctx.problem(p, `\`${name}\` already names \`${host}\`'s interface on \`${other}\``, `give each interface of \`${host}\` its own name`);
      ok = false;
      continue;
    }
    owner.set(name, net);
    out[net] = name;
  }
  return ok ? out : null;
}
