// Tests the package-root walk: the same root from harness/ (checkout) and dist/harness/ (installed package).
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT, packageRootFrom } from "./package-root.ts";

const manifests = (...dirs: string[]) => (dir: string) => dirs.includes(dir);

describe("packageRootFrom", () => {
  it.each([
    ["a checkout's harness/env", "/src/fwspec/harness/env", ["/src/fwspec"], "/src/fwspec"],
    ["the built dist/harness/env", "/src/fwspec/dist/harness/env", ["/src/fwspec"], "/src/fwspec"],
    ["an installed package, not the user's repo above it", "/repo/node_modules/fwspec/dist/harness/env", ["/repo", "/repo/node_modules/fwspec"], "/repo/node_modules/fwspec"],
    ["the directory itself", "/p", ["/p"], "/p"],
  ])("%s", (_name, dir, roots, expected) => {
    expect(packageRootFrom(dir, manifests(...roots))).toBe(expected);
  });

  it("no package.json anywhere is an error naming the start", () => {
    expect(() => packageRootFrom("/a/b", manifests())).toThrow(/no package.json above \/a\/b/);
  });

  it("this checkout's root holds docker/ and the package manifest", () => {
    expect(path.basename(path.join(PACKAGE_ROOT, "docker"))).toBe("docker");
    expect(PACKAGE_ROOT).toBe(path.resolve(import.meta.dirname, "../.."));
  });
});
