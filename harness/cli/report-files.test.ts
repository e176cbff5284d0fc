/** Unit tests (no Docker) for report-files.ts: folders made as needed, a path that cannot be made is one error (never a hang). */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../errors.ts";
import { fsReason, notAFolder, writeOutputFile, writeReportFile } from "./report-files.ts";

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

describe("writeOutputFile (fwspec record's scenario)", () => {
  test("creates missing folders, writes, replaces an existing file", () => {
    const file = join(mkdtempSync(join(tmpdir(), "fwspec-rf-")), "a", "x.yaml");
    expect(writeOutputFile(file, "one\n", "x.yaml", "h")).toBeUndefined();
    expect(writeOutputFile(file, "two\n", "x.yaml", "h")).toBeUndefined();
    expect(readFileSync(file, "utf8")).toBe("two\n");
  });

  test("a file that cannot be opened: one line in the file system's words, nothing changed, exit 4", () => {
    const file = join(mkdtempSync(join(tmpdir(), "fwspec-rf-")), "x.yaml");
    mkdirSync(file);
    const problem = writeOutputFile(file, "text", "x.yaml", "make x.yaml writable");
    expect(problem?.message).toBe("cannot write x.yaml: illegal operation on a directory; nothing was changed");
    expect([problem?.hint, problem?.exitCode]).toEqual(["make x.yaml writable", EXIT.internal]);
  });
});

describe("notAFolder: a file where --out needs a folder, found before a lab starts", () => {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-rf-"));
  writeFileSync(join(dir, "rules.sh"), "");
  test.each<[string, string, string | undefined]>([
    ["an existing folder", dir, undefined],
    ["folders still to be made", join(dir, "a", "b"), undefined],
    ["a file", join(dir, "rules.sh"), join(dir, "rules.sh")],
    ["under a file", join(dir, "rules.sh", "a"), join(dir, "rules.sh")],
  ])("%s", (_, folder, blocker) => {
    expect(notAFolder(folder)).toBe(blocker);
  });
});

describe("fsReason", () => {
  test.each([
    ["EPERM: operation not permitted, open '/p/trunc2.yaml'", "operation not permitted"],
    ["EACCES: permission denied, open '/p/x.yaml'", "permission denied"],
    ["EROFS: read-only file system, open '/p/x.yaml'", "read-only file system"],
    ["something else\nsecond line", "something else"],
  ])("%s", (message, reason) => {
    expect(fsReason(new Error(message))).toBe(reason);
  });
});
