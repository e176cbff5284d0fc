/**
 * Test fixture: a folder of its own for a test file's rules files, removed
 * after its tests (vitest afterAll); `file(name, lines)` writes one there and
 * returns its name, as a scenario (defined with `baseDir: dir`) names it.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

export function ruleFiles(prefix: string): { readonly dir: string; file(name: string, lines: readonly string[]): string } {
  const dir = mkdtempSync(path.join(tmpdir(), `fwspec-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    file(name, lines) {
      writeFileSync(path.join(dir, name), `${lines.join("\n")}\n`);
      return name;
    },
  };
}
