/** Unit tests (table-driven, no Docker) for expectation.ts. */
import { describe, expect, test } from "vitest";
import { EXPECTATION_PATTERN, parseExpectation, renderExpectation } from "./expectation.ts";
import type { CompactExpectation, CompactHeld } from "./expectation.ts";
import type { RenderableExpectation } from "./expectation.ts";

function ok(text: string): CompactExpectation {
  const r = parseExpectation(text);
  if (!r.ok) throw new Error(`expected ${JSON.stringify(text)} to parse, got: ${r.error.message}`);
  if (r.value.kind !== "probe") throw new Error(`expected ${JSON.stringify(text)} to be a probe line, got a ${r.value.kind} line`);
  return r.value;
}

/** The line is refused with that message and hint, pointing at `offset`. */
function refused(text: string, offset: number, message: string | RegExp, hint: string | RegExp): void {
  const r = parseExpectation(text);
  expect(r.ok).toBe(false);
  if (r.ok) return;
  expect(r.error.message).toMatch(message);
  expect(r.error.hint).toMatch(hint);
  expect(r.error.offset).toBe(offset);
}

describe("parseExpectation: valid lines", () => {
  const cases: Array<[string, Partial<CompactExpectation>]> = [
    ["remote -> server:8080 dropped", { from: "remote", to: { kind: "host", host: "server" }, port: 8080, protocol: undefined, family: undefined, verdict: "dropped" }],
    ["server -> localhost:8080 open", { from: "server", to: { kind: "localhost" }, port: 8080, verdict: "open" }],
    ["remote -> server:8080/tcp6 dropped", { protocol: "tcp", family: "ipv6" }],
    ["remote -> server:3000/http open", { protocol: "http", family: undefined }],
    ["remote -> server:5353/udp4 blocked", { protocol: "udp", family: "ipv4", verdict: "blocked" }],
    ["remote -> server:5353/udp refused", { protocol: "udp", verdict: "refused" }],
    ["remote -> server:1 unreachable", { port: 1, verdict: "unreachable" }],
    ["remote -> server:65535 open", { port: 65535 }],
    ["remote -> 198.18.0.9:80 dropped", { to: { kind: "address", address: "198.18.0.9", family: "ipv4" }, family: "ipv4" }],
    ["remote -> 198.18.0.9:80/tcp4 dropped", { family: "ipv4", protocol: "tcp" }],
    ["remote -> [2001:db8::9]:80 dropped", { to: { kind: "address", address: "2001:db8::9", family: "ipv6" }, family: "ipv6" }],
    ["remote -> [::1]:80/http6 open", { to: { kind: "address", address: "::1", family: "ipv6" }, protocol: "http", family: "ipv6" }],
    ["remote->server:8080 open", { from: "remote", to: { kind: "host", host: "server" } }],
    ["  remote   ->   server:8080    open  ", { from: "remote", port: 8080, verdict: "open" }],
    ["web-1 -> db-2:5432 blocked", { from: "web-1", to: { kind: "host", host: "db-2" } }],
    ["remote -> server:8080 refused:rst", { verdict: "refused", refusal: "rst" }],
    ["remote -> server:8080/tcp6 refused:icmp", { verdict: "refused", refusal: "icmp", family: "ipv6" }],
  ];
  test.each(cases)("%s", (text, want) => {
    expect(ok(text)).toMatchObject(want);
  });

  test("spans point at each part", () => {
    const text = "remote -> server:8080/tcp6 dropped";
    const v = ok(text);
    expect(text.slice(v.spans.from.start, v.spans.from.end)).toBe("remote");
    expect(text.slice(v.spans.to.start, v.spans.to.end)).toBe("server");
    expect(text.slice(v.spans.port.start, v.spans.port.end)).toBe("8080");
    expect(v.spans.protocol && text.slice(v.spans.protocol.start, v.spans.protocol.end)).toBe("tcp6");
    expect(text.slice(v.spans.verdict.start, v.spans.verdict.end)).toBe("dropped");
  });
});

