// Tests which Node versions the launcher accepts (Node 22 and later, as package.json engines says).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { nodeVersionProblem, OLDEST_NODE } from "./node-version.ts";

describe("nodeVersionProblem", () => {
  it.each([
    ["22.0.0", undefined],
    ["22.23.3", undefined],
    ["24.21.0", undefined],
    ["v25.1.0", undefined],
    ["20.20.2", "Node 20.20.2 is too old (fwspec needs Node 22 or later)"],
    ["18.19.0", "Node 18.19.0 is too old (fwspec needs Node 22 or later)"],
    ["garbage", "Node garbage is too old (fwspec needs Node 22 or later)"],
  ])("%s", (version, problem) => {
    expect(nodeVersionProblem(version)).toBe(problem);
  });

  it("agrees with package.json engines", () => {
    const pkg = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../package.json"), "utf8")) as { engines: { node: string } };
    expect(pkg.engines.node).toBe(`>=${OLDEST_NODE}`);
  });
});
