/**
 * Scenario loading: YAML text (or a TypeScript object) in, a validated,
 * normalised `Scenario` out, or a `ScenarioError` listing every problem of the
 * file at once, each with file, line, column, what was expected, and a hint.
 *
 * Two passes over the same value: the zod schema (shapes, types, enums,
 * ranges, unknown keys), then the checks that need words of their own or the
 * whole scenario (names, listeners, the compact expectation grammar, host
 * references, fixture files). The second pass checks every part that the
 * first pass accepted, so one bad item does not hide the problems of the rest.
 */
import { statSync } from "node:fs";
import { isIPv4, isIPv6 } from "node:net";
import path from "node:path";
import { TARGET_HINT, targetRefusal } from "../model/targets.ts";
import { terminalHazard } from "../report/text.ts";
import { DEFAULT_NETWORK, PROTOCOLS } from "../model/types.ts";
import type { ExpectedVerdict, Family, HostSpec, ListenerSpec, ProbeTarget, Protocol } from "../model/types.ts";
import { EXPECTATION_GRAMMAR_HELP, parseExpectation, renderExpectation } from "./expectation.ts";
import { fileDiagnostic, ScenarioError, toDiagnostics } from "./diagnostics.ts";
import type { Diagnostic, Problem } from "./diagnostics.ts";
import { FixtureFiles } from "./fixtures.ts";
import type { FixtureFile } from "./fixtures.ts";
import { COMPARISON_HELP, SHAPE_HINTS, STEPS_HELP } from "./hints.ts";
import { InlineLocator } from "./locate.ts";
import type { Locator, Path } from "./locate.ts";
import type {
  ApplyStep,
  Comparison,
  ComparisonOp,
  CounterCheck,
  CountersStep,
  Expectation,
  ExpectStep,
  HoldStep,
  RebootStep,
  RuleSelector,
  RuleSource,
  RunStep,
  Scenario,
  SourceLocation,
  Step,
} from "./model.ts";
import { COMPARISON, HOST_NAME, LISTENER, NAME_RULE } from "../model/names.ts";
import { FAMILY_CHOICES, schemas, STEP_KINDS, TABLES } from "./schema.ts";
import type { ScenarioInput } from "./schema.ts";
import { MAX_NETWORKS } from "./limits.ts";
import { foldLookalikes, nonAsciiNote } from "./lookalike.ts";
import { parseYaml } from "./parse.ts";
import { readTextFile, readTextFileSync, textFailure } from "./read-file.ts";
import type { ReadFailure, ReadResult } from "./read-file.ts";
import { splitCommand } from "./shellwords.ts";
import { closest, didYouMean, listWords } from "./suggest.ts";
import { describeValue, FAMILIES_BOTH, familiesOf, isAddress, isRecord, lastKey, textList, truncate, UNSAFE_TITLE, unsafeWhat } from "./values.ts";
import type { FamilyChoice } from "./values.ts";
import { issueProblems } from "./zod-issues.ts";

export { formatDiagnostic, ScenarioError } from "./diagnostics.ts";
export type { Diagnostic } from "./diagnostics.ts";

// ---------------------------------------------------------------------------
// The checks

interface HostInfo {
  readonly name: string;
  readonly firewall: boolean;
  /** Undefined when the listeners could not all be read (then no listener checks, to avoid follow-on errors). */
  readonly listeners: readonly ListenerSpec[] | undefined;
  /**
   * The networks the host is on (DEFAULT_NETWORK when the scenario declares none);
   * undefined when they could not be read (then no reachability checks).
   */
  readonly networks: readonly string[] | undefined;
  /** `router: true` as written (even on an invalid host, to avoid follow-on errors). */
  readonly router: boolean;
  readonly spec: HostSpec | undefined;
}

/** A `hold` step seen so far: where its name is, and the step if it is valid. */
interface HoldInfo {
  readonly path: Path;
  readonly step: HoldStep | undefined;
}

