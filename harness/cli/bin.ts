/**
 * The `fwspec` command's entry module (what bin/fwspec runs): refuses a Node
 * older than fwspec supports with one line instead of a stack trace, then
 * calls main() (unconditionally: `import.meta.main` does not exist before Node 24).
 * Node's compile cache (checked against each file's content; in this user's
 * own folder, compile-cache.ts, or NODE_COMPILE_CACHE) roughly halves loading
 * fwspec on every run after the first.
 */
import * as nodeModule from "node:module";
import { tmpdir } from "node:os";
import { EXIT } from "../errors.ts";
import { privateCompileCacheDir } from "./compile-cache.ts";
import { nodeVersionProblem, OLDEST_NODE } from "./node-version.ts";

const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  process.stderr.write(`fwspec: ${problem}\n  hint: put Node ${OLDEST_NODE} or later first on PATH (nvm, the distribution's package, or npm install --prefix DIR node@${OLDEST_NODE})\n`);
  process.exitCode = EXIT.environment;
} else {
  // Best effort: no private folder only means no cache. (A namespace import: a named one of an export this
  // Node lacks would fail before the version check could say so.)
  const chosen = process.env["NODE_COMPILE_CACHE"];
  const dir = chosen ? undefined : privateCompileCacheDir(tmpdir(), process.getuid?.());
  if (chosen || dir !== undefined) nodeModule.enableCompileCache?.(dir);
  const { main } = await import("./main.ts");
  await main(process.argv.slice(2));
}
