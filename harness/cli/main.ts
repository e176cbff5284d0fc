#!/usr/bin/env node
/** The `fwspec` command. Exit codes: 0 ok, 1 expectations failed, 2 bad input, 3 environment. */
import { Command, CommanderError } from "commander";
import { EXIT, FwspecError, InputError } from "../errors.ts";
import { consoleProgress } from "../progress.ts";
import { runSetup } from "../env/setup.ts";
import { connectEngine } from "../env/engine.ts";
import { removeAll } from "../lab/resources.ts";
import { FAMILIES } from "../model/types.ts";
import { renderChecks, runDoctor } from "./doctor.ts";
import { runScenarios } from "./run.ts";
import { validateFiles } from "./validate.ts";

function fail(error: unknown): never {
  if (error instanceof FwspecError) {
    process.stderr.write(`fwspec: ${error.report()}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`fwspec: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(EXIT.failed);
}

export function buildProgram(): Command {
  const program = new Command("fwspec")
    .description("Executable specifications for Linux firewalls, proven with real packets in containers.")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command("setup")
    .description("prepare this machine: find or start a Docker engine (installing docker.io as root on Debian/Ubuntu), build the lab image")
    .option("-q, --quiet", "print only problems")
    .action(async (opts: { quiet?: boolean }) => {
      const progress = opts.quiet ? { step: () => {}, info: () => {} } : consoleProgress();
      const result = await runSetup(progress);
      if (!opts.quiet) process.stdout.write(`fwspec setup: ready (lab image ${result.image})\n`);
    });

  program
    .command("run")
    .description("run scenarios (files, directories or globs; default scenarios/) with real containers and packets")
    .argument("[paths...]", "scenario files, directories or globs", [])
    .option("--json <file>", "write the JSON report to <file>")
    .option("--junit <file>", "write a JUnit XML report to <file>")
    .option("-t, --filter <pattern>", "run only checks whose name matches <pattern> (a regular expression)")
    .option("--family <family>", "probe this family for every expectation: ipv4, ipv6 or both")
    .option("--timeout <seconds>", "probe timeout in whole seconds (overrides the scenarios)")
    .option("--shard <index/count>", "run one shard of the scenario files, e.g. 1/3 (for splitting across CI machines)")
    .addHelpText("after", "\nExit codes: 0 every expectation held, 1 an expectation failed or a scenario errored,\n2 bad input (nothing started), 3 environment problem (no Docker engine, image build failed).")
    .action(async (paths: string[], opts: { json?: string; junit?: string; filter?: string; family?: string; timeout?: string; shard?: string }) => {
      if (opts.family !== undefined && opts.family !== "both" && !(FAMILIES as readonly string[]).includes(opts.family)) {
        throw new InputError(`--family must be ipv4, ipv6 or both, not \`${opts.family}\``);
      }
      const timeout = opts.timeout === undefined ? undefined : Number(opts.timeout);
      if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > 30)) {
        throw new InputError(`--timeout must be a whole number of seconds from 1 to 30, not \`${opts.timeout}\``, { hint: "OpenBSD nc -w accepts whole seconds only" });
      }
      if (opts.shard !== undefined && !/^\d+\/\d+$/.test(opts.shard)) throw new InputError(`--shard must look like 1/3, not \`${opts.shard}\``);
      const code = await runScenarios(paths, {
        ...(opts.json ? { json: opts.json } : {}),
        ...(opts.junit ? { junit: opts.junit } : {}),
        ...(opts.filter ? { filter: opts.filter } : {}),
        ...(opts.family ? { family: opts.family as "ipv4" | "ipv6" | "both" } : {}),
        ...(timeout ? { timeout } : {}),
        ...(opts.shard ? { shard: opts.shard } : {}),
      }, consoleProgress());
      process.exitCode = code;
    });

  program
    .command("validate")
    .description("check scenario files without Docker: every problem with file:line:column and a hint")
    .argument("[paths...]", "scenario files, directories or globs", [])
    .action((paths: string[]) => {
      const { files } = validateFiles(paths);
      process.stdout.write(`${files.length} scenario file(s) valid\n`);
    });

  program
    .command("doctor")
    .description("check the engine, the lab image and kernel features (ip6tables, legacy backend, conntrack), each with a fix")
    .action(async () => {
      const checks = await runDoctor();
      process.stdout.write(renderChecks(checks));
      process.exitCode = checks.every((c) => c.ok) ? EXIT.ok : EXIT.environment;
    });

  program
    .command("cleanup")
    .description("remove every fwspec container and network on this engine, and say what was removed")
    .action(async () => {
      const docker = await connectEngine();
      const removed = await removeAll(docker);
      const lines = [
        ...removed.containers.map((c) => `removed container ${c}`),
        ...removed.networks.map((n) => `removed network ${n}`),
      ];
      process.stdout.write(lines.length > 0 ? `${lines.join("\n")}\n` : "nothing to remove\n");
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.badInput);
    }
    fail(error);
  }
}

if (import.meta.main) await main(process.argv.slice(2));