/** The message and hint for a name that breaks the host-name syntax (hosts, networks, holds). */
function badName(name: string, what: string): { message: string; hint: string; offset?: number } {
  const unsafe = unsafeWhat(name);
  const fixed = foldLookalikes(name).toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^[^a-z]+/, "").slice(0, 31);
  const foreign = unsafe ? undefined : nonAsciiNote(name);
  return {
    ...(foreign ? { offset: foreign.index } : {}),
    message: unsafe ? `${what} \`${truncate(name)}\` contains ${unsafe}` : `invalid ${what} \`${truncate(name)}\`${foreign ? `: ${foreign.note}` : ""}`,
    hint: `a ${what} is ${NAME_RULE}${fixed && HOST_NAME.test(fixed) && fixed !== "localhost" ? `, e.g. \`${fixed}\`` : ""}`,
  };
}

interface CheckContext {
  /** Absolute scenario file, or "<inline>". */
  readonly file: string;
  readonly baseDir: string;
  readonly projectRoot: string;
  readonly locator: Locator;
}

const FIREWALL_TABLES = TABLES as readonly string[];
const CHAIN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,28}$/;

class Checker {
  readonly problems: Problem[] = [];
  readonly ctx: CheckContext;
  readonly hosts = new Map<string, HostInfo>();
  /** Hosts written in the scenario, valid or not (for "unknown host" checks). */
  hostNames: string[] = [];
  /** False when `hosts` itself is unusable: then references to hosts are not checked (no follow-on errors). */
  hostsKnown = false;
  defaultFamilies: readonly Family[] = FAMILIES_BOTH;
  /** Does the scenario declare `networks`? */
  networksDeclared = false;
  /** The declared networks as written, valid or not; undefined when unusable (or not declared). */
  networkNames: string[] | undefined;
  /** Holds of the steps checked so far, by name (valid or not). */
  readonly holds = new Map<string, HoldInfo>();
  /** Every hold name of the scenario, with the path of its first `name` (for "declared in a later step"). */
  readonly allHolds = new Map<string, Path>();
  readonly #fixtures: FixtureFiles;

  constructor(ctx: CheckContext) {
    this.ctx = ctx;
    this.#fixtures = new FixtureFiles(ctx, (p, message, hint, place) => this.problem(p, message, hint, place));
  }

  problem(p: Path, message: string, hint?: string, extra: { atKey?: boolean; offset?: number } = {}): void {
    this.problems.push({ path: p, message, hint, ...extra });
  }

  location(p: Path): SourceLocation {
    return { file: this.ctx.file, ...this.ctx.locator.locate(p) };
  }

  get firewallHosts(): string[] {
    return [...this.hosts.values()].filter((h) => h.firewall).map((h) => h.name);
  }

  // -- names -----------------------------------------------------------------

  /** Prose shown in reports: not blank, nothing that acts on a terminal or CI log. */
  checkText(p: Path, value: unknown, what: string): void {
    if (typeof value !== "string" || value === "") return; // zod reported it
    const hazard = terminalHazard(value);
    if (hazard) this.problem(p, `${what} contains ${hazard.what}`, "write plain text: reports print it to terminals and CI logs", { offset: hazard.index });
    else if (value.trim() === "") this.problem(p, `${what} is blank`, SHAPE_HINTS[String(lastKey(p))]);
  }

  checkHostName(name: string, p: Path): void {
    if (name === "localhost") {
      this.problem(p, "`localhost` cannot be a host name", "`localhost` means the probing host's own loopback in expectations; name the host something else, e.g. `server`", { atKey: true });
      return;
    }
    if (HOST_NAME.test(name)) return;
    const bad = badName(name, "host name");
    this.problem(p, bad.message, bad.hint, { atKey: true, ...(bad.offset === undefined ? {} : { offset: bad.offset }) });
  }

  /** An existing host; reports unknown names with a suggestion. */
  knownHost(name: string, p: Path, offset?: number, extraCandidates: readonly string[] = []): boolean {
    if (this.hostNames.includes(name)) return true;
    if (!this.hostsKnown) return false;
    const suggestion = didYouMean(name, [...this.hostNames, ...extraCandidates]);
    const foreign = nonAsciiNote(name);
    this.problem(
      p,
      `unknown host \`${truncate(name)}\`${foreign ? `: ${foreign.note}` : ""}`,
      `${suggestion ? `${suggestion} ` : ""}hosts are ${listWords(this.hostNames, "and") || "(none declared)"}`,
      offset === undefined ? {} : { offset },
    );
    return false;
  }

  /** The firewall host a step applies to or counts on (explicit or the only one). */
  firewallHost(explicit: string | undefined, hostPath: Path, stepPath: Path, example: string, noneHint?: string): string | undefined {
    const firewalls = this.firewallHosts;
    if (explicit !== undefined) {
      if (!this.knownHost(explicit, hostPath)) return undefined;
      const info = this.hosts.get(explicit);
      if (info && !info.firewall) {
        this.problem(
          hostPath,
          `host \`${explicit}\` is not a firewall host`,
          firewalls.length > 0
            ? `rules are applied and counted only on firewall hosts (${listWords(firewalls, "and")}); or set \`firewall: true\` on \`${explicit}\``
            : `set \`firewall: true\` on host \`${explicit}\``,
        );
        return undefined;
      }
      return info ? explicit : undefined;
    }
    if (firewalls.length === 1) return firewalls[0];
    if (!this.hostsKnown) return undefined;
    if (firewalls.length === 0) {
      // Hosts that failed validation may be meant as firewalls: stay quiet unless every host is valid.
      if (this.hostsKnown && [...this.hosts.values()].every((h) => h.spec !== undefined)) {
        this.problem(stepPath, "there is no firewall host", noneHint ?? `mark the host that runs the rules with \`firewall: true\`, e.g. \`hosts: { server: { firewall: true } }\``);
      }
      return undefined;
    }
    this.problem(stepPath, `several firewall hosts (${listWords(firewalls, "and")}): say which one`, `name the host: ${example.replace("HOST", firewalls[0] ?? "server")}`);
    return undefined;
  }

  fixture(written: string, p: Path): FixtureFile | undefined {
    return this.#fixtures.read(written, p);
  }

  // -- hosts ---------------------------------------------------------------------

  checkHosts(raw: unknown): void {
    if (!isRecord(raw)) return;
    const entries = Object.entries(raw);
    this.hostNames = entries.map(([name]) => name);
    this.hostsKnown = entries.length > 0;
    if (entries.length === 0) {
      this.problem(["hosts"], "`hosts` needs at least one host", SHAPE_HINTS["hosts"]);
      return;
    }
    for (const [name, value] of entries) {
      const p: Path = ["hosts", name];
      this.checkHostName(name, p);
      // Each field on its own, so one bad field does not hide the problems of the others.
      const host = isRecord(value) ? value : {};
      const firewall = host["firewall"] === true;
      const misspeltFirewall = Object.keys(host).some((k) => k !== "firewall" && closest(k, ["firewall"]) === "firewall");
      if (host["backend"] !== undefined && (host["firewall"] === undefined || host["firewall"] === false) && !misspeltFirewall) {
        this.problem([...p, "backend"], `\`backend\` is set on \`${name}\`, which is not a firewall host`, `the backend is the firewall's iptables flavour: add \`firewall: true\` to \`${name}\`, or remove \`backend\``, { atKey: true });
      }
      const listen = host["listen"] ?? [];
      const listeners = Array.isArray(listen) ? this.checkListeners(name, listen) : undefined;
      const networks = this.checkHostNetworks(name, host["networks"]);
      const router = host["router"] === true;
      if (router) this.checkRouter(name, host, networks, misspeltFirewall);
      const parsed = schemas.host.safeParse(value);
      const spec: HostSpec | undefined =
        parsed.success && listeners && networks && HOST_NAME.test(name)
          ? {
              name,
              firewall,
              backend: parsed.data?.backend ?? "nft",
              listen: listeners,
              ...(this.networksDeclared ? { networks } : {}),
              ...(router ? { router: true } : {}),
            }
          : undefined;
      this.hosts.set(name, { name, firewall, listeners, networks, router, spec });
    }
  }

  // -- networks ----------------------------------------------------------------------

  /** The scenario's `networks`: names with the host-name syntax, each once. */
  checkNetworks(raw: unknown): void {
    if (raw === undefined) return;
    this.networksDeclared = true;
    if (!Array.isArray(raw) || raw.length === 0) return; // zod reported it
    if (raw.length > MAX_NETWORKS) {
      this.problem(["networks"], `${raw.length} networks declared; a lab can have at most ${MAX_NETWORKS}`, `the lab address plan holds ${MAX_NETWORKS} IPv4 /24 subnets in 198.18.0.0/16; split the scenario`, { atKey: true });
      return;
    }
    const names: string[] = [];
    raw.forEach((n: unknown, i) => {
      if (typeof n !== "string") return; // zod reported it
      const p: Path = ["networks", i];
      if (!HOST_NAME.test(n)) {
        const bad = badName(n, "network name");
        this.problem(p, bad.message, bad.hint, bad.offset === undefined ? {} : { offset: bad.offset });
      } else if (names.includes(n)) {
        this.problem(p, `duplicate network \`${n}\``, "each network is declared once; remove the repeated name");
      }
      names.push(n);
    });
    this.networkNames = names;
  }

  /** A host's networks: declared ones, each once; the first declared network by default. */
  checkHostNetworks(host: string, raw: unknown): readonly string[] | undefined {
    const p: Path = ["hosts", host, "networks"];
    if (!this.networksDeclared) {
      if (raw === undefined) return [DEFAULT_NETWORK];
      this.problem(
        p,
        `\`networks\` is set on \`${host}\`, but the scenario declares no networks`,
        `declare them at the top level first, e.g. \`networks: [lan, dmz]\`; or remove \`networks\` from \`${host}\` (without declared networks every host is on one network)`,
        { atKey: true },
      );
      return undefined;
    }
    const declared = this.networkNames;
    if (raw === undefined) return declared?.[0] === undefined ? undefined : [declared[0]];
    if (!Array.isArray(raw) || raw.length === 0 || !raw.every((n) => typeof n === "string")) return undefined; // zod reported it
    if (declared === undefined) return undefined; // the scenario's own list is unusable (reported)
    let ok = true;
    raw.forEach((n: string, i) => {
      if (!declared.includes(n)) {
        const suggestion = didYouMean(n, declared);
        this.problem([...p, i], `unknown network \`${truncate(n)}\``, `${suggestion ? `${suggestion} ` : ""}the scenario declares ${listWords(declared, "and")}; add \`${truncate(n)}\` to the top-level \`networks\` to declare it`);
        ok = false;
      } else if (raw.indexOf(n) !== i) {
        this.problem([...p, i], `duplicate network \`${n}\` on \`${host}\``, "remove the repeated name");
        ok = false;
      }
    });
    return ok ? (raw as string[]) : undefined;
  }

  /** A router is a firewall host (NET_ADMIN for FORWARD rules) on at least two networks. */
  checkRouter(name: string, host: Record<string, unknown>, networks: readonly string[] | undefined, misspeltFirewall: boolean): void {
    const p: Path = ["hosts", name];
    if ((host["firewall"] === undefined || host["firewall"] === false) && !misspeltFirewall) {
      this.problem([...p, "router"], `\`router\` is set on \`${name}\`, which is not a firewall host`, `routers need NET_ADMIN for FORWARD rules; add \`firewall: true\` to \`${name}\``, { atKey: true });
    }
    if (!this.networksDeclared) {
      this.problem(
        [...p, "router"],
        `router \`${name}\` needs at least two networks, but the scenario declares none`,
        `declare them at the top level, e.g. \`networks: [lan, dmz]\`, and attach \`${name}\` to both: \`networks: [lan, dmz]\``,
        { atKey: true },
      );
      return;
    }
    if (networks === undefined || networks.length >= 2) return;
    const [only] = networks;
    const other = this.networkNames?.find((n) => n !== only);
    this.problem(
      host["networks"] === undefined ? [...p, "router"] : [...p, "networks"],
      `router \`${name}\` is on one network (\`${only}\`); a router needs at least two`,
      other === undefined
        ? `declare a second network at the top level (e.g. \`networks: [${only}, dmz]\`) and attach \`${name}\` to both`
        : `attach it to the networks it routes between, e.g. \`networks: [${only}, ${other}]\``,
      host["networks"] === undefined ? { atKey: true } : {},
    );
  }

  /**
   * Can \`from\` reach the target? On a shared network, or through one router on
   * a network of each. Localhost and literal addresses are not checked.
   */
  checkReachable(from: string, to: ProbeTarget, p: Path, offset: number | undefined): boolean {
    if (!this.networksDeclared || to.kind !== "host") return true;
    const a = this.hosts.get(from)?.networks;
    const b = this.hosts.get(to.host)?.networks;
    if (!a || !b) return true; // reported elsewhere
    if (a.some((n) => b.includes(n))) return true;
    const routers = [...this.hosts.values()].filter((h) => h.router && h.networks);
    if (routers.some((r) => r.networks?.some((n) => a.includes(n)) && r.networks.some((n) => b.includes(n)))) return true;
    const side = (host: string, nets: readonly string[]): string => (nets.length === 1 ? String(nets[0]) : `${host}'s networks (${nets.join(", ")})`);
    const na = String(a[0]);
    const nb = String(b[0]);
    this.problem(
      p,
      `${to.host} is not reachable from ${from}: no shared network and no router between ${side(from, a)} and ${side(to.host, b)}`,
      `add a router on both networks, e.g. \`hosts: { gw: { firewall: true, router: true, networks: [${na}, ${nb}] } }\`; or attach \`${to.host}\` to ${na} as well (\`networks: [${[...b, na].join(", ")}]\`)`,
      offset === undefined ? {} : { offset },
    );
    return false;
  }

  checkListeners(host: string, listen: readonly unknown[]): ListenerSpec[] | undefined {
    const out: ListenerSpec[] = [];
    let ok = true;
    const seen = new Map<string, string>(); // "tcp/8080" (http counts as tcp) -> as written
    listen.forEach((text, i) => {
      const p: Path = ["hosts", host, "listen", i];
      if (typeof text !== "string") {
        ok = false; // zod reported it
        return;
      }
      const l = this.parseListener(text, p);
      if (!l) {
        ok = false;
        return;
      }
      const transport = `${l.protocol === "udp" ? "udp" : "tcp"}/${l.port}`;
      const before = seen.get(transport);
      if (before !== undefined) {
        this.problem(
          p,
          before === text ? `duplicate listener \`${text}\` on \`${host}\`` : `\`${text}\` and \`${before}\` both listen on TCP port ${l.port} of \`${host}\``,
          before === text ? "remove the repeated listener" : "an http listener already answers TCP; keep one of them (tcp and http probes both reach an http listener)",
        );
        ok = false;
        return;
      }
      seen.set(transport, text);
      out.push(l);
    });
    return ok ? out : undefined;
  }

  parseListener(text: string, p: Path): ListenerSpec | undefined {
    const m = LISTENER.exec(text);
    if (m) {
      const digits = text.slice(String(m[1]).length + 1);
      const port = Number(digits);
      if (port >= 1 && port <= 65535) return { protocol: m[1] as Protocol, port };
      this.problem(p, `port ${digits} of listener \`${text}\` is not from 1 to 65535`, "write PROTOCOL/PORT with a port from 1 to 65535, e.g. `tcp/8080`");
      return undefined;
    }
    const unsafe = unsafeWhat(text);
    let hint = `write PROTOCOL/PORT with PROTOCOL ${listWords(PROTOCOLS)}, e.g. \`tcp/8080\`, \`udp/5353\`, \`http/3000\``;
    const parts = /^([A-Za-z0-9]*)\s*[/:]\s*([0-9]+)$/.exec(text);
    if (/^[0-9]+$/.test(text)) hint = `say the protocol: \`tcp/${text}\`, \`udp/${text}\` or \`http/${text}\``;
    else if (parts) {
      const proto = (parts[1] ?? "").toLowerCase();
      const word = (PROTOCOLS as readonly string[]).includes(proto) ? proto : closest(proto, PROTOCOLS);
      if (word !== undefined) hint = `did you mean \`${word}/${parts[2]}\`? ${hint}`;
    }
    this.problem(p, unsafe ? `listener \`${truncate(text)}\` contains ${unsafe}` : `invalid listener \`${truncate(text)}\``, hint);
    return undefined;
  }

  // -- steps -----------------------------------------------------------------------

  checkSteps(raw: unknown): Step[] | undefined {
    if (!Array.isArray(raw)) return undefined;
    raw.forEach((item: unknown, i) => {
      const hold = isRecord(item) ? item["hold"] : undefined;
      const name = isRecord(hold) ? hold["name"] : undefined;
      if (typeof name === "string" && !this.allHolds.has(name)) this.allHolds.set(name, ["steps", i, "hold", "name"]);
    });
    const steps: Step[] = [];
    let complete = true;
    raw.forEach((item: unknown, i) => {
      const step = this.checkStep(item, ["steps", i]);
      if (step) steps.push(step);
      else complete = false;
    });
    return complete ? steps : undefined;
  }

  checkStep(item: unknown, p: Path): Step | undefined {
    if (!isRecord(item)) return undefined; // zod reported it
    const kinds = STEP_KINDS.filter((k) => Object.hasOwn(item, k));
    const unknown = Object.keys(item).filter((k) => !(STEP_KINDS as readonly string[]).includes(k));
    if (kinds.length === 0) {
      if (unknown.length === 0) this.problem(p, "empty step", `a step is ${STEPS_HELP}`);
      return undefined;
    }
    if (kinds.length > 1) {
      const second = kinds[1] as string;
      this.problem(
        [...p, second],
        `one step holds one of ${listWords(STEP_KINDS)}, this one has \`${kinds[0]}\` and \`${second}\``,
        `start a new step: put \`- \` before \`${second}:\``,
        { atKey: true },
      );
      // A hold in a step that is not one is still a hold: later `held` lines need not complain.
      if (kinds.includes("hold")) this.checkHold(item["hold"], [...p, "hold"], this.location(p));
      return undefined;
    }
    if (unknown.length > 0) {
      if (kinds[0] === "hold") this.checkHold(item["hold"], [...p, "hold"], this.location(p));
      return undefined; // zod reported them
    }
    const kind = kinds[0] as (typeof STEP_KINDS)[number];
    const value = item[kind];
    const location = this.location(p);
    if (kind === "apply") return this.checkApply(value, [...p, "apply"], location);
    if (kind === "run") return this.checkRun(value, [...p, "run"], location);
    if (kind === "reboot") return this.checkReboot(value, [...p, "reboot"], location);
    if (kind === "hold") return this.checkHold(value, [...p, "hold"], location);
    if (!Array.isArray(value) || value.length === 0) return undefined;
    if (kind === "expect") {
      const expectations: Expectation[] = [];
      let ok = true;
      value.forEach((e: unknown, j) => {
        const x = this.checkExpectation(e, [...p, "expect", j]);
        if (x) expectations.push(x);
        else ok = false;
      });
      const step: ExpectStep = { kind: "expect", expectations, location };
      return ok ? step : undefined;
    }
    const checks: CounterCheck[] = [];
    let ok = true;
    value.forEach((c: unknown, j) => {
      const x = this.checkCounter(c, [...p, "counters", j]);
      if (x) checks.push(x);
      else ok = false;
    });
    const step: CountersStep = { kind: "counters", checks, location };
    return ok ? step : undefined;
  }

  // -- apply -----------------------------------------------------------------------

  /** Reads each field of an apply step on its own (wrong types were reported by zod; they only make the step invalid). */
  checkApply(apply: unknown, p: Path, location: SourceLocation): ApplyStep | undefined {
    if (typeof apply === "string") {
      const host = this.firewallHost(undefined, p, p, `\`apply: { host: HOST, script: ${apply} }\``);
      const file = this.fixture(apply, p);
      if (!host || !file) return undefined;
      return { kind: "apply", host, sources: [{ kind: "script", path: file.path, content: file.content }], location };
    }
    if (!isRecord(apply)) return undefined;
    const given = (["script", "restore", "commands"] as const).filter((k) => apply[k] !== undefined);
    const unknownKeys = Object.keys(apply).filter((k) => !["host", "script", "restore", "commands"].includes(k));
    let ok = schemas.apply.safeParse(apply).success;
    if (given.length === 0) {
      if (unknownKeys.length === 0) {
        this.problem(p, "`apply` needs one of `script`, `restore` or `commands`", "e.g. `apply: { host: server, script: ../fixtures/rules.sh }`");
      }
      ok = false;
    } else if (given.length > 1) {
      const second = given[1] as string;
      this.problem([...p, second], `one \`apply\` step takes one of \`script\`, \`restore\` or \`commands\`, this one has \`${given[0]}\` and \`${second}\``, "split them into two apply steps (they run in order)", { atKey: true });
      ok = false;
    }
    const explicit = apply["host"];
    const host = explicit === undefined || typeof explicit === "string" ? this.firewallHost(explicit, [...p, "host"], p, "`apply: { host: HOST, ... }`") : undefined;
    const sources: RuleSource[] = [];
    const script = apply["script"];
    if (typeof script === "string") {
      const file = this.fixture(script, [...p, "script"]);
      if (file) sources.push({ kind: "script", path: file.path, content: file.content });
      else ok = false;
    }
    const restore = apply["restore"];
    if (isRecord(restore)) {
      if (restore["ipv4"] === undefined && restore["ipv6"] === undefined && Object.keys(restore).length === 0) {
        this.problem([...p, "restore"], "`restore` names no file", SHAPE_HINTS["restore"]);
        ok = false;
      }
      for (const family of ["ipv4", "ipv6"] as const) {
        const written = restore[family];
        if (typeof written !== "string") continue;
        const file = this.fixture(written, [...p, "restore", family]);
        if (file) sources.push({ kind: "restore", family, path: file.path, content: file.content });
        else ok = false;
      }
    }
    const list = apply["commands"];
    if (Array.isArray(list)) {
      const commands: string[][] = [];
      list.forEach((c: unknown, i) => {
        const argv = this.command(c, [...p, "commands", i]);
        if (argv) commands.push(argv);
        else ok = false;
      });
      sources.push({ kind: "commands", commands });
    }
    if (!ok || !host) return undefined;
    return { kind: "apply", host, sources, location };
  }

  /** A command line (split like a shell, without one) or an argument array; undefined (reported) if unusable. */
  command(c: unknown, cp: Path): string[] | undefined {
    if (typeof c === "string") {
      const split = splitCommand(c);
      if (!split.ok) {
        this.problem(cp, split.message, split.hint, split.offset === undefined ? {} : { offset: split.offset });
        return undefined;
      }
      return split.argv;
    }
    if (!Array.isArray(c) || c.length === 0 || !c.every((a) => typeof a === "string")) return undefined; // zod reported it
    const argv = c as string[];
    const bad = argv.findIndex((a) => /[\0\n\r]/.test(a));
    if (bad >= 0) {
      this.problem([...cp, bad], "a command argument may not contain line breaks or NUL bytes", "one argument per list item, each on one line");
      return undefined;
    }
    if ((argv[0] ?? "").trim() === "") {
      this.problem([...cp, 0], "empty command name", "the first item is the program, e.g. `[iptables, -A, INPUT, -j, DROP]`");
      return undefined;
    }
    return [...argv];
  }

  // -- run, reboot, hold ----------------------------------------------------------------

  /** `run: COMMAND` (on the only firewall host, exit 0) or `run: { host, command, exit, contains, excludes, matches }`. */
  checkRun(run: unknown, p: Path, location: SourceLocation): RunStep | undefined {
    const noneHint = "name the host to run on: `run: { host: HOST, command: ... }` (any host), or mark a host `firewall: true`";
    if (typeof run === "string") {
      const host = this.firewallHost(undefined, p, p, `\`run: { host: HOST, command: ${truncate(run, 60)} }\``, noneHint);
      const command = this.command(run, p);
      if (!host || !command) return undefined;
      return { kind: "run", host, command, exit: 0, contains: [], excludes: [], matches: [], location };
    }
    if (!isRecord(run)) return undefined; // zod reported it
    const parsed = schemas.run.safeParse(run);
    let ok = parsed.success;
    const explicit = run["host"];
    let host: string | undefined;
    if (explicit === undefined) host = this.firewallHost(undefined, [...p, "host"], p, "`run: { host: HOST, command: ... }`", noneHint);
    else if (typeof explicit === "string") {
      if (explicit === "localhost") {
        this.problem([...p, "host"], "`localhost` is not a host to run on", `name a lab host: ${listWords(this.hostNames)}`);
      } else if (this.knownHost(explicit, [...p, "host"])) host = explicit;
    }
    const command = run["command"] === undefined ? undefined : this.command(run["command"], [...p, "command"]);
    if (!command) ok = false;
    const contains = textList(run["contains"], [...p, "contains"]);
    const excludes = textList(run["excludes"], [...p, "excludes"]);
    const matches = textList(run["matches"], [...p, "matches"]);
    for (const x of excludes) {
      if (x.text !== "" && contains.some((c) => c.text === x.text)) {
        this.problem(x.path, `\`${truncate(x.text)}\` is in both \`contains\` and \`excludes\``, "the output cannot both contain and not contain a text; remove one of them");
        ok = false;
      }
    }
    for (const m of matches) {
      if (m.text === "") continue; // zod reported it
      try {
        new RegExp(m.text, "m");
      } catch (error) {
        const reason = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, "");
        this.problem(
          m.path,
          `invalid regular expression \`${truncate(m.text)}\`: ${reason}`,
          "`matches` takes JavaScript regular expressions (multiline): escape special characters with a backslash (`\\(`, `\\[`, `\\.`), or use `contains` for plain text",
        );
        ok = false;
      }
    }
    if (!ok || !host || !command || !parsed.success || typeof parsed.data === "string") return undefined;
    return {
      kind: "run",
      host,
      command,
      exit: parsed.data.exit,
      contains: contains.map((x) => x.text),
      excludes: excludes.map((x) => x.text),
      matches: matches.map((x) => x.text),
      location,
    };
  }

  /** `reboot: HOST`, any lab host. */
  checkReboot(reboot: unknown, p: Path, location: SourceLocation): RebootStep | undefined {
    if (typeof reboot !== "string") return undefined; // zod reported it
    if (reboot === "localhost") {
      this.problem(p, "`localhost` is not a host to reboot", `name a lab host: ${listWords(this.hostNames)}`);
      return undefined;
    }
    if (!this.knownHost(reboot, p)) return undefined;
    return { kind: "reboot", host: reboot, location };
  }

  /** `hold: { name, from, to, port, protocol, family }`: a named connection to a listener of a lab host. */
  checkHold(hold: unknown, p: Path, location: SourceLocation): HoldStep | undefined {
    if (!isRecord(hold)) return undefined; // zod reported it
    const parsed = schemas.hold.safeParse(hold);
    let ok = parsed.success;
    const name = hold["name"];
    const namePath: Path = [...p, "name"];
    if (typeof name === "string") {
      const before = this.holds.get(name);
      if (!HOST_NAME.test(name)) {
        const bad = badName(name, "hold name");
        this.problem(namePath, bad.message, bad.hint, bad.offset === undefined ? {} : { offset: bad.offset });
        ok = false;
      } else if (before) {
        this.problem(namePath, `duplicate hold name \`${name}\``, `the hold at line ${this.location(before.path).line} is named \`${name}\` already; give each hold its own name`);
        ok = false;
      }
    }
    const from = hold["from"];
    if (typeof from === "string") {
      if (from === "localhost" || isAddress(from)) {
        this.problem([...p, "from"], `the source \`${truncate(from)}\` must be a lab host`, "a hold starts from one of the scenario's hosts; write its name, e.g. `from: remote`");
        ok = false;
      } else if (!this.knownHost(from, [...p, "from"])) ok = false;
    }
    const to = hold["to"];
    if (typeof to === "string") {
      if (to === "localhost") {
        this.problem([...p, "to"], "a hold goes to a lab host, not `localhost`", "holds to the source's own loopback are not supported (yet); name a lab host, e.g. `to: server`");
        ok = false;
      } else if (isAddress(to)) {
        this.problem([...p, "to"], `a hold goes to a lab host, not an address (\`${truncate(to)}\`)`, "holds to literal addresses are not supported (yet); name a lab host, e.g. `to: server`");
        ok = false;
      } else if (/[:/]/.test(to)) {
        this.problem([...p, "to"], `\`to\` is a host name, got \`${truncate(to)}\``, "write the port in `port:` and the protocol in `protocol:`");
        ok = false;
      } else if (!this.knownHost(to, [...p, "to"])) ok = false;
    }
    let step: HoldStep | undefined;
    if (ok && parsed.success && typeof name === "string") {
      const h = parsed.data;
      const target: ProbeTarget = { kind: "host", host: h.to };
      if (this.checkListener(h.from, target, h.port, h.protocol, [...p, "port"], undefined) && this.checkReachable(h.from, target, [...p, "to"], undefined)) {
        step = { kind: "hold", name: h.name, from: h.from, to: target, port: h.port, protocol: h.protocol, family: h.family, location };
      }
    }
    if (typeof name === "string" && !this.holds.has(name)) this.holds.set(name, { path: namePath, step });
    return step;
  }

  /** An expectation about a held connection: the hold must come in an earlier step. */
  heldExpectation(name: string, expected: ExpectedVerdict, p: Path, offset: number | undefined, text: string, location: SourceLocation): Expectation | undefined {
    const hold = this.holds.get(name);
    const at = offset === undefined ? {} : { offset };
    if (!hold) {
      const later = this.allHolds.get(name);
      if (later) {
        this.problem(p, `hold \`${name}\` is declared in a later step (line ${this.location(later).line})`, "a `held` expectation checks a connection opened by an earlier `hold` step: move the `hold` step before this one", at);
        return undefined;
      }
      const known = [...this.holds.keys()];
      const suggestion = didYouMean(name, known);
      this.problem(
        p,
        `unknown hold \`${truncate(name)}\``,
        suggestion
          ? `${suggestion} holds declared before this step: ${listWords(known, "and")}`
          : `${known.length > 0 ? `holds declared before this step: ${listWords(known, "and")}` : "no `hold` step comes before this one"}; a held connection is opened by an earlier step, e.g. \`- hold: { name: ${HOST_NAME.test(name) ? name : "session"}, from: HOST, to: HOST, port: PORT }\``,
        at,
      );
      return undefined;
    }
    const h = hold.step;
    if (!h) return undefined; // the hold itself is invalid (reported)
    return { held: name, from: h.from, to: h.to, port: h.port, protocol: h.protocol, families: [h.family], expected, text, location };
  }

  // -- expectations ------------------------------------------------------------------

  /** A literal target must be in the lab ranges or loopback (targets.ts, also checked at probe time). */
  safeTarget(address: string, p: Path, offset: number | undefined): boolean {
    const refused = targetRefusal(address);
    if (refused) this.problem(p, `the target \`${truncate(address)}\` is ${refused.reason}`, TARGET_HINT, offset === undefined ? {} : { offset });
    return refused === undefined;
  }

  /** Checks that the target host listens where the probe goes; false (and a problem) if not. */
  checkListener(from: string, to: ProbeTarget, port: number, protocol: Protocol, p: Path, offset: number | undefined): boolean {
    if (to.kind === "address") return true;
    const name = to.kind === "localhost" ? from : to.host;
    const info = this.hosts.get(name);
    if (!info?.listeners) return true; // unknown or invalid host: reported elsewhere
    const matches = (l: ListenerSpec): boolean =>
      l.port === port && (l.protocol === protocol || (protocol === "tcp" && l.protocol === "http"));
    if (info.listeners.some(matches)) return true;
    const declared = info.listeners.map((l) => `${l.protocol}/${l.port}`);
    const target = to.kind === "localhost" ? `\`${name}\` (localhost is the probing host's own loopback)` : `\`${name}\``;
    let hint = `declare it: \`hosts: { ${name}: { listen: [${protocol}/${port}] } }\`; ${declared.length > 0 ? `${name} listens on ${declared.join(", ")}` : `${name} declares no listeners`}`;
    if (protocol === "http" && info.listeners.some((l) => l.port === port && l.protocol === "tcp")) {
      hint = `an http probe needs an \`http/${port}\` listener (\`tcp/${port}\` answers TCP, not HTTP); declare \`http/${port}\` instead, or probe \`/tcp\``;
    }
    this.problem(p, `${target} does not listen on ${protocol}/${port}`, `${hint}. Every probed port needs a listener, so that "blocked" can only mean the firewall`, offset === undefined ? {} : { offset });
    return false;
  }

  checkExpectation(item: unknown, p: Path): Expectation | undefined {
    if (isRecord(item)) {
      const keys = Object.keys(item);
      if (keys.length === 1 && (keys[0] as string).includes("->")) {
        // `- remote -> server:8080: open` is a YAML mapping.
        this.problem(p, "this expectation was read as a mapping because of a `: ` in it", `remove the \`:\` before the verdict, or quote the whole line; ${EXPECTATION_GRAMMAR_HELP}`);
        return undefined;
      }
    }
    const parsed = schemas.expectItem.safeParse(item);
    if (!parsed.success) return undefined;
    const location = this.location(p);
    const e = parsed.data;
    if (typeof e === "string") {
      const r = parseExpectation(e);
      if (!r.ok) {
        this.problem(p, `${r.error.message} (in \`${truncate(e.trim(), 80)}\`)`, r.error.hint, { offset: r.error.offset });
        return undefined;
      }
      if (r.value.kind === "held") return this.heldExpectation(r.value.name, r.value.verdict, p, r.value.spans.name.start, e.trim(), location);
      const x = r.value;
      let ok = this.knownHost(x.from, p, x.spans.from.start);
      let to: ProbeTarget;
      if (x.to.kind === "host") {
        if (!this.knownHost(x.to.host, p, x.spans.to.start, ["localhost"])) ok = false;
        to = { kind: "host", host: x.to.host };
      } else if (x.to.kind === "localhost") {
        to = { kind: "localhost" };
      } else {
        to = { kind: "address", address: x.to.address };
        if (!this.safeTarget(x.to.address, p, x.spans.to.start)) ok = false;
      }
      const protocol = x.protocol ?? "tcp";
      if (ok && !this.checkListener(x.from, to, x.port, protocol, p, x.spans.port.start)) ok = false;
      if (ok && !this.checkReachable(x.from, to, p, x.spans.to.start)) ok = false;
      if (!ok) return undefined;
      return {
        from: x.from,
        to,
        port: x.port,
        protocol,
        families: x.family ? [x.family] : this.defaultFamilies,
        expected: x.verdict,
        text: e.trim(),
        location,
      };
    }
    if ("held" in e) return this.heldExpectation(e.held, e.verdict, [...p, "held"], undefined, `held ${e.held} ${e.verdict}`, location);
    // Object form.
    let ok = true;
    if (e.from === "localhost" || isIPv4(e.from) || isIPv6(e.from.replace(/^\[|\]$/g, ""))) {
      this.problem([...p, "from"], `the source \`${e.from}\` must be a lab host`, "a probe starts from one of the scenario's hosts; `localhost` and addresses are only targets");
      ok = false;
    } else if (!this.knownHost(e.from, [...p, "from"])) ok = false;
    let to: ProbeTarget;
    let literal: Family | undefined;
    const bare = e.to.replace(/^\[(.*)\]$/, "$1");
    if (e.to === "localhost") to = { kind: "localhost" };
    else if (isAddress(e.to) && !this.safeTarget(bare, [...p, "to"], undefined)) {
      to = { kind: "address", address: bare };
      ok = false;
    } else if (isIPv4(e.to)) {
      to = { kind: "address", address: e.to };
      literal = "ipv4";
    } else if (isIPv6(bare)) {
      to = { kind: "address", address: bare };
      literal = "ipv6";
    } else {
      to = { kind: "host", host: e.to };
      if (/[:/]/.test(e.to)) {
        this.problem([...p, "to"], `\`to\` is a host, \`localhost\` or an address, got \`${truncate(e.to)}\``, "write the port in `port:` and the protocol in `protocol:`");
        ok = false;
      } else if (!this.knownHost(e.to, [...p, "to"], undefined, ["localhost"])) ok = false;
    }
    const proto = e.protocol ?? "tcp";
    const protocol = proto.replace(/[46]$/, "") as Protocol;
    const suffix: Family | undefined = proto.endsWith("4") ? "ipv4" : proto.endsWith("6") ? "ipv6" : undefined;
    let families: readonly Family[] = this.defaultFamilies;
    let pinned: Family | undefined;
    if (e.family !== undefined) {
      families = familiesOf(e.family);
      pinned = e.family === "both" ? undefined : e.family;
    }
    if (suffix !== undefined) {
      if (e.family !== undefined && e.family !== suffix) {
        this.problem([...p, "family"], `\`family: ${e.family}\` conflicts with \`protocol: ${proto}\``, `the suffix of \`${proto}\` already pins ${suffix}; drop the suffix or the \`family\` key`);
        ok = false;
      }
      families = [suffix];
      pinned = suffix;
    }
    if (literal !== undefined) {
      if (e.family !== undefined && e.family !== literal) {
        this.problem([...p, "family"], `\`family: ${e.family}\` conflicts with the ${literal === "ipv4" ? "IPv4" : "IPv6"} address \`${e.to}\``, "a literal address fixes the family; remove `family`");
        ok = false;
      } else if (suffix !== undefined && suffix !== literal) {
        this.problem([...p, "protocol"], `\`protocol: ${proto}\` asks for ${suffix === "ipv4" ? "IPv4" : "IPv6"} but \`${e.to}\` is an ${literal === "ipv4" ? "IPv4" : "IPv6"} address`, `write \`protocol: ${protocol}\`: a literal address fixes the family`);
        ok = false;
      }
      families = [literal];
      pinned = undefined;
    }
    if (ok && !this.checkListener(e.from, to, e.port, protocol, [...p, "port"], undefined)) ok = false;
    if (ok && !this.checkReachable(e.from, to, [...p, "to"], undefined)) ok = false;
    if (!ok) return undefined;
    const expected: ExpectedVerdict = e.verdict;
    return {
      from: e.from,
      to,
      port: e.port,
      protocol,
      families,
      expected,
      text: renderExpectation({ from: e.from, to, port: e.port, protocol, family: pinned, verdict: expected }),
      location,
    };
  }

  // -- counters --------------------------------------------------------------------

  comparison(value: string | number, p: Path): Comparison | undefined {
    if (typeof value === "number") return { op: "==", value, text: String(value) };
    const m = COMPARISON.exec(value);
    if (m) {
      const n = Number(value.replace(/[^0-9]/g, ""));
      if (Number.isSafeInteger(n)) return { op: (m[1] ?? "==") as ComparisonOp, value: n, text: value.trim() };
      this.problem(p, `\`${truncate(value)}\`: the number is too large`, COMPARISON_HELP);
      return undefined;
    }
    let hint = COMPARISON_HELP;
    const op = /^\s*(=>|=<|=|<>|≥|≤)\s*[0-9]+\s*$/.exec(value)?.[1];
    const fixes: Record<string, string> = { "=>": ">=", "=<": "<=", "=": "==", "<>": "!=", "≥": ">=", "≤": "<=" };
    if (op !== undefined) hint = `did you mean \`${fixes[op]}\`? ${COMPARISON_HELP}`;
    else if (/-\s*[0-9]/.test(value)) hint = `counts are never negative; ${COMPARISON_HELP}`;
    this.problem(p, `invalid comparison \`${truncate(value)}\``, hint);
    return undefined;
  }

  checkCounter(item: unknown, p: Path): CounterCheck | undefined {
    const parsed = schemas.counterCheck.safeParse(item);
    if (!parsed.success) return undefined;
    const c = parsed.data;
    let ok = true;
    const selectors = [c.rule !== undefined ? "rule" : undefined, c.chain !== undefined || c.position !== undefined ? "chain" : undefined, c.comment !== undefined ? "comment" : undefined].filter(
      (s): s is string => s !== undefined,
    );
    let selector: RuleSelector | undefined;
    const selectorHint = "select the rule by `rule: <as iptables -S prints it>`, by `chain:` and `position:`, or by `comment:`";
    if (selectors.length === 0) {
      this.problem(p, "a counter check needs a rule selector", selectorHint);
      ok = false;
    } else if (selectors.length > 1) {
      this.problem([...p, selectors[1] === "chain" ? (c.chain !== undefined ? "chain" : "position") : (selectors[1] as string)], `a counter check selects one rule one way; this one has both \`${selectors[0]}\` and \`${selectors[1]}\``, selectorHint, { atKey: true });
      ok = false;
    } else if (c.rule !== undefined) {
      const rule = c.rule.trim();
      if (/[\0\n\r]/.test(rule)) {
        this.problem([...p, "rule"], "a rule may not contain line breaks or NUL bytes", "write the rule on one line");
        ok = false;
      } else if (!/^-A\s+\S+/.test(rule)) {
        this.problem([...p, "rule"], `\`rule\` must be written as \`iptables -S\` prints it, starting with \`-A CHAIN\`, got \`${truncate(rule)}\``, "e.g. `rule: -A INPUT -p tcp --dport 8080 -j DROP` (without `iptables`)");
        ok = false;
      } else selector = { kind: "text", rule };
      if (c.table !== undefined) {
        this.problem([...p, "table"], "`table` applies to `chain`/`position` selectors only", "select the rule by `chain` and `position` to name its table, or by `comment`", { atKey: true });
        ok = false;
      }
    } else if (c.comment !== undefined) {
      if (c.comment.trim() === "" || /[\0\n\r"]/.test(c.comment) || c.comment.length > 256) {
        this.problem([...p, "comment"], `invalid rule comment \`${truncate(c.comment)}\``, "a comment selector is the text of `-m comment --comment`: one line, up to 256 characters, without double quotes");
        ok = false;
      } else selector = { kind: "comment", comment: c.comment };
      if (c.table !== undefined) {
        this.problem([...p, "table"], "`table` applies to `chain`/`position` selectors only", "remove `table`; a comment selector finds the rule in any table", { atKey: true });
        ok = false;
      }
    } else {
      if (c.chain === undefined) {
        this.problem([...p, "position"], "`position` needs a `chain`", "e.g. `{ chain: INPUT, position: 1 }`", { atKey: true });
        ok = false;
      } else if (c.position === undefined) {
        this.problem([...p, "chain"], "`chain` needs a `position`", `e.g. \`{ chain: ${c.chain}, position: 1 }\``, { atKey: true });
        ok = false;
      } else if (!CHAIN.test(c.chain)) {
        const unsafe = unsafeWhat(c.chain);
        this.problem([...p, "chain"], unsafe ? `chain name contains ${unsafe}` : `invalid chain name \`${truncate(c.chain)}\``, "a chain name is up to 29 letters, digits, `_`, `.` or `-`, e.g. `INPUT`, `DOCKER-USER`");
        ok = false;
      } else {
        selector = { kind: "position", table: c.table ?? "filter", chain: c.chain, position: c.position };
      }
    }
    if (c.table !== undefined && !FIREWALL_TABLES.includes(c.table)) ok = false;
    const host = this.firewallHost(c.host, [...p, "host"], p, "`- { host: HOST, rule: ..., packets: ... }`");
    if (!host) ok = false;
    if (c.packets === undefined && c.bytes === undefined) {
      this.problem(p, "a counter check needs `packets` or `bytes` (or both)", "e.g. `packets: \">= 1\"`");
      ok = false;
    }
    const packets = c.packets === undefined ? undefined : this.comparison(c.packets, [...p, "packets"]);
    const bytes = c.bytes === undefined ? undefined : this.comparison(c.bytes, [...p, "bytes"]);
    if ((c.packets !== undefined && !packets) || (c.bytes !== undefined && !bytes)) ok = false;
    if (!ok || !selector || !host) return undefined;
    return {
      host,
      families: familiesOf(c.family ?? "ipv4"),
      selector,
      ...(packets ? { packets } : {}),
      ...(bytes ? { bytes } : {}),
      location: this.location(p),
    };
  }

  // -- the whole scenario ----------------------------------------------------------

  run(raw: unknown): Scenario | undefined {
    if (!isRecord(raw)) {
      this.problem([], `a scenario must be a mapping, got ${describeValue(raw)}`, "write `name`, `description`, `hosts` and `steps` at the top level");
      return undefined;
    }
    const parsed = schemas.scenario.safeParse(raw);
    // Expectations YAML read as mappings get one clear problem (from checkExpectation), not zod's.
    const suppressed: Path[] = [];
    if (Array.isArray(raw["steps"])) {
      raw["steps"].forEach((s: unknown, i) => {
        const list = isRecord(s) ? s["expect"] : undefined;
        if (Array.isArray(list)) {
          list.forEach((e: unknown, j) => {
            if (isRecord(e) && Object.keys(e).length === 1 && (Object.keys(e)[0] as string).includes("->")) suppressed.push(["steps", i, "expect", j]);
          });
        }
      });
    }
    if (!parsed.success) {
      const zodProblems: Problem[] = [];
      for (const issue of parsed.error.issues) issueProblems(issue, [], raw, zodProblems);
      const under = (p: Path, prefix: Path): boolean => prefix.every((s, i) => p[i] === s);
      this.problems.push(...zodProblems.filter((q) => !suppressed.some((s) => under(q.path, s))));
    }
    const titleBreak = typeof raw["name"] === "string" ? unsafeWhat(raw["name"], UNSAFE_TITLE) : undefined;
    if (titleBreak) this.problem(["name"], `\`name\` contains ${titleBreak}`, "write the name on one line; say more in `description`");
    else this.checkText(["name"], raw["name"], "`name`");
    this.checkText(["description"], raw["description"], "`description`");
    const family = raw["family"];
    if (typeof family === "string" && (FAMILY_CHOICES as readonly string[]).includes(family)) this.defaultFamilies = familiesOf(family as FamilyChoice);
    this.checkNetworks(raw["networks"]);
    this.checkHosts(raw["hosts"]);
    const steps = this.checkSteps(raw["steps"]);
    if (this.problems.length > 0 || !parsed.success || !steps) return undefined;
    const hosts = [...this.hosts.values()].map((h) => h.spec);
    if (hosts.some((h) => h === undefined)) return undefined;
    return {
      file: this.ctx.file,
      name: parsed.data.name,
      description: parsed.data.description,
      hosts: hosts as HostSpec[],
      steps,
      timeoutSeconds: parsed.data.timeout,
      ...(parsed.data.networks ? { networks: [...parsed.data.networks] } : {}),
      parity: parsed.data.parity,
    };
  }
}

