/**
 * For validation tests: the one diagnostic of a scenario text, which must be
 * where the text's `‸` mark stands (the mark is removed before parsing).
 */
import { expect } from "vitest";
import { parseScenarioText, ScenarioError } from "../scenario/load.ts";
import type { MachineRoute } from "../scenario/subnets.ts";

export const MARK = "‸";

/** The message and hint (`message\nhint`) of the text's one diagnostic, checked to be at the mark. */
export function onlyProblemAtMark(text: string, file: string, machineRoutes?: readonly MachineRoute[]): string {
  const i = text.indexOf(MARK);
  const before = text.slice(0, i);
  // The column in characters (code points: an emoji is one), as fwspec reports it.
  const want = { line: before.split("\n").length, column: [...before.slice(before.lastIndexOf("\n") + 1)].length + 1 };
  try {
    parseScenarioText(text.replace(MARK, ""), file, machineRoutes ? { machineRoutes } : {});
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    const d = (error as ScenarioError).diagnostics;
    expect(d.map((x) => x.message)).toHaveLength(1);
    expect({ line: d[0]!.line, column: d[0]!.column }).toEqual(want);
    return `${d[0]!.message}\n${d[0]!.hint ?? ""}`;
  }
  throw new Error("accepted");
}