describe("parseExpectation: invalid lines name the wrong part", () => {
  // [line, offset of the wrong part, message fragment, hint fragment]
  const cases: Array<[string, number, string | RegExp, string | RegExp]> = [
    ["", 0, "empty expectation", "FROM -> TARGET:PORT"],
    ["remote server:8080 open", 6, "missing `->`", "FROM -> TARGET:PORT"],
    ["remote => server:8080 open", 7, "`=>` is not the arrow", "FROM -> TARGET:PORT"],
    ["remote → server:8080 open", 7, "`→` is not the arrow", "FROM -> TARGET:PORT"],
    ["-> server:8080 open", 0, "missing the source host", "FROM -> TARGET:PORT"],
    ["a b -> server:8080 open", 2, "expected one host name before `->`", "FROM"],
    ["localhost -> server:8080 open", 0, "not `localhost`", "name the host the probe starts from"],
    ["198.18.0.1 -> server:8080 open", 0, "must be a lab host, not an address", "scenario's hosts"],
    ["remote ->", 9, "missing the target", "FROM -> TARGET:PORT"],
    ["remote -> server open", 16, "missing `:PORT` after `server`", "server:8080"],
    ["remote -> server: open", 17, "missing the port", "1 to 65535"],
    ["remote -> server:0 open", 17, "port `0` is not a number from 1 to 65535", "1 to 65535"],
    ["remote -> server:65536 open", 17, "port `65536`", "1 to 65535"],
    ["remote -> server:http open", 17, "port `http`", "1 to 65535"],
    ["remote -> server:8080/ open", 22, "missing the protocol", "tcp"],
    ["remote -> server:8080/tpc open", 22, "unknown protocol `tpc`", "did you mean `tcp`?"],
    ["remote -> server:8080/sctp open", 22, "unknown protocol `sctp`", "protocols are"],
    ["remote -> server:8080/tcp5 open", 25, "unknown family suffix `5`", "4 (IPv4) or 6 (IPv6)"],
    ["remote -> server:8080 droped", 22, "unknown verdict `droped`", "did you mean `dropped`?"],
    ["remote -> server:8080 Open", 22, "unknown verdict `Open`", "did you mean `open`?"],
    ["remote -> server:8080 closed", 22, "unknown verdict `closed`", "verdicts are"],
    ["remote -> server:8080 ipv6", 22, "`ipv6` is not a verdict", "/tcp6"],
    ["remote -> server:8080 tcp open", 22, "`tcp` is not a verdict", "server:8080/tcp"],
    ["remote -> server:8080", 21, "missing the verdict", "open"],
    ["remote -> server:8080 open now", 27, "unexpected `now` after the verdict", "verdict ends the line"],
    ["remote -> 2001:db8::9:80 open", 10, "IPv6 address `2001:db8::9` needs brackets", "[2001:db8::9]:80"],
    ["remote -> [2001:db8::9:80 open", 25, "missing `]`", "brackets"],
    ["remote -> [2001:db8::zz]:80 open", 11, "`2001:db8::zz` is not a valid IPv6 address", "brackets"],
    ["remote -> [2001:db8::9] open", 23, "missing `:PORT` after `[2001:db8::9]`", "TARGET:PORT"],
    ["remote -> 198.18.0.300:80 open", 10, "`198.18.0.300` is not a valid IPv4 address", "0..255"],
    ["remote -> 198.18.0.9:80/tcp6 open", 27, "asks for IPv6 but `198.18.0.9` is an IPv4 address", "/tcp"],
    ["remote -> [2001:db8::9]:80/udp4 open", 30, "asks for IPv4", "/udp"],
    ["remote -> server:80:90 open", 16, "more than one `:`", "TARGET:PORT"],
    ["remote -> server:8080 -> x open", 22, "only one `->`", "one expectation per line"],
    ["remote -> ser$ver:8080 open", 13, "may not contain `$`", "plain words"],
    ["remote -> server:8080; rm -rf / open", 21, "may not contain `;`", "plain words"],
    ["remote -> `id`:8080 open", 10, "may not contain a backtick", "plain words"],
    ["remote -> 'server':8080 open", 10, "may not contain `'`", "plain words"],
    ["remote -> server:8080\nopen", 21, "a line break", "plain words"],
    ["remote -> ser*ver:8080 open", 10, "`ser*ver` is not a host name or address", "TARGET is"],
    ["remote -> server:8080 refused:reset", 30, "unknown refusal `reset` in `refused:reset`", "`refused:rst` or `refused:icmp`"],
    ["remote -> server:8080 dropped:rst", 22, "unknown verdict `dropped:rst`", "verdicts are"],
    ["remote -> {{ server.ipv4 }}:22 open", 10, "placeholders like `{{ server.ipv4 }}` are for rules and commands, not expectations", "name the host: `remote -> server:22 open`, or write a literal address"],
    ["{{remote.ipv4}} -> server:22 open", 0, "placeholders like `{{remote.ipv4}}` are for rules and commands", "name the host: `remote -> server:22 open`"],
    ["remote -> [{{ server.ipv6 }}]:80/tcp6 dropped", 11, "placeholders like `{{ server.ipv6 }}` are for rules and commands", "`remote -> server:80/tcp6 dropped`"],
    ["remote -> {{ lan.ipv4 }}:22 open", 10, "placeholders like `{{ lan.ipv4 }}` are for rules and commands", "name the host"],
    ["held {{ x }} open", 5, "placeholders like `{{ x }}` are for rules and commands", /^name the hold: `held NAME VERDICT`, NAME as its `hold` step names it$/],
    ["remote -> server:53/udp refused:rst", 24, "a UDP probe is never refused by a TCP reset", "write `refused` or `refused:icmp`"],
    ["remote -> server:53/udp6 refused:rst", 25, "a UDP probe is never refused by a TCP reset", "ICMP port unreachable"],
    ["remote -> server:1-1024/udp refused:rst except 53", 28, "a UDP probe is never refused by a TCP reset", "write `refused` or `refused:icmp`"],
  ];
  test.each(cases)("%j", refused);
});

