/**
 * The `fwspec` command's entry module (what bin/fwspec runs): refuses a Node
 * older than fwspec supports with one line instead of a stack trace, then
 * calls main() (unconditionally: `import.meta.main` does not exist before Node 24).
 */
import { EXIT } from "../errors.ts";
import { nodeVersionProblem, OLDEST_NODE } from "./node-version.ts";

const problem = nodeVersionProblem(process.versions.node);
if (problem) {
  process.stderr.write(`fwspec: ${problem}\n  hint: put Node ${OLDEST_NODE} or later first on PATH (nvm, the distribution's package, or npm install --prefix DIR node@${OLDEST_NODE})\n`);
  process.exitCode = EXIT.environment;
} else {
  const { main } = await import("./main.ts");
  await main(process.argv.slice(2));
}
