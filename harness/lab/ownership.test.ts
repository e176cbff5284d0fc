/** Owner labels and the liveness rules of ownership.ts, table-driven. */
import { describe, expect, it } from "vitest";
import { attended, FOREIGN_GRACE_MS, formatOwner, ownerState, parseOwner, processStart } from "./ownership.ts";

const here = { boot: "0b1c2d3e-0000-4000-8000-000000000001", pidns: "4026531836" };
const label = (o: Partial<{ boot: string; pidns: string; pid: number; start: string }>) => formatOwner({ ...here, pid: 42, start: "1000", ...o });
const starts = new Map([[42, "1000"], [43, "2000"]]);
const startOf = (pid: number) => starts.get(pid);

describe("ownerState", () => {
  it.each([
    ["live owner, same namespace", label({}), "alive"],
    ["pid gone, same namespace", label({ pid: 44 }), "gone"],
    ["pid reused by a later process", label({ pid: 43 }), "gone"],
    ["another PID namespace, same pid alive here", label({ pidns: "4026532999" }), "unseen"],
    ["another boot (remote engine)", label({ boot: "ffffffff-0000-4000-8000-000000000002" }), "unseen"],
    ["old bare-pid labels", undefined, "unseen"],
    ["garbage", "42", "unseen"],
  ])("%s", (_name, value, expected) => {
    expect(ownerState(value, here, startOf)).toBe(expected);
  });

  it("nothing is 'here' when /proc is not this namespace's", () => {
    expect(ownerState(label({}), null, startOf)).toBe("unseen");
  });

  it("round-trips the label", () => {
    expect(parseOwner(label({}))).toEqual({ ...here, pid: 42, start: "1000" });
  });

  it("reads this process's start time", () => {
    expect(processStart(process.pid)).toMatch(/^\d+$/);
    expect(processStart(2 ** 22 + 1)).toBeUndefined();
  });
});

describe("attended", () => {
  it.each([
    [0, 0, true],
    [FOREIGN_GRACE_MS - 1, 0, true],
    [FOREIGN_GRACE_MS, 0, false],
    [FOREIGN_GRACE_MS * 10, 1, true],
  ])("age %d ms, %d running channels -> %s", (age, channels, expected) => {
    expect(attended(age, channels)).toBe(expected);
  });
});
