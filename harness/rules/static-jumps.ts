/**
 * Jumps to nothing found without any lab (pure): `-j`/`-g` naming neither a
 * verdict, a target extension of the lab image's iptables (image-targets.ts,
 * generated from the image), nor a chain that can exist when the rule is
 * added. `fwspec validate` reports them as the lab-based check does
 * (missing-jumps.ts, same words; runner/rule-syntax.ts merges the two).
 *
 * Only what is certainly wrong:
 * - restore files: a table block starts its table afresh (iptables-restore
 *   without --noflush replaces the table), so only the chains the block
 *   itself creates count, exactly as missing-jumps.ts reads the block;
 * - iptables/ip6tables commands (command lists, scripts of nothing but such
 *   lines; rules that are added: `-A`, `-I`, `-R`): a chain may come from any
 *   source of the scenario, of any host, table or family, before or after
 *   (`-N`, `-E`, a restore file's chains, an `iptables` run step); a name an
 *   nft source, a script with shell syntax or other programs, or a firewall
 *   host's other run steps write anywhere may be one of theirs; after such a
 *   script or run step (reboots included: saved rules come back) the
 *   commands are not judged at all (it may make chains under names it
 *   computes); Docker's DNS chains (`DOCKER_OUTPUT` …) are in every lab
 *   host's nat table;
 * - nftables files that start over (`flush ruleset`): a `jump`/`goto` to a
 *   chain the file declares nowhere in that table (rules/nft-static-jumps.ts).
 */
import type { Family } from "../model/types.ts";
import type { RuleSource, Scenario, Step } from "../scenario/model.ts";
import { IMAGE_TARGETS } from "./image-targets.ts";
import { BUILT_IN_CHAINS, missingJumps, missingMessage, noSuchTarget, restoreChains, VERDICTS } from "./missing-jumps.ts";
import { type NftMissingJump, nftMissingJumpMessage, nftMissingJumps } from "./nft-static-jumps.ts";
import { commandFamily, scriptCommands, withStandIns } from "./syntax-lines.ts";

/** A jump to nothing at a line of a file: a rules file's own line, or the scenario's for a listed command. */
export interface StaticJumpProblem {
  readonly file: string;
  readonly line: number;
  /** 1-based: the jump's option in a rules file's line, the command's start in a scenario's list. */
  readonly column?: number | undefined;
  readonly family: Family | "nft";
  readonly message: string;
}

/** Where `-j NAME` (`--jump`, `-g`, `--goto`) stands in a line (1-based), if it does. */
export function jumpColumn(line: string | undefined, option: "-j" | "-g", name: string): number | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const spelled = option === "-j" ? "-j|--jump" : "-g|--goto";
  const m = new RegExp(`(^|\\s)(?:${spelled})(?:\\s+|=)${escaped}(?=\\s|$)`).exec(line ?? "");
  return m ? m.index + m[1]!.length + 1 : undefined;
}

/** Where `jump NAME` stands in the line as written (placeholders change the columns of the line read). */
function nftJumpColumn(line: string | undefined, j: NftMissingJump): number | undefined {
  const m = new RegExp(`\\b${j.verb}\\s+${j.chain.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w./-])`).exec(line ?? "");
  return m ? m.index + 1 : undefined;
}

export type TargetLists = Readonly<Record<Family, ReadonlySet<string>>>;

const IMAGE: TargetLists = { ipv4: new Set(IMAGE_TARGETS.ipv4), ipv6: new Set(IMAGE_TARGETS.ipv6) };

const JUMPS: Readonly<Record<string, "-j" | "-g">> = { "-j": "-j", "--jump": "-j", "-g": "-g", "--goto": "-g" };
/** The commands that add a rule (long forms with `=`, short ones with the chain attached: `-AINPUT`). */
const ADDS = /^(-[AIR]|--append|--insert|--replace)$|^--(append|insert|replace)=|^-[AIR]\S/;
/** Chains Docker makes in a lab host's nat table for its DNS (rules/reset.ts keeps them). */
const DOCKER = /^DOCKER/;

/** The chain names an iptables command's words may create (`-N X`, `--new-chain=X`, `-NX`, `-E OLD X`): read generously, more names only mean fewer reports. */
function createdBy(words: readonly string[]): string[] {
  return words.flatMap((w, i) => {
    if (w === "-N" || w === "--new-chain") return words.slice(i + 1, i + 2);
    if (w === "-E" || w === "--rename-chain") return words.slice(i + 2, i + 3);
    const attached = /^(?:--new-chain=|-N)(.+)$/.exec(w)?.[1];
    if (attached !== undefined) return [attached];
    return /^(?:--rename-chain=|-E).+$/.test(w) ? words.slice(i + 1, i + 2) : [];
  });
}

/** The jumps of a command that adds a rule: `-j NAME`, `--jump NAME`, `-g NAME`, `--goto NAME`. */
function jumpsOf(words: readonly string[]): { option: "-j" | "-g"; name: string }[] {
  if (!words.some((w) => ADDS.test(w))) return [];
  return words.flatMap((w, i) => {
    const option = JUMPS[w];
    const name = words[i + 1];
    return option && name !== undefined && name !== "" && !name.startsWith("-") ? [{ option, name }] : [];
  });
}

interface CommandJump {
  readonly file: string;
  readonly line: number;
  readonly column: number | undefined;
  readonly family: Family;
  readonly option: "-j" | "-g";
  readonly name: string;
  /** Its source's place among the scenario's sources: problems are told in step order. */
  readonly order: number;
}

