/** Unit tests (table-driven, no Docker) for the object form of expectations: every one-line form (refusal kinds, sweeps) has an object form that loads to the same expectation, and the same mistakes get the same messages. */
import { describe, expect, test } from "vitest";
import { formatDiagnostic, parseScenarioText, ScenarioError } from "./load.ts";
import type { Expectation, ExpectStep } from "./model.ts";

const YAML = (item: string) => `name: object form
description: d
networks: [lan]
subnets:
  lan: { ipv4: 198.18.31.0/24, ipv6: "2001:db8:31::/64" }
hosts:
  server: { firewall: true, listen: [tcp/22, tcp/8080, udp/53, http/3000] }
  outside: { addresses: { lan: { ipv4: 198.18.31.10, extra: [198.18.31.200] } } }
steps:
  - expect:
      - ${item}
`;

/** The loaded expectation, without where it was written. */
function loaded(item: string): Omit<Expectation, "location"> {
  const s = parseScenarioText(YAML(item), "/tmp/object-form.yaml");
  const { location: _, ...rest } = (s.steps[0] as ExpectStep).expectations[0]!;
  return rest;
}

/** The diagnostics of an item that must be refused, as `line:column message (hint)`. */
function refused(item: string): string[] {
  try {
    parseScenarioText(YAML(item), "/tmp/object-form.yaml");
  } catch (error) {
    if (error instanceof ScenarioError) return error.diagnostics.map((d) => `${d.line}:${d.column} ${d.message} (${d.hint})`);
    throw error;
  }
  throw new Error(`accepted: ${item}`);
}

describe("each one-line form and its object form load to the same expectation", () => {
  test.each<[string, string]>([
    ["outside -> server:8080 refused:rst", '{ from: outside, to: server, port: 8080, verdict: "refused:rst" }'],
    ["outside -> server:8080/tcp6 refused:icmp", "{ from: outside, to: server, port: 8080, protocol: tcp6, verdict: refused:icmp }"],
    ["outside -> server:53/udp refused:icmp", "{ from: outside, to: server, port: 53, protocol: udp, verdict: refused:icmp }"],
    ["outside -> server:8080 refused", "{ from: outside, to: server, port: 8080, verdict: refused }"],
    ["outside -> server:1-1024 blocked except 22,80,443", "{ from: outside, to: server, port: 1-1024, except: [443, 22, 80], verdict: blocked }"],
    ["outside -> server:1-1024 blocked", '{ from: outside, to: server, port: "1-1024", verdict: blocked }'],
    ["outside -> server:5000-5010/udp4 refused except 5005", "{ from: outside, to: server, port: 5000-5010, protocol: udp4, except: [5005], verdict: refused }"],
    ["outside -> server:1-65535/tcp6 dropped", "{ from: outside, to: server, port: 1-65535, family: ipv6, verdict: dropped }"],
    ["outside -> server:1-3 unreachable except 1,3", "{ from: outside, to: server, port: 1-3, except: [1, 3], verdict: unreachable }"],
    ["outside -> server:1-1024 refused:rst except 22", "{ from: outside, to: server, port: 1-1024, except: [22], verdict: refused:rst }"],
    ["outside -> [2001:db8:31::9]:1-2 blocked", '{ from: outside, to: "2001:db8:31::9", port: 1-2, verdict: blocked }'],
    ["outside@198.18.31.200 -> server:1-1024 dropped except 22", "{ from: outside@198.18.31.200, to: server, port: 1-1024, except: [22], verdict: dropped }"],
  ])("%s", (line, object) => {
    const a = loaded(line);
    expect(loaded(object)).toEqual(a);
    if (line.includes("1-") || line.includes("5000-")) expect(a.sweep).toBeDefined();
    if (line.includes("refused:")) expect(a.refusal).toBeDefined();
  });
});

