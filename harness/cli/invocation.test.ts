/** Unit tests (table-driven, pure) for invocation.ts: how a printed fwspec command line starts for this user. */
import { describe, expect, test } from "vitest";
import { chooseInvocation, firstOnPath, type InvocationFacts } from "./invocation.ts";

/** A global install under `prefix` (npm install -g): the package in lib/node_modules, PATH's `fwspec` a symlink to its launcher, resolved. */
const GLOBAL = "/usr/local/lib/node_modules/fwspec";
const GLOBAL_LAUNCHER = `${GLOBAL}/bin/fwspec`;

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
  ["installed globally, not on PATH (run by its path): the launcher's path (quoted when needed)", { packageRoot: "/opt/my tools/lib/node_modules/fwspec", cwd: "/home/me", launcher: "/opt/my tools/lib/node_modules/fwspec/bin/fwspec" }, "'/opt/my tools/lib/node_modules/fwspec/bin/fwspec'"],
  // PATH's first `fwspec` is this package's launcher (both sides with symlinks resolved): a bare `fwspec` runs it.
  ["installed globally (npm install -g), run as `fwspec` from a project", { packageRoot: GLOBAL, cwd: "/home/me/infra", launcher: GLOBAL_LAUNCHER, fwspecOnPath: GLOBAL_LAUNCHER }, "fwspec"],
  ["installed globally into a prefix with a space: still plain `fwspec`", { packageRoot: "/opt/my tools/lib/node_modules/fwspec", cwd: "/srv", launcher: "/opt/my tools/lib/node_modules/fwspec/bin/fwspec", fwspecOnPath: "/opt/my tools/lib/node_modules/fwspec/bin/fwspec" }, "fwspec"],
  ["installed globally, but another fwspec comes first on PATH: the launcher's path", { packageRoot: GLOBAL, cwd: "/home/me", launcher: GLOBAL_LAUNCHER, fwspecOnPath: "/home/me/.local/lib/node_modules/fwspec/bin/fwspec" }, `${GLOBAL_LAUNCHER}`],
  ["installed globally, no fwspec on PATH", { packageRoot: GLOBAL, cwd: "/home/me", launcher: GLOBAL_LAUNCHER, fwspecOnPath: undefined }, `${GLOBAL_LAUNCHER}`],
  ["installed globally, started through npx: `npx fwspec` as before", { packageRoot: GLOBAL, cwd: "/home/me", launcher: GLOBAL_LAUNCHER, fwspecOnPath: GLOBAL_LAUNCHER, npmLifecycleEvent: "npx" }, "npx fwspec"],
  ["installed into a project whose node_modules/.bin is on PATH, inside it: `npx fwspec` as before", { packageRoot: "/home/me/infra/node_modules/fwspec", cwd: "/home/me/infra", launcher: "/home/me/infra/node_modules/fwspec/bin/fwspec", fwspecOnPath: "/home/me/infra/node_modules/fwspec/bin/fwspec" }, "npx fwspec"],
  ["the checkout, inside it, its launcher on PATH: `npx fwspec` as before", { packageRoot: "/work/main", cwd: "/work/main", launcher: "/work/main/bin/fwspec", fwspecOnPath: "/work/main/bin/fwspec" }, "npx fwspec"],
  ["the checkout's launcher linked into ~/bin, run from another folder: `fwspec`", { packageRoot: "/work/main", cwd: "/tmp/project", launcher: "/work/main/bin/fwspec", fwspecOnPath: "/work/main/bin/fwspec" }, "fwspec"],
  ["launcher not resolved: never `fwspec`", { packageRoot: GLOBAL, cwd: "/home/me", launcher: undefined, fwspecOnPath: GLOBAL_LAUNCHER }, `${GLOBAL_LAUNCHER}`],
];

describe("chooseInvocation", () => {
  test.each(CASES)("%s", (_title, facts, expected) => {
    expect(chooseInvocation(facts)).toBe(expected);
  });
});

describe("firstOnPath: the file a shell runs for a bare `fwspec`", () => {
  // [title, PATH, current folder, the executable files there are, expected]
  const cases: readonly [string, string, string, readonly string[], string | undefined][] = [
    ["npm's global bin first", "/usr/local/bin:/usr/bin", "/home/me", ["/usr/local/bin/fwspec", "/usr/bin/fwspec"], "/usr/local/bin/fwspec"],
    ["the first entry that has one", "/home/me/bin:/tmp/g/bin:/usr/bin", "/home/me", ["/tmp/g/bin/fwspec", "/usr/bin/fwspec"], "/tmp/g/bin/fwspec"],
    ["none on PATH", "/usr/local/bin:/usr/bin", "/home/me", [], undefined],
    ["an empty PATH", "", "/home/me", ["/home/me/fwspec"], undefined],
    ["an empty entry is the current folder", "/usr/bin::/bin", "/home/me", ["/home/me/fwspec", "/bin/fwspec"], "/home/me/fwspec"],
    ["a relative entry is from the current folder", "node_modules/.bin:/usr/bin", "/home/me/infra", ["/home/me/infra/node_modules/.bin/fwspec"], "/home/me/infra/node_modules/.bin/fwspec"],
  ];
  test.each(cases)("%s", (_title, pathVar, cwd, executables, expected) => {
    expect(firstOnPath("fwspec", pathVar, cwd, (file) => executables.includes(file))).toBe(expected);
  });
});
