/** Unit tests (no Docker) for report-files.ts: folders made as needed, a path that cannot be made is one error (never a hang). */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { EXIT } from "../errors.ts";
import { askedReports, fsReason, notAFolder, refuseReportPaths, reportPathProblems, writeOutputFile, writeReportFile } from "./report-files.ts";

describe("writeReportFile", () => {
  test("creates every missing folder, then writes", () => {
    const file = join(mkdtempSync(join(tmpdir(), "fwspec-rf-")), "a", "b", "r.json");
    expect(writeReportFile("JSON", file, "{}")).toBeUndefined();
    expect(readFileSync(file, "utf8")).toBe("{}");
  });

  test("a folder under /proc is an error at once (Node's recursive mkdir never returns there)", () => {
    const problem = writeReportFile("JSON", "/proc/fwspec-no-such/x/r.json", "{}");
    expect(problem?.message).toMatch(/could not write the JSON report to \/proc\/fwspec-no-such\/x\/r\.json/);
  });

  test("a folder that is a file is an error naming the path", () => {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-rf-"));
    writeFileSync(join(dir, "plain"), "");
    expect(writeReportFile("JUnit", join(dir, "plain", "r.xml"), "<x/>")?.message).toMatch(/could not write the JUnit report/);
  });
});

describe("writeOutputFile (fwspec record's scenario)", () => {
  test("creates missing folders, writes, replaces an existing file", () => {
    const file = join(mkdtempSync(join(tmpdir(), "fwspec-rf-")), "a", "x.yaml");
    expect(writeOutputFile(file, "one\n", "x.yaml", "h")).toBeUndefined();
    expect(writeOutputFile(file, "two\n", "x.yaml", "h")).toBeUndefined();
    expect(readFileSync(file, "utf8")).toBe("two\n");
  });

  test("replacing keeps the file's permission bits and leaves no temporary file", () => {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-rf-"));
    const file = join(dir, "x.yaml");
    writeFileSync(file, "the user's scenario\n");
    chmodSync(file, 0o640);
    expect(writeOutputFile(file, "replaced\n", "x.yaml", "h")).toBeUndefined();
    expect([readFileSync(file, "utf8"), statSync(file).mode & 0o777]).toEqual(["replaced\n", 0o640]);
    expect(readdirSync(dir)).toEqual(["x.yaml"]);
  });

  test("a folder at the path is refused: nothing is written into it or over it, no temporary file is left", () => {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-rf-"));
    mkdirSync(join(dir, "x.yaml"));
    writeFileSync(join(dir, "x.yaml", "inside"), "kept");
    const problem = writeOutputFile(join(dir, "x.yaml"), "text", "x.yaml", "h");
    expect(problem?.message).toMatch(/^cannot write x\.yaml: .*; nothing was changed$/);
    expect([readdirSync(dir), readFileSync(join(dir, "x.yaml", "inside"), "utf8")]).toEqual([["x.yaml"], "kept"]);
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

describe("reportPathProblems: report paths that cannot be a file, found before a lab starts", () => {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-rf-"));
  writeFileSync(join(dir, "rules.sh"), "");
  mkdirSync(join(dir, "reports"));
  test.each<[string, string, string, string | undefined]>([
    ["a new file", "--json", "r.json", undefined],
    ["a new file in folders still to be made", "--junit", "a/b/r.xml", undefined],
    ["an existing file (replaced)", "--html", "rules.sh", undefined],
    ["an empty path", "--json", "", "--json '' names no file"],
    ["the current folder", "--junit", ".", `--junit . is a folder (${dir}), not a file`],
    ["the root folder", "--html", "/", "--html / is a folder (/), not a file"],
    ["an existing folder", "--json", "reports", `--json reports is a folder (${join(dir, "reports")}), not a file`],
    // Tester 44d: a file called `newdir` was written.
    ["a folder not made yet, by its trailing slash", "--json", "newdir/", "--json newdir/ names a folder, not a file"],
    ["an existing folder, with a slash", "--json", "reports/", `--json reports/ is a folder (${join(dir, "reports")}), not a file`],
    ["a file where its folder should be", "--json", "rules.sh/r.json", `--json rules.sh/r.json: ${join(dir, "rules.sh")} is not a folder`],
    ["a file deeper up", "--html", "rules.sh/a/r.html", `--html rules.sh/a/r.html: ${join(dir, "rules.sh")} is not a folder`],
  ])("%s", (_, flag, file, problem) => {
    expect(reportPathProblems([{ flag, file }], dir)).toEqual(problem === undefined ? [] : [problem]);
  });

  test("askedReports keeps an empty path (refused, never ignored) and leaves out flags not given", () => {
    expect(askedReports({ "--json": "", "--junit": undefined, "--html": "r.html" })).toEqual([{ flag: "--json", file: "" }, { flag: "--html", file: "r.html" }]);
  });

  test("every problem at once, refused as bad input (exit 2) with a hint", () => {
    const outputs = [{ flag: "--json", file: "" }, { flag: "--junit", file: dir }, { flag: "--html", file: join(dir, "ok.html") }];
    expect(reportPathProblems(outputs, dir)).toHaveLength(2);
    expect(() => refuseReportPaths(outputs)).toThrow(expect.objectContaining({ exitCode: EXIT.badInput, hint: expect.stringMatching(/name a report file, e.g. `--json reports\/fwspec.json`/) }));
    expect(() => refuseReportPaths([{ flag: "--json", file: join(dir, "new.json") }])).not.toThrow();
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

/** A 16 KiB tmpfs (root only: the disk-full cases need a file system that fills up), or undefined. */
function smallDisk(): { dir: string; [Symbol.dispose](): void } | undefined {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-full-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", dir], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  return { dir, [Symbol.dispose]: () => execFileSync("umount", [dir]) };
}

/** Can this process mount a tmpfs (root with CAP_SYS_ADMIN)? Asked once. */
const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const probe = smallDisk();
  probe?.[Symbol.dispose]();
  return probe !== undefined;
})();

describe.skipIf(!canMount)("a full disk (a tmpfs of 16 KiB; root with CAP_SYS_ADMIN only)", () => {
  test("record: the scenario file stays whole and no temporary file is left", () => {
    using disk = smallDisk();
    if (!disk) throw new Error("mount -t tmpfs failed although it worked before");
    const file = join(disk.dir, "s.yaml");
    writeFileSync(file, "name: kept\n");
    writeFileSync(join(disk.dir, "filler"), "x".repeat(8 * 1024));
    const problem = writeOutputFile(file, "y".repeat(64 * 1024), "s.yaml", "h");
    expect(problem?.message).toBe("cannot write s.yaml: no space left on device; nothing was changed");
    expect([readFileSync(file, "utf8"), readdirSync(disk.dir).sort()]).toEqual(["name: kept\n", ["filler", "s.yaml"]]);
  });

  test("a report: no file is left at its path, the older one removed", () => {
    using disk = smallDisk();
    if (!disk) throw new Error("mount -t tmpfs failed although it worked before");
    const file = join(disk.dir, "r.json");
    writeFileSync(file, "{\"the last run\": true}");
    const problem = writeReportFile("JSON", file, "z".repeat(64 * 1024));
    expect(problem?.message).toBe(`could not write the JSON report to ${file}: no space left on device; the older report there was removed`);
    expect(readdirSync(disk.dir)).toEqual([]);
  });
});

describe.skipIf(!canMount)("what is not a plain file fwspec may write (root with CAP_SYS_ADMIN only)", () => {
  test("a file on a read-only file system is refused and left where it is", () => {
    using disk = smallDisk();
    if (!disk) throw new Error("mount -t tmpfs failed although it worked before");
    const file = join(disk.dir, "r.json");
    writeFileSync(file, "the last run's report");
    execFileSync("mount", ["-o", "remount,ro", disk.dir]);
    const problem = writeReportFile("JSON", file, "{}");
    expect(problem?.message).toBe(`could not write the JSON report to ${file}: read-only file system`);
    expect(readFileSync(file, "utf8")).toBe("the last run's report");
  });

  test("a device is written to, never replaced by a file (a null device of the test's own)", () => {
    using disk = smallDisk();
    if (!disk) throw new Error("mount -t tmpfs failed although it worked before");
    const device = join(disk.dir, "null");
    execFileSync("mknod", [device, "c", "1", "3"]);
    symlinkSync(device, join(disk.dir, "link"));
    expect(writeReportFile("JSON", join(disk.dir, "link"), "{}")).toBeUndefined();
    expect(statSync(device).isCharacterDevice()).toBe(true);
    expect(readdirSync(disk.dir).sort()).toEqual(["link", "null"]);
  });

  test("a file replaced as root keeps its owner and mode", () => {
    using disk = smallDisk();
    if (!disk) throw new Error("mount -t tmpfs failed although it worked before");
    const file = join(disk.dir, "s.yaml");
    writeFileSync(file, "name: a\n");
    chownSync(file, 65534, 65534);
    chmodSync(file, 0o604);
    expect(writeOutputFile(file, "name: b\n", "s.yaml", "h")).toBeUndefined();
    const st = statSync(file);
    expect([readFileSync(file, "utf8"), st.uid, st.gid, st.mode & 0o777]).toEqual(["name: b\n", 65534, 65534, 0o604]);
  });
});

