/**
 * The target list embedded in fwspec (image-targets.ts, which plain `fwspec
 * validate` checks jumps against without any lab) is the lab image's: read in
 * a lab host the way the lab-based rule check reads it (xtables.ts).
 */
import { expect, it } from "vitest";
import { FAMILIES } from "../model/types.ts";
import { firewallHost, startTestLab } from "../testing/lab.ts";
import { IMAGE_TARGETS } from "./image-targets.ts";
import { REGENERATE } from "./image-targets-gen.ts";
import { loadableTargets } from "./xtables.ts";

it("image-targets.ts names exactly the target extensions the lab image's iptables can load, per family", async () => {
  await using lab = await startTestLab("image-targets", [firewallHost("fw", [])]);
  for (const family of FAMILIES) {
    const real = await loadableTargets(lab.host("fw"), family);
    expect(real, `${family}: the lab host's xtables folder could not be read`).toBeDefined();
    expect([...IMAGE_TARGETS[family]].sort(), `${family}: harness/rules/image-targets.ts differs from the lab image; regenerate it: ${REGENERATE}`).toEqual([...real!].sort());
  }
});
