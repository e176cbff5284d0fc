/**
 * Unit tests (table-driven, no Docker) for literal probe targets: a loopback
 * address is the probing host's own, as `localhost` is, and an address a host
 * declares is that host, so both need a listener where the probe goes (else
 * "blocked" could mean nothing listens, not the firewall). Any other literal
 * is left to the lab, which errors when no host holds it (probes/literal-targets.ts).
 */
import path from "node:path";
import { describe, expect, test } from "vitest";
import { onlyProblemAtMark } from "../testing/positioned.ts";
import { parseScenarioText } from "./load.ts";

const FILE = path.join(import.meta.dirname, "testdata", "case.yaml");

function scenario(expect: string): string {
  return [
    "name: n",
    "description: d",
    "subnets:",
    "  lan: { ipv4: 198.18.7.0/24, ipv6: 2001:db8:7::/64 }",
    "hosts:",
    '  server: { firewall: true, listen: [tcp/22, udp/53], addresses: { lan: { ipv4: 198.18.7.2, ipv6: "2001:db8:7::2" } } }',
    '  scanner: { addresses: { lan: { ipv4: 198.18.7.10, extra: [198.18.7.99, "2001:db8:7::99"] } } }',
    "steps:",
    "  - expect:",
    `      - ${expect}`,
    "",
  ].join("\n");
}

describe("literal targets need a listener where a host is known", () => {
  test.each<[string, string, RegExp]>([
    ["IPv4 loopback: the probing host", "scanner -> 127.0.0.1:‸22 refused", /^`scanner` \(127\.0\.0\.1 is the probing host's own loopback\) does not listen on tcp\/22\ndeclare it/],
    ["another loopback address", "scanner -> 127.0.0.53:‸22 dropped", /^`scanner` \(127\.0\.0\.53 is the probing host's own loopback\) does not listen on tcp\/22/],
    ["IPv6 loopback", "scanner -> [::1]:‸22 open", /^`scanner` \(::1 is the probing host's own loopback\) does not listen on tcp\/22/],
    ["a host's fixed address", "server -> 198.18.7.10:‸22 open", /^`scanner` \(198\.18\.7\.10 is an address scanner declares\) does not listen on tcp\/22\n.*scanner declares no listeners/],
    ["a host's extra address, another spelling", "server -> [2001:db8:7:0::99]:‸22 dropped", /^`scanner` \(2001:db8:7:0::99 is an address scanner declares\) does not listen on tcp\/22/],
    ["the other protocol", "scanner -> 198.18.7.2:‸22/udp dropped", /^`server` \(198\.18\.7\.2 is an address server declares\) does not listen on udp\/22\n.*server listens on tcp\/22, udp\/53/],
    ["the object form", "{ from: scanner, to: 127.0.0.1, port: 22, verdict: refused }", /^`scanner` \(127\.0\.0\.1 is the probing host's own loopback\) does not listen on tcp\/22/],
  ])("%s", (_what, line, message) => {
    const text = scenario(line);
    expect(text.includes("‸") ? onlyProblemAtMark(text, FILE) : problemOf(text)).toMatch(message);
  });

  test.each<[string, string]>([
    ["a declared address whose host listens", "scanner -> 198.18.7.2:22 open"],
    ["its IPv6 address", "scanner -> [2001:db8:7::2]:53/udp dropped"],
    ["loopback where the prober listens", "server -> 127.0.0.1:22 open"],
    ["an address nobody declares (the lab decides)", "scanner -> 198.18.7.50:22 dropped"],
    ["answered-by names who must listen", "scanner -> 198.18.7.10:22 open answered-by server"],
    ["a sweep needs no listener", "server -> 198.18.7.10:1-1024 blocked"],
  ])("%s", (_what, line) => {
    expect(() => parseScenarioText(scenario(line), FILE)).not.toThrow();
  });
});

/** The one problem of a scenario without a mark (the object form's port is a key of its own). */
function problemOf(text: string): string {
  try {
    parseScenarioText(text, FILE);
  } catch (error) {
    const d = (error as { diagnostics?: { message: string; hint?: string }[] }).diagnostics ?? [];
    if (d.length === 1) return `${d[0]!.message}\n${d[0]!.hint ?? ""}`;
    throw error;
  }
  throw new Error("no problem reported");
}