/** What a scenario's sources show: the chains they create, the texts that may make others, the command jumps to judge. */
class Reading {
  readonly chains = new Set<string>();
  readonly opaque: string[] = [];
  readonly jumps: CommandJump[] = [];
  /** Restore files with placeholders read as the lab check reads them; `written`: the file as written (columns). */
  readonly restores: (Extract<RuleSource, { kind: "restore" }> & { readonly order: number; readonly written: string })[] = [];
  /** nftables files, read alike (rules/nft-static-jumps.ts). */
  readonly nft: (Extract<RuleSource, { kind: "nft" }> & { readonly order: number; readonly written: string })[] = [];
  /** Sources read so far. */
  private order = 0;
  /** A source that may make chains under names it computes was seen: later commands are not judged. */
  private after = false;

  /** Text that may make chains fwspec cannot read; `computes`: under names it may compute. */
  unread(text: string, computes: boolean): void {
    this.opaque.push(text);
    if (computes) this.after = true;
  }

  /**
   * `judged`: its jumps count (not a run step's: it may be meant to fail). `column`: the jump's column, from the
   * line as written (`text`), else where the command starts.
   */
  command(argv: readonly string[], file: string, line: number, judged = true, column: { readonly text?: string; readonly start?: number } = {}): void {
    const family = commandFamily(argv);
    if (family === undefined) {
      this.unread(argv.join(" "), argv[0] !== "nft");
      return;
    }
    const words = argv.slice(1);
    for (const c of createdBy(words)) this.chains.add(c);
    const order = this.order;
    if (judged && !this.after) this.jumps.push(...jumpsOf(words).map((j) => ({ file, line, column: (column.text === undefined ? undefined : jumpColumn(column.text, j.option, j.name)) ?? column.start, family, order, ...j })));
  }

  source(source: RuleSource, fallback: Step["location"]): void {
    this.order++;
    switch (source.kind) {
      case "restore": {
        const content = withStandIns(source.content);
        for (const c of restoreChains(content)) this.chains.add(c);
        this.restores.push({ ...source, content, order: this.order, written: source.content });
        return;
      }
      case "nft":
        this.unread(source.content, false);
        this.nft.push({ ...source, content: withStandIns(source.content), order: this.order, written: source.content });
        return;
      case "script": {
        const commands = scriptCommands(withStandIns(source.content));
        if (commands === undefined) this.unread(source.content, true);
        const lines = source.content.split("\n");
        for (const c of commands ?? []) this.command(c.argv, source.path, c.line, true, { text: lines[c.line - 1] });
        return;
      }
      case "commands": {
        // A list with another program in it is left to the run, as by the lab check.
        if (source.commands.some((argv) => commandFamily(argv) === undefined && argv[0] !== "nft")) this.unread(source.commands.map((a) => a.join(" ")).join("\n"), true);
        source.commands.forEach((argv, i) => {
          const where = source.locations?.[i];
          this.command(argv.map(withStandIns), (where ?? fallback).file, (where ?? fallback).line, true, { start: where?.column });
        });
      }
    }
  }
}

function read(scenario: Scenario): Reading {
  const reading = new Reading();
  for (const step of scenario.steps) {
    if (step.kind === "apply") for (const source of step.sources) reading.source(source, step.location);
    // Only a firewall host may change its rules (NET_ADMIN); an unknown host counts as one.
    if (step.kind === "run" && scenario.hosts.find((h) => h.name === step.host)?.firewall !== false) reading.command(step.command, step.location.file, step.location.line, false);
  }
  return reading;
}

function problemsOf(scenario: Scenario, targets: TargetLists): StaticJumpProblem[] {
  const reading = read(scenario);
  const restores = reading.restores.flatMap((r) => {
    const lines = r.written.split("\n");
    return missingJumps(r.content, targets[r.family]).map((j) => ({ order: r.order, file: r.path, line: j.line, column: jumpColumn(lines[j.line - 1], j.option, j.name), family: r.family, message: missingMessage(j, r.content, targets[r.family]) }));
  });
  const nft = reading.nft.flatMap((r) => {
    const lines = r.written.split("\n");
    return nftMissingJumps(r.content).map((j) => ({ order: r.order, file: r.path, line: j.line, column: nftJumpColumn(lines[j.line - 1], j) ?? j.column, family: "nft" as const, message: nftMissingJumpMessage(j, r.content) }));
  });
  const known = (name: string, family: Family): boolean =>
    VERDICTS.includes(name) || BUILT_IN_CHAINS.includes(name) || targets[family].has(name) || reading.chains.has(name) || DOCKER.test(name) || reading.opaque.some((t) => t.includes(name));
  const commands = reading.jumps.filter((j) => !known(j.name, j.family))
    .map((j) => ({ order: j.order, file: j.file, line: j.line, column: j.column, family: j.family, message: noSuchTarget(j, targets[j.family], reading.chains) }));
  // In step order (a stable sort keeps each source's lines in order).
  return [...restores, ...nft, ...commands].sort((a, b) => a.order - b.order).map(({ order: _order, ...p }) => p);
}

/** Every jump to nothing of the scenarios' iptables sources, each line once (a file several scenarios apply, too). */
export function staticMissingJumps(scenarios: readonly Scenario[], targets: TargetLists = IMAGE): StaticJumpProblem[] {
  const seen = new Map<string, StaticJumpProblem>();
  for (const p of scenarios.flatMap((s) => problemsOf(s, targets))) seen.set(JSON.stringify([p.file, p.line, p.family, p.message]), p);
  return [...seen.values()];
}