describe("parseExpectation: every problem of a line with a bad [IPv6] target", () => {
  // [line, [offset, message fragment] of each problem, in line order]
  const cases: Array<[string, Array<[number, string]>]> = [
    ["remote -> [2001:db8::zz]:8080/tcpx dropped", [[11, "`2001:db8::zz` is not a valid IPv6 address"], [30, "unknown protocol `tcpx`"]]],
    ["remote -> [not-an-address]:80/sctp open", [[11, "`not-an-address` is not a valid IPv6 address"], [30, "unknown protocol `sctp`"]]],
    ["remote -> [2001:db8::zz]:99999/udp9 opne", [[11, "is not a valid IPv6 address"], [25, "port `99999` is not a number"], [34, "unknown family suffix `9`"], [36, "unknown verdict `opne`"]]],
    ["remote -> [::zz]:0 open", [[11, "`::zz` is not a valid IPv6 address"], [17, "port `0` is not a number"]]],
    ["remote -> []:80/ open", [[11, "missing the IPv6 address in `[]`"], [16, "missing the protocol after `/`"]]],
  ];
  test.each(cases)("%j", (text, want) => {
    const r = parseExpectation(text);
    if (r.ok) throw new Error(`expected ${JSON.stringify(text)} to be refused`);
    expect(r.errors.map((e) => [e.offset, e.message])).toEqual(want.map(([offset, message]) => [offset, expect.stringContaining(message)]));
    for (const e of r.errors) expect(e.hint).toBeTruthy();
  });
});

describe("parseExpectation: held NAME VERDICT", () => {
  const valid: Array<[string, Partial<CompactHeld>]> = [
    ["held session open", { kind: "held", name: "session", verdict: "open" }],
    ["held session dropped", { name: "session", verdict: "dropped" }],
    ["held s-1 blocked", { name: "s-1", verdict: "blocked" }],
    ["  held   web   refused  ", { name: "web", verdict: "refused" }],
    ["held a unreachable", { name: "a", verdict: "unreachable" }],
  ];
  test.each(valid)("%j", (text, want) => {
    const r = parseExpectation(text);
    expect(r.ok && r.value).toMatchObject(want);
  });

  test("spans point at the name and the verdict", () => {
    const text = "held session dropped";
    const r = parseExpectation(text);
    if (!r.ok || r.value.kind !== "held") throw new Error("expected a held line");
    expect(text.slice(r.value.spans.name.start, r.value.spans.name.end)).toBe("session");
    expect(text.slice(r.value.spans.verdict.start, r.value.spans.verdict.end)).toBe("dropped");
  });

  test("a line with `->` is a probe line, even from a host named `held`", () => {
    const r = parseExpectation("held -> server:8080 open");
    expect(r.ok && r.value).toMatchObject({ kind: "probe", from: "held", port: 8080 });
  });

  // [line, offset of the wrong part, message fragment, hint fragment]
  const invalid: Array<[string, number, string | RegExp, string | RegExp]> = [
    ["held", 4, "missing the hold's name after `held`", "held NAME VERDICT"],
    ["held session", 12, "missing the verdict after `held session`", "end the line with `open`"],
    ["held session opne", 13, "unknown verdict `opne`", "did you mean `open`?"],
    ["held session closed", 13, "unknown verdict `closed`", "verdicts are"],
    ["held Session open", 5, "`Session` is not a hold name", "lowercase letter"],
    ["held 1st open", 5, "`1st` is not a hold name", "held NAME VERDICT"],
    ["held session open now", 18, "unexpected `now` after the verdict", "the verdict ends the line"],
    ["held session; open", 12, "may not contain `;`", "plain words"],
    ["hold session open", 0, "`hold` is not `held`", "did you mean `held session open`?"],
    ["Held session open", 0, "`Held` is not `held`", "did you mean `held session open`?"],
  ];
  test.each(invalid)("%j", refused);
});

