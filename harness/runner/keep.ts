/**
 * `fwspec run --keep` / `--keep-on-failure`: which scenarios' labs are left
 * running (pure), and keeping one (a lab that cannot be kept is removed as
 * usual, and the progress says why). A kept shared lab is not lent again
 * (run-set.ts): it holds exactly its scenario's state.
 */
import { errorMessage } from "../errors.ts";
import type { KeptLab, RunningLab } from "../lab/types.ts";
import type { Progress } from "../progress.ts";
import type { ScenarioStatus } from "../report/model.ts";

/** "all": every scenario's lab; "failed": the labs of scenarios that failed or errored. */
export type KeepMode = "all" | "failed";

export function keepsLab(mode: KeepMode | undefined, status: ScenarioStatus): boolean {
  return mode === "all" || (mode === "failed" && status !== "passed");
}

/** Marks `lab` kept; undefined (said on the progress) when it cannot be. */
export async function keepLab(lab: RunningLab, scenario: string, progress: Progress): Promise<KeptLab | undefined> {
  try {
    const kept = await lab.keep();
    progress.info(`kept the lab of ${scenario} (${kept.lab}) until ${kept.until}`);
    return kept;
  } catch (error) {
    progress.info(`could not keep the lab of ${scenario}: ${errorMessage(error)}`);
    return undefined;
  }
}
