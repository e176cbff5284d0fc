/**
 * Unit tests (table-driven, no Docker) for the `answered-by` / `seen-from`
 * clauses: the grammar with its spans and positioned errors, and the loader's
 * checks (declared hosts, the answering listener) with line and column.
 */
import path from "node:path";
import { describe, expect, test } from "vitest";
import { EXPECTATION_PATTERN, parseExpectation, renderExpectation } from "./expectation.ts";
import type { CompactExpectation } from "./expectation.ts";
import { parseScenarioText, ScenarioError } from "./load.ts";
import type { ExpectStep } from "./model.ts";

function ok(text: string): CompactExpectation {
  const r = parseExpectation(text);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(text)} to parse, got: ${r.error.message}`);
  if (r.value.kind !== "probe") throw new Error("not a probe line");
  return r.value;
}

describe("answer clauses: valid lines", () => {
  const cases: Array<[string, Partial<CompactExpectation>]> = [
    ["client -> router:80 open answered-by backend:8080", { answeredBy: { host: "backend", port: 8080 }, verdict: "open" }],
    ["client -> router:80 open answered-by backend", { answeredBy: { host: "backend", port: undefined } }],
    ["client -> router:80 open seen-from router", { seenFrom: "router" }],
    ["client -> router:80/udp6 open answered-by backend:5353 seen-from router", { answeredBy: { host: "backend", port: 5353 }, seenFrom: "router", protocol: "udp", family: "ipv6" }],
    ["client -> router:80 open seen-from router answered-by backend:8080", { answeredBy: { host: "backend", port: 8080 }, seenFrom: "router" }],
    ["client -> router:80 open   answered-by   router:8080  ", { answeredBy: { host: "router", port: 8080 } }],
    ["client -> [2001:db8::9]:80 open answered-by web", { answeredBy: { host: "web", port: undefined }, family: "ipv6" }],
  ];
  test.each(cases)("%s", (text, want) => {
    expect(ok(text)).toMatchObject(want);
  });

  test("lines without clauses have none", () => {
    const v = ok("client -> router:80 open");
    expect(v.answeredBy).toBeUndefined();
    expect(v.seenFrom).toBeUndefined();
  });

  test("spans point at the clause values", () => {
    const text = "client -> router:80 open answered-by backend:8080 seen-from router";
    const v = ok(text);
    const by = v.spans.answeredBy!;
    expect(text.slice(by.host.start, by.host.end)).toBe("backend");
    expect(by.port && text.slice(by.port.start, by.port.end)).toBe("8080");
    expect(text.slice(v.spans.seenFrom!.start, v.spans.seenFrom!.end)).toBe("router");
  });
});

describe("answer clauses: invalid lines name the wrong part", () => {
  // [line, offset of the wrong part, message fragment, hint fragment]
  const cases: Array<[string, number, string | RegExp, string | RegExp]> = [
    ["client -> router:80 dropped answered-by backend", 28, "`answered-by` needs the verdict `open`, not `dropped`", "only a probe that got an answer"],
    ["client -> router:80 blocked seen-from router", 28, "`seen-from` needs the verdict `open`", "expect `open`"],
    ["client -> router:80 open answered-by", 36, "missing the host after `answered-by`", "answered-by HOST[:PORT]"],
    ["client -> router:80 open answered-by seen-from router", 36, "missing the host after `answered-by`", "seen-from HOST"],
    ["client -> router:80 open seen-from", 34, "missing the host after `seen-from`", "seen-from HOST"],
    ["client -> router:80 open answered-by backend:0", 45, "port `0` is not a number from 1 to 65535", "answered-by backend:8080"],
    ["client -> router:80 open answered-by backend:http", 45, "port `http` is not a number", "HOST:PORT"],
    ["client -> router:80 open answered-by 198.18.0.3:8080", 37, "names a lab host, not an address", "host's name"],
    ["client -> router:80 open seen-from 198.18.0.2", 35, "names a lab host, not an address", "seen-from router"],
    ["client -> router:80 open seen-from [2001:db8::2]", 35, "not an address", "host's name"],
    ["client -> router:80 open seen-from localhost", 35, "`seen-from localhost` is not a host", "loopback counts"],
    ["client -> router:80 open answered-by a answered-by b", 39, "`answered-by` is given twice", "each clause once"],
    ["client -> router:80 open via backend", 25, "unexpected `via` after the verdict", "did you mean `answered-by`?"],
    ["client -> router:80 open from router", 25, "unexpected `from` after the verdict", "did you mean `seen-from`?"],
    ["client -> router:80 open answered_by backend", 25, "unexpected `answered_by`", "did you mean `answered-by`?"],
    ["client -> router:80 open seen-frm router", 25, "unexpected `seen-frm`", "did you mean `seen-from`?"],
    ["client -> router:80 open now", 25, "unexpected `now` after the verdict", "verdict ends the line"],
    ["client -> router:80 open answered-by b@d", 37, "`b@d` is not a host name", "answered-by HOST"],
  ];
  test.each(cases)("%j", (text, offset, message, hint) => {
    const r = parseExpectation(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toMatch(message);
    expect(r.error.hint).toMatch(hint);
    expect(r.error.offset).toBe(offset);
  });
});

describe("answer clauses: JSON Schema pattern and rendering", () => {
  const re = new RegExp(EXPECTATION_PATTERN);
  test.each([
    "client -> router:80 open answered-by backend:8080",
    "client -> router:80 open answered-by backend:8080 seen-from router",
    "client -> router:80/udp6 open seen-from router",
  ])("the pattern accepts %j", (line) => {
    expect(re.test(line)).toBe(true);
  });
  test.each(["client -> router:80 open answered-by", "client -> router:80 open via backend"])("the pattern rejects %j", (line) => {
    expect(re.test(line)).toBe(false);
  });
  test("rendered lines parse back to the same clauses", () => {
    const text = renderExpectation({ from: "client", to: { kind: "host", host: "router" }, port: 80, protocol: "tcp", verdict: "open", answeredBy: { host: "backend", port: 8080 }, seenFrom: "router" });
    expect(text).toBe("client -> router:80 open answered-by backend:8080 seen-from router");
    expect(ok(text)).toMatchObject({ answeredBy: { host: "backend", port: 8080 }, seenFrom: "router" });
  });
});

const FILE = path.join(import.meta.dirname, "testdata", "case.yaml");
const HEAD = `name: T
description: D
networks: [lan, dmz]
hosts:
  client: { networks: [lan] }
  router: { firewall: true, router: true, networks: [lan, dmz], listen: [tcp/8080] }
  backend: { networks: [dmz], listen: [tcp/8080, udp/5353] }
