/** Unit tests (table-driven, no Docker) for sweep lines: port-range.ts, the sweep form of expectation.ts, and expect.ts's handling of sweeps. */
import { describe, expect, test } from "vitest";
import { EXPECTATION_PATTERN, parseExpectation } from "./expectation.ts";
import { formatDiagnostic, parseScenarioText, ScenarioError } from "./load.ts";
import type { ExpectStep } from "./model.ts";
import { MAX_EXCEPT, renderSweepPorts } from "./port-range.ts";

describe("sweep lines: valid", () => {
  const cases: Array<[string, { first: number; last: number; except: number[] }, Record<string, unknown>]> = [
    ["outside -> server:1-1024 blocked except 22,80,443", { first: 1, last: 1024, except: [22, 80, 443] }, { port: 1, verdict: "blocked", protocol: undefined, family: undefined }],
    ["outside -> server:1-1024 dropped except 80,22", { first: 1, last: 1024, except: [22, 80] }, { verdict: "dropped" }],
    ["outside -> server:1-65535/tcp6 blocked", { first: 1, last: 65535, except: [] }, { protocol: "tcp", family: "ipv6" }],
    ["outside -> server:5000-5010/udp4 refused except 5005", { first: 5000, last: 5010, except: [5005] }, { protocol: "udp", family: "ipv4", verdict: "refused" }],
    ["outside -> [2001:db8::9]:1-2 unreachable", { first: 1, last: 2, except: [] }, { family: "ipv6", verdict: "unreachable" }],
    ["outside -> server:1-3 blocked except 1,3", { first: 1, last: 3, except: [1, 3] }, {}],
    ["outside -> server:7000-7039 blocked except 7000-7004,7020", { first: 7000, last: 7039, except: [7000, 7001, 7002, 7003, 7004, 7020] }, {}],
    ["outside -> server:1-1024 blocked except 80,20-22", { first: 1, last: 1024, except: [20, 21, 22, 80] }, {}],
  ];
  test.each(cases)("%s", (text, sweep, rest) => {
    const r = parseExpectation(text);
    expect(r.ok, r.ok ? "" : r.error.message).toBe(true);
    if (!r.ok || r.value.kind !== "probe") return;
    expect(r.value.sweep).toMatchObject(sweep);
    expect(r.value).toMatchObject(rest);
    expect(new RegExp(EXPECTATION_PATTERN).test(text)).toBe(true);
  });

  test("reports write a run of three or more except ports as a range", () => {
    expect(renderSweepPorts(1, 9000, [22, 80, 81, ...Array.from({ length: 11 }, (_, i) => 8000 + i)])).toBe("1-9000 except 22,80,81,8000-8010");
    expect(renderSweepPorts(1, 1024, [])).toBe("1-1024");
  });

  test("a single port is not a sweep", () => {
    const r = parseExpectation("outside -> server:22 blocked");
    expect(r.ok && r.value.kind === "probe" && r.value.sweep).toBe(undefined);
  });
});