// ---------------------------------------------------------------------------
// Entry points

/** The nearest ancestor directory of `dir` (itself included) holding package.json, else `dir`. */
export function findProjectRoot(dir: string): string {
  let cur = path.resolve(dir);
  for (;;) {
    if (statSync(path.join(cur, "package.json"), { throwIfNoEntry: false })?.isFile()) return cur;
    const up = path.dirname(cur);
    if (up === cur) return path.resolve(dir);
    cur = up;
  }
}

/** A scenario file (or text) that cannot be read as scenario text, in words. */
function unreadable(file: string, abs: string, f: ReadFailure): ScenarioError {
  switch (f.kind) {
    case "missing":
      if ((f.error as NodeJS.ErrnoException).code === "ENOENT") return fileDiagnostic(file, "scenario file not found", `looked for ${abs}`);
      return fileDiagnostic(file, `cannot read the scenario file: ${f.error.message}`, "check the path and its permissions");
    case "unreadable":
      return fileDiagnostic(file, `cannot read the scenario file: ${f.error.message}`, f.stage === "stat" ? "check the path and its permissions" : "check the file's permissions");
    case "not-file":
      return fileDiagnostic(file, `the scenario path is ${f.what}, not a file`, "name a .yaml scenario file");
    case "empty":
      return fileDiagnostic(file, "the scenario file is empty", "start with `name:`, `description:`, `hosts:` and `steps:`");
    case "too-large":
      return fileDiagnostic(file, `the scenario file is larger than 1 MiB (${f.size} bytes)`, "a scenario is a short YAML file; is this the right file?");
    case "binary":
      return fileDiagnostic(file, "the scenario file is binary (it contains NUL bytes)", "a scenario is a YAML text file", f.line, f.column);
    case "not-utf8":
      return fileDiagnostic(file, "the scenario file is not UTF-8 text", "save it as UTF-8");
    default:
      // Path-safety failures: a scenario file is read without a root.
      return fileDiagnostic(file, `cannot read the scenario file (${f.kind})`, "check the path");
  }
}

