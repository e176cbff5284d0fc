/** Unit tests for placeholders.ts: finding, checking and substituting lab addresses. */
import { describe, expect, test } from "vitest";
import { columnInWritten, placeholderProblems, substitute, tightPlaceholders, type Names, type Values } from "./placeholders.ts";

const names: Names = { hosts: new Map([["db", ["lan", "dmz"]], ["web", ["dmz"]]]), networks: ["lan", "dmz"] };
const values: Values = {
  address: (host, network, family) => `${host}-${network}-${family}`,
  subnet: (network, family) => `${network}/${family}`,
  interface: (host, network) => `${host}-${network}-if`,
};

describe("placeholders", () => {
  test.each([
    ["-s {{ db.ipv4 }} -j ACCEPT", "-s db-lan-ipv4 -j ACCEPT"],
    ["-s {{db.dmz.ipv6}}", "-s db-dmz-ipv6"],
    ["-s {{ lan.ipv4 }} -d {{  web.ipv4  }}", "-s lan/ipv4 -d web-dmz-ipv4"],
    ["no placeholders { } { {", "no placeholders { } { {"],
    ["-i {{ db.dmz.interface }} -o {{db.interface}}", "-i db-dmz-if -o db-lan-if"],
  ])("%s → %s", (text, want) => {
    expect(placeholderProblems(text, names)).toEqual([]);
    expect(substitute(text, names, values)).toBe(want);
  });

  test("a placeholder stays one word of a command line", () => {
    expect(tightPlaceholders("iptables -s {{ db.ipv4 }} -j ACCEPT")).toBe("iptables -s {{db.ipv4}} -j ACCEPT");
  });

  test.each([
    ["a\n-s {{ dbx.ipv4 }}", 2, /no host or network `dbx`/],
    ["{{ web.lan.ipv4 }}", 1, /host `web` is not on network `lan`/],
    ["x\ny\n{{ db.ipv5 }}", 3, /is not a lab address/],
    ["{{ lan.dmz.ipv4 }}", 1, /no host or network `lan`/],
    ["{{ lan.interface }}", 1, /a network has an interface on each of its hosts/],
    ["{{ web.lan.interface }}", 1, /host `web` is not on network `lan`/],
  ])("%s: line %d", (text, line, message) => {
    const p = placeholderProblems(text, names);
    expect(p).toHaveLength(1);
    expect(p[0]!.line).toBe(line);
    expect(p[0]!.message).toMatch(message);
    expect(() => substitute(text, names, values)).toThrow(message);
  });

  test.each([
    ["iptables -A INPUT -s {{ remote.ipv4 -j ACCEPT", 1, 21],
    ["-s {{ db.ipv4 }} -d {{web.ipv4", 1, 20],
    ["a\n-s {{ db.ipv4\n-d {{ web.ipv4 }}", 2, 5],
    ["-s {{ db.ipv4 }\n", 1, 3],
    ["no placeholders { } {{", 1, 20],
  ])("%j: unclosed `{{` at line %d, offset %d", (text, line, offset) => {
    const p = placeholderProblems(text, names);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ line, offset, message: "unclosed `{{`" });
    expect(p[0]!.hint).toMatch(/close it with `}}`/);
  });
});

describe("columnInWritten: a tool's column on a substituted line, on the line as written (tester 45b)", () => {
  const written = "\tmeta nfproto ipv4 tcp dport 8080 counter dnat ip to {{ backend.ipv4 }}:8080 comment \"a\" comment \"b\"";
  const substituted = written.replace("{{ backend.ipv4 }}", "198.18.9.10");
  test.each<[string, number, number | undefined]>([
    ["before the placeholder: the same column", substituted.indexOf("dnat") + 1, written.indexOf("dnat") + 1],
    ["inside the value: the placeholder's first column", substituted.indexOf("198.18") + 4, written.indexOf("{{") + 1],
    ["after it: shifted by the length difference", substituted.indexOf("comment \"b\"") + 1, written.indexOf("comment \"b\"") + 1],
  ])("%s", (_what, column, want) => {
    expect(columnInWritten(column, written, substituted)).toBe(want);
  });
  test("two placeholders, the second at the end of the line", () => {
    const w = "ip saddr {{ a.ipv4 }} ip daddr {{ b.ipv4 }}";
    const s = "ip saddr 198.18.0.2 ip daddr 198.18.0.3";
    expect(columnInWritten(s.indexOf("ip daddr") + 1, w, s)).toBe(w.indexOf("ip daddr") + 1);
    expect(columnInWritten(s.length, w, s)).toBe(w.indexOf("{{ b") + 1);
  });
  test("lines that do not align (another line, adjacent placeholders): undefined", () => {
    expect(columnInWritten(3, "tcp dport {{ a.ipv4 }}", "udp dport 198.18.0.2")).toBeUndefined();
    expect(columnInWritten(3, "{{ a.ipv4 }}{{ b.ipv4 }} x", "198.18.0.2198.18.0.3 x")).toBeUndefined();
  });
  test("no placeholder: the same column", () => {
    expect(columnInWritten(7, "tcp dport 22 accept", "tcp dport 22 accept")).toBe(7);
  });
});
