import { describe, expect, test } from "vitest";
import { iptablesDports, nftDports, vmapFor } from "./dports.ts";

describe("the destination ports a rule names", () => {
  test.each<[string, ReturnType<typeof iptablesDports>]>([
    ["-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT", [[22, 22]]],
    ["-A INPUT -p tcp -m multiport --dports 80,443,8000:8002 -j ACCEPT", [[80, 80], [443, 443], [8000, 8002]]],
    ["-A INPUT -p tcp -m tcp ! --dport 22 -j DROP", undefined],
    ["-A INPUT -p tcp -m tcp --dport ssh -j ACCEPT", undefined],
    ["-A INPUT -j DROP", undefined],
  ])("iptables %s", (rule, ports) => expect(iptablesDports(rule)).toEqual(ports));

  test.each<[string, ReturnType<typeof nftDports>]>([
    ["tcp dport 22 accept # handle 4", [[22, 22]]],
    ["tcp dport { 80, 8000-8002 } accept # handle 5", [[80, 80], [8000, 8002]]],
    ["tcp dport != 22 drop # handle 6", undefined],
    ["tcp dport vmap { 22 : accept } # handle 7", undefined],
  ])("nft %s", (rule, ports) => expect(nftDports(rule)).toEqual(ports));
});

describe("a verdict map as it applies to one port", () => {
  test.each([
    ["tcp dport vmap { 22 : accept, 8000-8090 : drop } # handle 7", 8080, "tcp dport vmap { 8080 : drop } # handle 7"],
    ["tcp dport vmap { 22 : accept, 8080 : jump blocked }", 8080, "tcp dport vmap { 8080 : jump blocked }"],
    ["iifname \"eth0\" udp dport vmap { 53 : accept } counter", 53, "iifname \"eth0\" udp dport vmap { 53 : accept } counter"],
    // No element holds the port, a named map, no map, a map only in a comment: the text unchanged.
    ["tcp dport vmap { 22 : accept }", 80, "tcp dport vmap { 22 : accept }"],
    ["tcp dport vmap @ports", 80, "tcp dport vmap @ports"],
    ["tcp dport 80 drop", 80, "tcp dport 80 drop"],
    ["tcp dport 80 drop comment \"tcp dport vmap { 80 : accept }\"", 80, "tcp dport 80 drop comment \"tcp dport vmap { 80 : accept }\""],
  ])("%s, port %i", (rule, port, expected) => expect(vmapFor(rule, port)).toBe(expected));
});
