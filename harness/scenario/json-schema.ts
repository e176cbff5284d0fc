/**
 * Generates schema/scenario.schema.json (for editors: scenario files may start
 * with `# yaml-language-server: $schema=../schema/scenario.schema.json`).
 *
 *     node harness/scenario/json-schema.ts           writes the file
 *     node harness/scenario/json-schema.ts --check   exits 1 if the file is stale
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { PACKAGE_ROOT } from "../env/package-root.ts";
import { scenarioSchema } from "./schema.ts";

/** In the fwspec package (a checkout or the installed package alike). */
export const SCHEMA_FILE = path.join(PACKAGE_ROOT, "schema/scenario.schema.json");

/** The JSON Schema text, as committed. */
export function scenarioJsonSchema(): string {
  const schema = z.toJSONSchema(scenarioSchema, { io: "input", target: "draft-7" });
  return `${JSON.stringify(schema, null, 2)}\n`;
}

function main(argv: readonly string[]): number {
  const text = scenarioJsonSchema();
  const relative = path.relative(process.cwd(), SCHEMA_FILE) || SCHEMA_FILE;
  if (argv.includes("--check")) {
    let current: string | undefined;
    try {
      current = readFileSync(SCHEMA_FILE, "utf8");
    } catch {
      current = undefined;
    }
    if (current === text) {
      process.stdout.write(`${relative} is up to date\n`);
      return 0;
    }
    process.stderr.write(`${relative} is ${current === undefined ? "missing" : "stale"}; run: node harness/scenario/json-schema.ts\n`);
    return 1;
  }
  mkdirSync(path.dirname(SCHEMA_FILE), { recursive: true });
  writeFileSync(SCHEMA_FILE, text);
  process.stdout.write(`wrote ${relative}\n`);
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