/** The diagnostics of a check, or the scenario. */
function verdict(result: { scenario: Scenario | undefined; problems: readonly Problem[] }, display: string, locator: Locator, inline: boolean, before: readonly Diagnostic[] = []): Scenario {
  const diagnostics = [...before, ...toDiagnostics(result.problems, display, locator, inline)].sort((a, b) => a.line - b.line || a.column - b.column);
  if (diagnostics.length > 0) throw new ScenarioError(diagnostics);
  if (!result.scenario) throw fileDiagnostic(display, "invalid scenario", "(no details: please report this)");
  return result.scenario;
}

/**
 * Parses scenario YAML. `file` names it in diagnostics and anchors relative
 * paths (fixture files are read synchronously); the project root is the nearest
 * ancestor of its directory with a package.json unless given.
 */
export function parseScenarioText(text: string, file: string, opts: { projectRoot?: string } = {}): Scenario {
  const abs = path.resolve(file);
  const failure = textFailure(text);
  if (failure) throw unreadable(file, abs, failure);
  const { raw, locator, syntax } = parseYaml(text, file);
  const projectRoot = path.resolve(opts.projectRoot ?? findProjectRoot(path.dirname(abs)));
  const checker = new Checker({ file: abs, baseDir: path.dirname(abs), projectRoot, locator });
  const scenario = checker.run(raw);
  return verdict({ scenario, problems: checker.problems }, file, locator, false, syntax);
}

