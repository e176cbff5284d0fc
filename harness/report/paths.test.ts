/** Unit tests (table-driven, no Docker) for paths.ts: report names of scenario files. */
import { describe, expect, test } from "vitest";
import { displayPath } from "./paths.ts";

describe("displayPath", () => {
  test.each([
    ["/repo/scenarios/a.yaml", "/repo", "scenarios/a.yaml"],
    ["/home/ci/build/repo/scenarios/a.yaml", "/home/ci/build/repo", "scenarios/a.yaml"],
    ["/repo/firewall/spec.yaml", "/repo/infra", "../firewall/spec.yaml"],
    ["/repo/a.yaml", "/repo/", "a.yaml"],
    ["scenarios/a.yaml", "/repo", "scenarios/a.yaml"],
    ["/repo/a.yaml", undefined, "/repo/a.yaml"],
  ] as const)("%s from %s", (file, base, out) => expect(displayPath(file, base)).toBe(out));
});
