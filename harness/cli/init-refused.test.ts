/** Unit tests (no Docker): init's hint for rules lines the tools refused names each family's own tool. */
import { describe, expect, it } from "vitest";
import { rulesRefused } from "./init.ts";

const problem = (file: string, family: "ipv4" | "ipv6") => ({ file: `/repo/${file}`, line: 3, family, tool: `${family === "ipv4" ? "iptables" : "ip6tables"}-restore --test`, message: "Bad argument" });

describe("rulesRefused: the hint names the tool the file must load with", () => {
  it.each([
    [[problem("fw/rules.v4", "ipv4")], "(the file must load with iptables-restore, as iptables-save writes it)"],
    // Tester 41a: an IPv4 file given as --v6 was told it must load with iptables-restore.
    [[problem("fw/rules.v6", "ipv6")], "(the file must load with ip6tables-restore, as ip6tables-save writes it)"],
    [[problem("fw/rules.v4", "ipv4"), problem("fw/rules.v6", "ipv6")], "(each file must load with its family's tool: iptables-restore for IPv4, ip6tables-restore for IPv6)"],
  ] as const)("%#", (problems, words) => {
    expect(rulesRefused(problems, "fwspec init --from fw/rules.v4", "/repo").hint).toContain(words);
  });
});