describe("sweep lines: invalid, each pointing at the wrong part", () => {
  const tooMany = Array.from({ length: MAX_EXCEPT + 1 }, (_, i) => i + 2).join(",");
  // [line, offset, message fragment, hint fragment]
  const cases: Array<[string, number, string | RegExp, string | RegExp]> = [
    ["o -> s:1024-1 blocked", 12, "does not go upwards", "`1-1024`"],
    ["o -> s:80-80 blocked", 10, "does not go upwards", "one port is not a range"],
    ["o -> s:0-10 blocked", 7, "`0` is not a number from 1 to 65535", "FIRST-LAST"],
    ["o -> s:1-65536 blocked", 9, "`65536` is not a number from 1 to 65535", "FIRST-LAST"],
    ["o -> s:-10 blocked", 7, "missing the first port", "FIRST-LAST"],
    ["o -> s:10- blocked", 10, "missing the last port", "FIRST-LAST"],
    ["o -> s:1-x blocked", 9, "`x` is not a number", "FIRST-LAST"],
    ["o -> s:1-1024 blocked except 22,2000", 32, "except port 2000 is outside the range 1-1024", "inside the range"],
    ["o -> s:1-1024 blocked except 22,80,22", 35, "except port 22 is listed twice", "once"],
    ["o -> s:1-1024 blocked except 22,,80", 32, "an empty entry", "comma-separated"],
    ["o -> s:1-1024 blocked except 22, 80", 32, "an empty entry", "without spaces"],
    ["o -> s:1-1024 blocked except", 28, "missing the ports after `except`", "except 22,80,443"],
    ["o -> s:1-1024 blocked except ssh", 29, "`ssh` is not a port", "except 22,80,443"],
    ["o -> s:1-1024 blocked except 22,30-25", 35, "the except range `30-25` does not go upwards", "`25-30`"],
    ["o -> s:1-1024 blocked except 22,30-30", 35, "the except range `30-30` does not go upwards", "write `30`"],
    ["o -> s:1-1024 blocked except 20-25,22", 35, "except port 22 is listed twice", "once"],
    ["o -> s:1-1024 blocked except 1000-2000", 34, "except port 2000 is outside the range 1-1024", "inside the range"],
    ["o -> s:1-1024 blocked except 10-", 32, "`` is not a port", "FIRST-LAST"],
    ["o -> s:1-1024 blocked except 1-1024", 29, "more than 256 except ports", "split the range"],
    ["o -> s:1-2 blocked except 1,2", 26, "every port of 1-2 is an exception", "at least one port"],
    [`o -> s:1-65535 blocked except ${tooMany}`, -1, `more than ${MAX_EXCEPT} except ports`, "split the range"],
    ["o -> s:22 blocked except 22", 18, "`except` needs a port range", "FIRST-LAST"],
    ["o -> s:1-1024 open except 22", 14, "a sweep cannot expect `open`", "blocked"],
    ["o -> s:1-1024/http blocked", 14, "tcp or udp, not http", "`/tcp`"],
    ["o -> s:1-1024 blocked excpt 22", 22, "unexpected `excpt`", "except"],
  ];
  test.each(cases)("%j", (text, offset, message, hint) => {
    const r = parseExpectation(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toMatch(message);
    expect(r.error.hint).toMatch(hint);
    if (!text.includes(tooMany)) expect(r.error.offset).toBe(offset);
    else expect(text.slice(r.error.offset).split(",")[0]).toBe(String(MAX_EXCEPT + 2));
  });
});

const YAML = (expectLine: string, listen = "[tcp/22]") => `name: sweep
description: d
hosts:
  server: { firewall: true, listen: ${listen} }
  outside: {}
steps:
  - expect:
      - ${expectLine}
`;

describe("sweeps in a scenario", () => {
  test("swept ports need no listener; the sweep is kept on the expectation", () => {
    const s = parseScenarioText(YAML("outside -> server:1-1024 blocked except 22,80,443"), "/tmp/sweep.yaml");
    const e = (s.steps[0] as ExpectStep).expectations[0]!;
    expect(e.sweep).toEqual({ first: 1, last: 1024, except: [22, 80, 443] });
    expect(e.port).toBe(1);
    expect(e.families).toEqual(["ipv4", "ipv6"]);
  });

  test("a single probe still needs a listener", () => {
    let message = "";
    try {
      parseScenarioText(YAML("outside -> server:80 blocked"), "/tmp/sweep.yaml");
    } catch (error) {
      message = (error as ScenarioError).diagnostics.map(formatDiagnostic).join("\n");
    }
    expect(message).toMatch(/does not listen on tcp\/80/);
  });

  test("errors carry line and column", () => {
    try {
      parseScenarioText(YAML("outside -> server:1-1024 blocked except 22,2000"), "/tmp/sweep.yaml");
      throw new Error("accepted");
    } catch (error) {
      const d = (error as ScenarioError).diagnostics[0]!;
      expect(d.message).toMatch(/outside the range/);
      expect({ line: d.line, column: d.column }).toEqual({ line: 8, column: 9 + "outside -> server:1-1024 blocked except 22,".length });
    }
  });

  test("an unknown host in a sweep is reported as in any expectation", () => {
    expect(() => parseScenarioText(YAML("outsde -> server:1-1024 blocked"), "/tmp/sweep.yaml")).toThrow(/outsde/);
  });
});
