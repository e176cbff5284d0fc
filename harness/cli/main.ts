#!/usr/bin/env node
/** The `fwspec` command. Exit codes: 0 ok, 1 expectations failed, 2 bad input, 3 environment. */
import { Command, CommanderError } from "commander";
import { EXIT, FwspecError } from "../errors.ts";
import { consoleProgress } from "../progress.ts";
import { runSetup } from "../env/setup.ts";
import { connectEngine } from "../env/engine.ts";
import { removeAll } from "../lab/resources.ts";

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