steps:
  - expect:
`;

function diagnostics(line: string): { line: number; column: number; message: string; hint: string }[] {
  try {
    parseScenarioText(`${HEAD}      - ${line}\n`, FILE);
  } catch (error) {
    if (error instanceof ScenarioError) return error.diagnostics.map((d) => ({ line: d.line, column: d.column, message: d.message, hint: d.hint ?? "" }));
    throw error;
  }
  return [];
}

describe("answer clauses in a scenario", () => {
  test("an answering listener stands in for the target's: router:80 need not listen", () => {
    const s = parseScenarioText(`${HEAD}      - client -> router:80 open answered-by backend:8080 seen-from router\n      - { from: client, to: router, port: 80, verdict: open, answeredBy: "backend:8080", seenFrom: router }\n`, FILE);
    const [compact, object] = (s.steps[0] as ExpectStep).expectations;
    expect(compact).toMatchObject({ port: 80, answeredBy: { host: "backend", port: 8080 }, seenFrom: "router" });
    expect(object).toMatchObject({ port: 80, answeredBy: { host: "backend", port: 8080 }, seenFrom: "router", text: "client -> router:80 open answered-by backend:8080 seen-from router" });
  });

  test("`answered-by HOST` means the probed port", () => {
    const s = parseScenarioText(`${HEAD}      - client -> router:8080 open answered-by router\n`, FILE);
    expect((s.steps[0] as ExpectStep).expectations[0]).toMatchObject({ answeredBy: { host: "router", port: 8080 } });
  });

  // column: 1-based; the item starts at column 9 (`      - `)
  test.each([
    { line: "client -> router:80 open answered-by backnd:8080", column: 9 + 37, message: "unknown host `backnd`", hint: "did you mean `backend`?" },
    { line: "client -> router:8080 open seen-from rooter", column: 9 + 37, message: "unknown host `rooter`", hint: "did you mean `router`?" },
    { line: "client -> router:80 open answered-by backend:9090", column: 9 + 45, message: "`backend` does not listen on tcp/9090", hint: "backend listens on tcp/8080, udp/5353" },
    { line: "client -> router:80 open answered-by backend", column: 9 + 37, message: "`backend` does not listen on tcp/80", hint: "declare it" },
    { line: "client -> router:80 open seen-from router", column: 9 + 17, message: "`router` does not listen on tcp/80", hint: "declare it" },
    { line: "client -> router:80 dropped answered-by backend", column: 9 + 28, message: "`answered-by` needs the verdict `open`", hint: "" },
  ])("$line", ({ line, column, message, hint }) => {
    const ds = diagnostics(line);
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ line: 10, column });
    expect(ds[0]!.message).toContain(message);
    expect(ds[0]!.hint).toContain(hint);
  });

  test("object form: a clause after a blocked verdict is refused", () => {
    const ds = diagnostics("{ from: client, to: router, port: 8080, verdict: dropped, seenFrom: router }");
    expect(ds).toHaveLength(1);
    expect(ds[0]!.message).toContain("`seen-from` needs the verdict `open`");
  });
});