describe("the same mistakes, the same messages, at the object's key", () => {
  // [one-line item, object item, message fragment both must contain, where the object's diagnostic points]
  test.each<[string, string, string, string]>([
    ["outside -> server:8080 refused:xyz", "{ from: outside, to: server, port: 8080, verdict: refused:xyz }", "unknown refusal `xyz` in `refused:xyz`", "11:67"],
    ["outside -> server:8080 droped", "{ from: outside, to: server, port: 8080, verdict: droped }", "unknown verdict `droped`", "11:59"],
    ["outside -> server:1024-1 blocked", "{ from: outside, to: server, port: 1024-1, verdict: blocked }", "the range `1024-1` does not go upwards", "11:49"],
    ["outside -> server:0-10 blocked", "{ from: outside, to: server, port: 0-10, verdict: blocked }", "port `0` is not a number from 1 to 65535", "11:44"],
    ["outside -> server:1-1024 blocked except 22,2000", "{ from: outside, to: server, port: 1-1024, except: [22, 2000], verdict: blocked }", "except port 2000 is outside the range 1-1024", "11:65"],
    ["outside -> server:1-1024 blocked except 22,22", "{ from: outside, to: server, port: 1-1024, except: [22, 22], verdict: blocked }", "except port 22 is listed twice", "11:65"],
    ["outside -> server:1-2 blocked except 1,2", "{ from: outside, to: server, port: 1-2, except: [1, 2], verdict: blocked }", "every port of 1-2 is an exception", "11:58"],
    ["outside -> server:22 blocked except 22", "{ from: outside, to: server, port: 22, except: [22], verdict: blocked }", "`except` needs a port range", "11:56"],
    ["outside -> server:1-1024 open except 22", "{ from: outside, to: server, port: 1-1024, except: [22], verdict: open }", "a sweep cannot expect `open`", "11:75"],
    ["outside -> server:1-1024/http blocked", "{ from: outside, to: server, port: 1-1024, protocol: http, verdict: blocked }", "a sweep probes tcp or udp, not http", "11:62"],
    ["outside -> server:1-1024 open answered-by server", "{ from: outside, to: server, port: 1-1024, verdict: open, answeredBy: server }", "a sweep cannot expect `open`", "11:61"],
    ["outside -> server:53/udp refused:rst", "{ from: outside, to: server, port: 53, protocol: udp, verdict: refused:rst }", "a UDP probe is never refused by a TCP reset", "11:72"],
    ["outside -> server:1-1024 dropped seen-from outside", "{ from: outside, to: server, port: 1-1024, verdict: dropped, seenFrom: outside }", "unexpected `seen-from` after the verdict", "11:80"],
  ])("%s", (line, object, message, where) => {
    const l = refused(line);
    const o = refused(object);
    expect(l.join("\n")).toContain(message);
    expect(o).toHaveLength(1);
    expect(o[0]).toContain(message);
    expect(o[0]!.startsWith(`${where} `), o[0]).toBe(true);
    // The hint speaks of the object's keys, not of one-line syntax.
    expect(o[0]).not.toMatch(/FROM -> |`except \d|e\.g\. `server:|`\/tcp`/);
  });

  test("a quoted single port is still told to lose its quotes", () => {
    const [d] = refused('{ from: outside, to: server, port: "8080", verdict: open }');
    expect(d).toContain('must be a number or a port range FIRST-LAST, got the text "8080"');
    expect(d).toContain("write the number without quotes: 8080");
  });

  test("the messages carry file and line", () => {
    try {
      parseScenarioText(YAML("{ from: outside, to: server, port: 1-1024, except: [22, 2000], verdict: blocked }"), "/tmp/object-form.yaml");
    } catch (error) {
      expect(formatDiagnostic((error as ScenarioError).diagnostics[0]!)).toMatch(/^\/tmp\/object-form\.yaml:11:\d+: .*except port 2000 is outside the range 1-1024/);
    }
  });
});

describe("a very long word is cut with `…` in the messages, as host names are", () => {
  const x = "x".repeat(20000);
  const n = "9".repeat(20000);
  test.each<[string]>([
    [`outside -> server:22 open ${x}`],
    [`outside -> server:22/${x} open`],
    [`outside -> server:22/tcp${x} open`],
    [`outside -> server:${n} open`],
    [`outside -> server:${x} open`],
    [`outside -> server:1-${n} blocked`],
    [`outside -> server:22 ${x}`],
    [`outside -> server:22 refused:${x}`],
    [`outside -> server:1-1024 blocked except ${n}`],
    [`held ${x} open`],
    [`outside@${x} -> server:22 open`],
    [`{ from: outside, to: server, port: 22, verdict: ${x} }`],
    [`{ from: outside, to: server, port: 22, verdict: "refused:${x}" }`],
    [`{ from: outside, to: server, port: "1-${n}", verdict: blocked }`],
  ])("%#", (item) => {
    const found = refused(item);
    expect(found.length).toBeGreaterThan(0);
    for (const d of found) {
      expect(d.length, d.slice(0, 200)).toBeLessThan(600);
      expect(d).toContain("…");
    }
  });
});

describe("a placeholder where a host is named says placeholders are for rules and commands", () => {
  test.each<[string, string]>([
    ['{ from: outside, to: "{{ server.ipv4 }}", port: 22, verdict: open }', "name the host: `server`"],
    ['{ from: "{{outside.lan.ipv4}}", to: server, port: 22, verdict: open }', "name the host: `outside`"],
  ])("%s", (item, hint) => {
    const [d, ...rest] = refused(item);
    expect(rest).toEqual([]);
    expect(d).toMatch(/placeholders like `\{\{ ?[a-z0-9.]+ ?\}\}` are for rules and commands, not host names/);
    expect(d).toContain(hint);
  });
});
