/**
 * Writes image-targets.ts: the target extensions the lab image's iptables can
 * load, per family, as the rule check reads them in a lab host (xtables.ts's
 * folder listing, names by missing-jumps.ts). The static jump check
 * (static-jumps.ts) uses them without any lab; image-targets.integration.test.ts
 * fails when the image's list differs, naming REGENERATE. The listing runs in
 * a throw-away container of the lab image with no network.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { labImageTag } from "../env/images.ts";
import { FAMILIES, type Family } from "../model/types.ts";
import { extensionTargets } from "./missing-jumps.ts";
import { XTABLES_LISTING } from "./xtables.ts";

/** How to bring image-targets.ts up to date (the image first: its tag is the docker/ folder's hash). */
export const REGENERATE = "node harness/cli/main.ts setup && node harness/rules/image-targets-gen.ts";

const MODULE = fileURLToPath(new URL("./image-targets.ts", import.meta.url));

/** The module's text: each family's names sorted, one line each. */
export function renderImageTargets(targets: Readonly<Record<Family, readonly string[]>>, image: string): string {
  const lines = FAMILIES.map((f) => `  ${f}: [${[...targets[f]].sort().map((n) => JSON.stringify(n)).join(", ")}],`);
  return [
    "/**",
    " * Generated: do not edit. The target extensions the lab image's iptables can",
    ` * load, per family (the upper-case modules of its xtables folder), read from ${image}.`,
    ` * Regenerate: ${REGENERATE}`,
    " * (image-targets.integration.test.ts compares it with the image).",
    " */",
    'import type { Family } from "../model/types.ts";',
    "",
    "export const IMAGE_TARGETS: Readonly<Record<Family, readonly string[]>> = {",
    ...lines,
    "};",
    "",
  ].join("\n");
}

/** The lab image's xtables folder listing, in a container with no network (`ls` exits 2 for the folders that image lacks: its output counts, as in a lab host). */
async function imageListing(image: string): Promise<string[]> {
  const [program, ...args] = XTABLES_LISTING;
  const r = await execa("docker", ["run", "--rm", "--network", "none", "--entrypoint", program!, image, ...args], { reject: false });
  if (r.stderr.trim() !== "") process.stderr.write(`${r.stderr.trim()}\n`);
  return r.stdout.split("\n");
}

async function main(): Promise<number> {
  const image = labImageTag();
  const listing = await imageListing(image);
  const targets = {} as Record<Family, readonly string[]>;
  for (const family of FAMILIES) {
    const names = extensionTargets(listing, family);
    if (names === undefined) {
      process.stderr.write(`no xtables extensions found in ${image}: is it built (\`node harness/cli/main.ts setup\`)?\n`);
      return 1;
    }
    targets[family] = [...names];
  }
  writeFileSync(MODULE, renderImageTargets(targets, image));
  process.stdout.write(`wrote ${MODULE} (${FAMILIES.map((f) => `${f}: ${targets[f].length}`).join(", ")} targets of ${image})\n`);
  return 0;
}

if (import.meta.main) process.exitCode = await main();