function fromFile(file: string, read: ReadResult): Scenario {
  if (!read.ok) throw unreadable(file, path.resolve(file), read.failure);
  return parseScenarioText(read.text, file);
}

/** Reads, parses and validates a scenario file, and reads the fixture files it names. */
export async function loadScenario(file: string): Promise<Scenario> {
  return fromFile(file, await readTextFile(path.resolve(file)));
}

/** `loadScenario`, synchronously (for vitest collection and `fwspec validate`). */
export function loadScenarioSync(file: string): Scenario {
  return fromFile(file, readTextFileSync(path.resolve(file)));
}

/**
 * A scenario written in TypeScript: the same validation as YAML files.
 * Diagnostics point at `file` line 1 column 1 and name the path inside the
 * object (`steps[1].expect[0]: ...`). Relative fixture paths resolve against
 * `baseDir` (default: the directory of `file`, else the working directory).
 */
export function defineScenario(input: ScenarioInput, opts: { file?: string; baseDir?: string } = {}): Scenario {
  const file = opts.file === undefined ? "<inline>" : path.resolve(opts.file);
  const display = opts.file ?? "<inline>";
  const baseDir = path.resolve(opts.baseDir ?? (opts.file === undefined ? process.cwd() : path.dirname(file)));
  const locator = new InlineLocator();
  const checker = new Checker({ file, baseDir, projectRoot: findProjectRoot(baseDir), locator });
  const scenario = checker.run(input as unknown);
  return verdict({ scenario, problems: checker.problems }, display, locator, true);
}