describe("EXPECTATION_PATTERN (JSON Schema)", () => {
  const re = new RegExp(EXPECTATION_PATTERN);
  test.each(["remote -> server:8080 refused:rst", "remote -> server:8080 dropped", "remote -> [2001:db8::9]:80/udp6 blocked", "held session open", "  held s-1 dropped "])("accepts %j", (line) => {
    expect(re.test(line)).toBe(true);
  });
  test.each(["held session", "held Session open", "held session opne", "remote server:8080 open"])("rejects %j", (line) => {
    expect(re.test(line)).toBe(false);
  });
});

describe("renderExpectation", () => {
  const cases: Array<[RenderableExpectation, string]> = [
    [{ from: "remote", to: { kind: "host", host: "server" }, port: 8080, protocol: "tcp", verdict: "dropped" }, "remote -> server:8080 dropped"],
    [{ from: "remote", to: { kind: "host", host: "server" }, port: 8080, protocol: "tcp", family: "ipv6", verdict: "dropped" }, "remote -> server:8080/tcp6 dropped"],
    [{ from: "remote", to: { kind: "host", host: "server" }, port: 3000, protocol: "http", verdict: "open" }, "remote -> server:3000/http open"],
    [{ from: "remote", to: { kind: "host", host: "server" }, port: 53, protocol: "udp", family: "ipv4", verdict: "blocked" }, "remote -> server:53/udp4 blocked"],
    [{ from: "server", to: { kind: "localhost" }, port: 8080, protocol: "tcp", verdict: "open" }, "server -> localhost:8080 open"],
    [{ from: "remote", to: { kind: "address", address: "198.18.0.9" }, port: 80, protocol: "tcp", family: "ipv4", verdict: "dropped" }, "remote -> 198.18.0.9:80 dropped"],
    [{ from: "remote", to: { kind: "address", address: "2001:db8::9" }, port: 80, protocol: "udp", verdict: "refused" }, "remote -> [2001:db8::9]:80/udp refused"],
  ];
  test.each(cases)("%s", (e, text) => {
    expect(renderExpectation(e)).toBe(text);
  });

  test.each(cases)("round trip: %s", (e, text) => {
    const v = ok(text);
    expect(v.from).toBe(e.from);
    expect(v.port).toBe(e.port);
    expect(v.protocol ?? "tcp").toBe(e.protocol);
    expect(v.verdict).toBe(e.verdict);
  });
});

