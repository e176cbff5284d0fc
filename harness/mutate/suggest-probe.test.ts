import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import { unnamedListener, unnamedPort } from "./suggest-probe.ts";

const dir = mkdtempSync(path.join(tmpdir(), "fwspec-suggest-probe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A scenario whose server applies `rules` (an nft file) and listens on `listen`. */
const withRules = (rules: string, listen: string[]) => {
  writeFileSync(path.join(dir, "rules.nft"), rules);
  return defineScenario({
    name: "s", description: "d",
    hosts: { server: { firewall: true, listen }, client: {} },
    steps: [{ apply: { host: "server", nft: "rules.nft" } }, { expect: ["client -> server:22 open"] }],
  } as never, { baseDir: dir });
};

describe("a port no rule of the host names", () => {
  const chain = (...rules: string[]) => [" chain input {", "  type filter hook input priority 0; policy drop;", ...rules.map((r) => `  ${r}`), " }"];
  test.each<[string, string[], string[], string | undefined, number]>([
    ["a named verdict map's keys name their ports", [" map ports { type inet_service : verdict; elements = { 8000 : accept, 8095 : drop } }", ...chain("tcp dport 22 accept", "tcp dport vmap @ports")], ["tcp/22", "tcp/8000", "tcp/8095", "tcp/9090"], "tcp/9090", 9999],
    ["a range names every port in it", chain("tcp dport 22 accept", "tcp dport 8000-8090 accept"), ["tcp/22", "tcp/8050", "tcp/9090"], "tcp/9090", 9999],
    // An iptables-save counter and a map's `key : value` are no ranges of ports.
    ["counters and map entries are no port ranges", [" map fwd { type inet_service : inet_service; elements = { 80 : 9090 } }", ...chain("tcp dport 22 accept")], ["tcp/22", "tcp/8080"], "tcp/8080", 9999],
    ["a set's elements, on lines of their own", [" set web {", "  type inet_service", "  elements = { 22, 80, 9999 }", " }", ...chain("tcp dport @web accept")], ["tcp/22", "tcp/80"], undefined, 9998],
  ])("%s", (_, table, listen, listener, port) => {
    const s = withRules(["table inet fw {", ...table, "}", ""].join("\n"), listen);
    const l = unnamedListener(s, "server");
    expect(l ? `${l.protocol}/${l.port}` : undefined).toBe(listener);
    expect(unnamedPort(s, "server")).toBe(port);
  });
});
