/** Unit tests (no Docker) for report-files.ts: folders made as needed, a path that cannot be made is one error (never a hang). */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { writeReportFile } from "./report-files.ts";

describe("writeReportFile", () => {
  test("creates every missing folder, then writes", () => {
    const file = join(mkdtempSync(join(tmpdir(), "fwspec-rf-")), "a", "b", "r.json");
    expect(writeReportFile("JSON", file, (p) => writeFileSync(p, "{}"))).toBeUndefined();
    expect(readFileSync(file, "utf8")).toBe("{}");
  });

  test("a folder under /proc is an error at once (Node's recursive mkdir never returns there)", () => {
    const problem = writeReportFile("JSON", "/proc/fwspec-no-such/x/r.json", () => {});
    expect(problem?.message).toMatch(/could not write the JSON report to \/proc\/fwspec-no-such\/x\/r\.json/);
  });

  test("a folder that is a file is an error naming the path", () => {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-rf-"));
    writeFileSync(join(dir, "plain"), "");
    expect(writeReportFile("JUnit", join(dir, "plain", "r.xml"), () => {})?.message).toMatch(/could not write the JUnit report/);
  });
});