describe("parseExpectation: FROM@ADDRESS (the probe's source address)", () => {
  const valid: Array<[string, Partial<CompactExpectation>]> = [
    ["scanner@198.18.99.7 -> server:22 dropped", { from: "scanner", source: { address: "198.18.99.7", family: "ipv4" }, family: "ipv4", to: { kind: "host", host: "server" } }],
    ["scanner@[2001:db8:7::99] -> server:22 dropped", { from: "scanner", source: { address: "2001:db8:7::99", family: "ipv6" }, family: "ipv6" }],
    ["scanner@198.18.99.7 -> server:53/udp4 open", { protocol: "udp", family: "ipv4" }],
    ["scanner@[2001:db8:7::99] -> server:80/http6 open", { protocol: "http", family: "ipv6" }],
    ["scanner@198.18.99.7 -> 198.18.99.2:22 open", { to: { kind: "address", address: "198.18.99.2", family: "ipv4" }, family: "ipv4" }],
    ["scanner@[2001:db8:7::99] -> [2001:db8:7::2]:22 open", { family: "ipv6" }],
    ["scanner -> server:22 open", { from: "scanner", source: undefined, family: undefined }],
  ];
  test.each(valid)("%s", (text, want) => {
    expect(ok(text)).toMatchObject(want);
  });

  test("spans: the host without @, the address with its brackets", () => {
    const text = "scanner@[2001:db8:7::99] -> server:22 dropped";
    const v = ok(text);
    expect(text.slice(v.spans.from.start, v.spans.from.end)).toBe("scanner");
    expect(v.spans.source && text.slice(v.spans.source.start, v.spans.source.end)).toBe("[2001:db8:7::99]");
  });

  // [line, offset of the wrong part, message fragment, hint fragment]
  const invalid: Array<[string, number, string | RegExp, string | RegExp]> = [
    ["scanner@ -> server:22 open", 8, "missing the source address after `scanner@`", "HOST@IPV4 or HOST@[IPV6]"],
    ["@198.18.99.7 -> server:22 open", 0, "missing the source host before `@`", "HOST@ADDRESS"],
    ["scanner@2001:db8:7::99 -> server:22 open", 8, "IPv6 source address `2001:db8:7::99` needs brackets", "scanner@[2001:db8:7::99]"],
    ["scanner@[2001:db8:7::99 -> server:22 open", 23, "missing `]` after the IPv6 source address", "brackets"],
    ["scanner@[2001:db8:7::zz] -> server:22 open", 9, "`2001:db8:7::zz` is not a valid IPv6 address", "HOST@IPV4"],
    ["scanner@[2001:db8:7::99]:5 -> server:22 open", 24, "unexpected `:5` after the source address", "ends at `]`"],
    ["scanner@198.18.99.300 -> server:22 open", 8, "`198.18.99.300` is not a valid IPv4 address", "HOST@IPV4"],
    ["scanner@198.18.99.0/24 -> server:22 open", 19, "has a prefix length or port", "scanner@198.18.99.0"],
    ["scanner@office -> server:22 open", 8, "`office` after `@` is not an address", "an address the host holds"],
    ["scan*ner@198.18.99.7 -> server:22 open", 0, "`scan*ner` is not a host name", "FROM"],
    ["198.18.99.7@scanner -> server:22 open", 0, "must be a lab host, not an address", "HOST@ADDRESS"],
    ["localhost@198.18.99.7 -> server:22 open", 0, "not `localhost`", "name the host"],
    ["scanner@198.18.99.7 -> server:22/tcp6 open", 36, "`/tcp6` asks for IPv6 but the source `198.18.99.7` is an IPv4 address", "already fixes the family"],
    ["scanner@[2001:db8:7::99] -> server:53/udp4 open", 41, "`/udp4` asks for IPv4 but the source `2001:db8:7::99` is an IPv6 address", "`/udp`"],
    ["scanner@198.18.99.7 -> [2001:db8:7::2]:22 open", 23, "the source `198.18.99.7` is an IPv4 address but the target `2001:db8:7::2` is IPv6", "one family"],
    ["scanner@[2001:db8:7::99] -> 198.18.99.2:22 open", 28, "is an IPv6 address but the target `198.18.99.2` is IPv4", "one family"],
  ];
  test.each(invalid)("%j", refused);

  const re = new RegExp(EXPECTATION_PATTERN);
  test.each(["scanner@198.18.99.7 -> server:22 dropped", "scanner@[2001:db8:7::99] -> server:22/http open"])("the JSON Schema pattern accepts %j", (line) => {
    expect(re.test(line)).toBe(true);
  });

  const rendered: Array<[RenderableExpectation, string]> = [
    [{ from: "scanner", source: "198.18.99.7", to: { kind: "host", host: "server" }, port: 22, protocol: "tcp", family: "ipv4", verdict: "dropped" }, "scanner@198.18.99.7 -> server:22 dropped"],
    [{ from: "scanner", source: "2001:db8:7::99", to: { kind: "host", host: "server" }, port: 53, protocol: "udp", family: "ipv6", verdict: "open" }, "scanner@[2001:db8:7::99] -> server:53/udp open"],
  ];
  test.each(rendered)("renders and reads back %s", (e, text) => {
    expect(renderExpectation(e)).toBe(text);
    expect(ok(text)).toMatchObject({ from: e.from, source: { address: e.source }, port: e.port });
  });
});
