/**
 * Where the fwspec package itself lives (docker/, schema/): the nearest
 * ancestor of a module's directory holding a package.json. The same answer
 * from harness/ (a development checkout, TypeScript run directly) and from
 * dist/harness/ (the built package under node_modules): dist/ has no
 * package.json of its own.
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { EnvironmentError } from "../errors.ts";

/** Pure walk: the nearest of `dir` and its ancestors for which `hasManifest` holds. */
export function packageRootFrom(dir: string, hasManifest: (dir: string) => boolean): string {
  const start = path.resolve(dir);
  for (let cur = start; ; cur = path.dirname(cur)) {
    if (hasManifest(cur)) return cur;
    if (path.dirname(cur) === cur) throw new EnvironmentError(`no package.json above ${start}: fwspec's files are incomplete`, { hint: "reinstall fwspec from the tarball or git URL you installed it from (npm install -D ./vendor/fwspec-<version>.tgz)" });
  }
}

const hasPackageJson = (dir: string): boolean => statSync(path.join(dir, "package.json"), { throwIfNoEntry: false })?.isFile() === true;

/** The root of the fwspec package this module belongs to. */
export const PACKAGE_ROOT = packageRootFrom(import.meta.dirname, hasPackageJson);

/** The version in fwspec's own package.json (the checkout's or the installed package's). */
export function packageVersion(): string {
  return String((JSON.parse(readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { version?: unknown }).version ?? "unknown");
}
