/**
 * Applies rules inside a lab host: a shell script (`sh -e`), iptables-restore /
 * ip6tables-restore input (checked with --test first, then loaded atomically),
 * or commands as argument arrays. All or nothing: on any failure the host's
 * rules are restored to what they were before, and the error names the command,
 * its exit code and stderr. Afterwards the loaded ruleset is recorded as evidence.
 */
import { randomBytes } from "node:crypto";
import { CommandError, LabError } from "../errors.ts";
import type { StartedHost } from "../lab/lab.ts";
import type { Family } from "../model/types.ts";
import type { RuleSource } from "../scenario/model.ts";
import { effectiveDigest, resetInput } from "./reset.ts";

export interface LoadedRuleset {
  readonly ipv4: string;
  readonly ipv6: string;
  /** sha256 of what both rulesets do (no counters, comments or empty ACCEPT tables). */
  readonly digest: string;
}

export interface AppliedRules {
  readonly host: string;
  readonly sources: readonly string[];
  /** What the kernel holds after the apply (iptables-save / ip6tables-save). */
  readonly loaded: LoadedRuleset;
  readonly durationMs: number;
}

const SAVE: Record<Family, string> = { ipv4: "iptables-save", ipv6: "ip6tables-save" };
const RESTORE: Record<Family, string> = { ipv4: "iptables-restore", ipv6: "ip6tables-restore" };

export async function readLoaded(host: StartedHost): Promise<LoadedRuleset> {
  const [ipv4, ipv6] = await Promise.all(
    (["ipv4", "ipv6"] as const).map(async (f) => (await host.run([SAVE[f]], `reading the ${f} ruleset`)).stdout),
  );
  return { ipv4: ipv4!, ipv6: ipv6!, digest: effectiveDigest(ipv4!, ipv6!) };
}

/** A fresh file name inside the host for staged rules (kept there as evidence). */
function stagingPath(host: StartedHost, suffix: string): string {
  return `/tmp/fwspec/${host.name}-${randomBytes(4).toString("hex")}.${suffix}`;
}

function describeSource(source: RuleSource): string {
  switch (source.kind) {
    case "script":
      return `script ${source.path}`;
    case "restore":
      return `${RESTORE[source.family]} ${source.path}`;
    case "commands":
      return `${source.commands.length} command(s)`;
  }
}

async function applyOne(host: StartedHost, source: RuleSource): Promise<void> {
  switch (source.kind) {
    case "script": {
      const target = stagingPath(host, "sh");
      await host.copyFile(source.content, target);
      await host.run(["sh", "-e", target], `rules script ${source.path}`);
      return;
    }
    case "restore": {
      const target = stagingPath(host, `rules.${source.family === "ipv4" ? "v4" : "v6"}`);
      await host.copyFile(source.content, target);
      await host.run([RESTORE[source.family], "--test", target], `checking ${source.path} with ${RESTORE[source.family]} --test`);
      await host.run([RESTORE[source.family], target], `loading ${source.path} with ${RESTORE[source.family]}`);
      return;
    }
    case "commands":
      for (const command of source.commands) await host.run(command, "rule command");
      return;
  }
}

export interface ApplyOptions {
  /** Flush the host's conntrack table afterwards so old flows do not bypass new rules (default true). */
  readonly flushConntrack?: boolean;
}

export async function applyRules(host: StartedHost, sources: readonly RuleSource[], options: ApplyOptions = {}): Promise<AppliedRules> {
  if (!host.spec.firewall) {
    throw new LabError(`${host.name} is not a firewall host; rules are applied only to hosts declared with firewall: true`);
  }
  await host.assertIsolated();
  const started = performance.now();
  const before = await readLoaded(host);
  try {
    for (const source of sources) await applyOne(host, source);
  } catch (error) {
    await restoreRulesets(host, before);
    if (error instanceof CommandError) {
      throw new CommandError(`${error.message}; no rule of this apply step was kept (rolled back)`, error.failure, { cause: error, hint: error.hint });
    }
    throw error;
  }
  if (options.flushConntrack ?? true) await flushConntrack(host);
  return {
    host: host.name,
    sources: sources.map(describeSource),
    loaded: await readLoaded(host),
    durationMs: Math.round(performance.now() - started),
  };
}

/** Puts back earlier rulesets atomically per family: their tables as they were, every other table emptied. */
async function restoreRulesets(host: StartedHost, wanted: LoadedRuleset): Promise<void> {
  const now = await readLoaded(host);
  await Promise.all(
    (["ipv4", "ipv6"] as const).map((family) =>
      host.run([RESTORE[family]], `restoring ${family} rules`, { stdin: resetInput(wanted[family], now[family]) }),
    ),
  );
}

export async function flushConntrack(host: StartedHost): Promise<void> {
  // conntrack -F exits 1 with "0 flow entries" on some versions when empty; only a missing tool is an error.
  const r = await host.exec(["conntrack", "-F"]);
  if (r.exitCode !== 0 && !/flow entries have been deleted|0 flow entries/.test(r.stderr)) {
    throw new CommandError("flushing conntrack failed", { command: r.command, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, where: host.name });
  }
}

/**
 * Resets a host to a known ruleset (normally the one captured right after the
 * host booted): both families restored atomically, conntrack flushed, counters
 * zero. Verified by reading the rules back.
 */
export async function resetRules(host: StartedHost, baseline: LoadedRuleset): Promise<void> {
  await restoreRulesets(host, baseline);
  const [, now] = await Promise.all([flushConntrack(host), readLoaded(host)]);
  if (now.digest !== baseline.digest) {
    throw new LabError(`resetting ${host.name} did not restore its baseline ruleset (digest ${now.digest} ≠ ${baseline.digest})`);
  }
}
