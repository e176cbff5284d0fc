/** Unit tests (table-driven, pure) for invocation.ts: how a printed fwspec command line starts for this user. */
import { describe, expect, test } from "vitest";
import { chooseInvocation, type InvocationFacts } from "./invocation.ts";

const CASES: readonly [string, InvocationFacts, string][] = [
  ["installed into a project, run from its top folder (./node_modules/.bin/fwspec)", { packageRoot: "/home/me/infra/node_modules/fwspec", cwd: "/home/me/infra" }, "npx fwspec"],
  ["installed into a project, run from a subfolder", { packageRoot: "/home/me/infra/node_modules/fwspec", cwd: "/home/me/infra/tests/firewall" }, "npx fwspec"],
  ["installed with pnpm (the .pnpm store): the project is the outermost node_modules' folder", { packageRoot: "/p/node_modules/.pnpm/fwspec@0.1.0/node_modules/fwspec", cwd: "/p/sub" }, "npx fwspec"],
  ["started through npx (npm_command=exec)", { packageRoot: "/home/me/infra/node_modules/fwspec", cwd: "/home/me/infra", npmCommand: "exec" }, "npx fwspec"],
  ["started through npx (npm_lifecycle_event=npx), from anywhere", { packageRoot: "/opt/fwspec", cwd: "/tmp", npmLifecycleEvent: "npx" }, "npx fwspec"],
  ["npm exec from outside the package", { packageRoot: "/opt/fwspec", cwd: "/srv", npmCommand: "exec" }, "npx fwspec"],
  ["fwspec's own checkout, run inside it (npx fwspec runs the checkout's launcher there)", { packageRoot: "/work/main", cwd: "/work/main/harness" }, "npx fwspec"],
  ["the checkout under npm run (npm_command=run-script), inside it", { packageRoot: "/work/main", cwd: "/work/main", npmCommand: "run-script", npmLifecycleEvent: "fwspec" }, "npx fwspec"],
  ["the checkout's launcher run from another folder: its absolute path", { packageRoot: "/work/main", cwd: "/tmp/project" }, "/work/main/bin/fwspec"],
  ["a folder beside the checkout whose name starts the same is outside it", { packageRoot: "/work/main", cwd: "/work/main2" }, "/work/main/bin/fwspec"],
  ["installed into another project than the current folder's: the launcher's path", { packageRoot: "/home/me/infra/node_modules/fwspec", cwd: "/home/me/other" }, "/home/me/infra/node_modules/fwspec/bin/fwspec"],
  ["installed globally, run from a project: the launcher's path (quoted when needed)", { packageRoot: "/opt/my tools/lib/node_modules/fwspec", cwd: "/home/me" }, "'/opt/my tools/lib/node_modules/fwspec/bin/fwspec'"],
];

describe("chooseInvocation", () => {
  test.each(CASES)("%s", (_title, facts, expected) => {
    expect(chooseInvocation(facts)).toBe(expected);
  });
});
