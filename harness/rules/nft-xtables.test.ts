/**
 * Unit tests (table-driven, no Docker): nft listings of iptables-nft tables
 * (xtables compat expressions, which `nft -f` cannot load) are found in the
 * file as written, and a scenario applying one with `nft:` is refused at load
 * time naming the file's lines and the iptables-restore form to use instead.
 * Cases include the real listings in fixtures/generated/ (PROVENANCE.md).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { parseScenarioText, ScenarioError } from "../scenario/load.ts";
import { xtablesCompatLines } from "./nft-file.ts";

const ROOT = path.join(import.meta.dirname, "..", "..");
const generated = (name: string) => readFileSync(path.join(ROOT, "fixtures", "generated", name), "utf8");

describe("xtablesCompatLines", () => {
  const ufwLines = [149, 150, ...Array.from({ length: 15 }, (_, i) => 206 + i), ...Array.from({ length: 11 }, (_, i) => 241 + i), 365, 366];
  test.each([
    ["ufw 0.36.2's rules as nft lists them on iptables-nft (recent, icmp6)", generated("ufw.nft"), ufwLines],
    ["firewalld 1.3.3's own table: native nft only", generated("firewalld.nft"), []],
    ["a hand-written native ruleset", "table inet f {\n\tchain input {\n\t\ttcp dport 22 accept\n\t}\n}\n", []],
    ["an xt target", "table ip filter {\n\tchain INPUT {\n\t\tcounter packets 0 bytes 0 xt target LOG\n\t}\n}\n", [3]],
    ["quoted names (newer nft)", 'table ip filter {\n\tchain INPUT {\n\t\txt match "recent" counter\n\t}\n}\n', [3]],
    ["a commented-out line is no expression", "# xt match recent was here\ntable inet f {\n}\n", []],
    ["a rule comment mentioning it is no expression", 'table inet f {\n\tchain c {\n\t\taccept comment "no xt match recent"\n\t}\n}\n', []],
  ])("%s", (_name, content, lines) => {
    expect(xtablesCompatLines(content).map((x) => x.line)).toEqual(lines);
  });

  test("each line names its expression", () => {
    expect(xtablesCompatLines(generated("ufw.nft")).slice(0, 3).map((x) => x.expression)).toEqual(["xt match recent", "xt match recent", "xt match icmp6"]);
  });
});

describe("a scenario applying an iptables-nft listing with nft:", () => {
  const file = path.join(ROOT, "scenarios", "nftables", "case.yaml");
  const scenario = (nft: string) =>
    `name: ufw's listing\ndescription: applied as nft\nhosts:\n  server: { firewall: true, listen: [tcp/22] }\n  remote: {}\nsteps:\n  - apply: { host: server, nft: ${nft} }\n  - expect:\n      - remote -> server:22 open\n`;

  test("is refused at load time with the file's lines and what to do instead", () => {
    let error: unknown;
    try {
      parseScenarioText(scenario("../../fixtures/generated/ufw.nft"), file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const d = (error as ScenarioError).diagnostics;
    expect(d).toHaveLength(1);
    expect(d[0]!.line).toBe(7);
    expect(d[0]!.message).toContain("fixtures/generated/ufw.nft:149: xt match recent");
    expect(d[0]!.message).toContain("30 line(s)");
    expect(d[0]!.hint).toContain("restore: { ipv4:");
    expect(d[0]!.hint).toContain("iptables-restore");
  });

  test("firewalld's generated table loads", () => {
    expect(() => parseScenarioText(scenario("../../fixtures/generated/firewalld.nft"), file)).not.toThrow();
  });
});
