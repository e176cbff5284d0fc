/**
 * A native nft survivor's suggestion weighed with the rules' source matches
 * (pure): `ip saddr`, `ip6 saddr`, sets of addresses (anonymous or named) and
 * `saddr != …`. A check from an address (`remote@198.18.7.25`) is weighed from
 * that address, a plain peer's from its declared address or subnet, else the
 * automatic lab subnet (198.19.128.0/17, 2001:db8:f5::/48); the probe that
 * tells the mutant apart may leave from an address a rule names, with what
 * to declare for it.
 */
import { describe, expect, test } from "vitest";
import type { Scenario } from "../scenario/model.ts";
import { mutantsOf } from "./mutants.ts";
import { selectOperators } from "./operators.ts";
import { suggestCheck } from "./suggest.ts";

const inputChain = (policy: string, ...rules: string[]) => `table inet filter {\n\tchain input {\n\t\ttype filter hook input priority filter; policy ${policy};\n${rules.map((r) => `\t\t${r}\n`).join("")}\t}\n}\n`;
const ADMINS = "table inet filter {\n\tset admins {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 198.18.7.0/25 }\n\t}\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n\t\tip saddr @admins tcp dport 22 accept\n\t}\n}\n";

const lab = (content: string, remote: object = {}, subnets?: Scenario["subnets"]): Scenario => ({
  file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2,
  ...(subnets ? { subnets } : {}),
  hosts: [{ name: "server", firewall: true, backend: "nft", listen: [{ protocol: "tcp", port: 22 }] } as never, { name: "remote", firewall: false, listen: [], ...remote } as never],
  steps: [{ kind: "apply", host: "server", sources: [{ kind: "nft", path: "/p/rules.nft", content }], location: { file: "/p/s.yaml", line: 3, column: 1 } }],
});

/** What remote must declare to leave from 198.18.N.M (no subnet declared). */
const leaves = (address: string) => `remote needs the address ${address} to leave from: \`addresses: { lan: { extra: [${address}] } }\` on remote, with \`subnets: { lan: { ipv4: ${address.replace(/\.\d+$/, ".0")}/24 } }\``;
const matches = (address: string) => `remote needs the address ${address}, which the rule's source matches: \`addresses: { lan: { extra: [${address}] } }\` on remote, with \`subnets: { lan: { ipv4: ${address.replace(/\.\d+$/, ".0")}/24 } }\``;

const NARROWER_FIRST = inputChain("drop", "ip saddr 198.18.7.0/28 drop", "ip saddr 198.18.7.0/25 tcp dport 22 accept");
const NOT_FROM = inputChain("accept", "ip saddr != 198.18.7.0/25 tcp dport 22 drop");
const NOTHING_TELLS = "no TCP/UDP probe tells it apart: as fwspec reads the rules, every probe from remote and from server itself gets the same verdict with and without this change (it matters for other traffic: ICMP, related or invalid packets, another source); check it with a `run` step that sends such traffic, or accept it as a known gap";

describe("native nft: a suggestion weighed with the rules' source addresses", () => {
  test.each([
    // The rule's own source (198.18.7.10) holds with the rules as written and fails with the mutant: kept.
    ["accept-drop", "accept-drop@rules.nft:4", lab(inputChain("drop", "ip saddr 198.18.7.0/25 tcp dport 22 accept")), `add \`remote@198.18.7.10 -> server:22/tcp4 open\` (${matches("198.18.7.10")})`],
    // 198.18.7.10 is in the /28 the rule before drops (was: `remote@198.18.7.10 … open`, which fails as written): past it, .25.
    ["accept-drop", "accept-drop@rules.nft:5", lab(NARROWER_FIRST), `add \`remote@198.18.7.25 -> server:22/tcp4 open\` (with this change it is dropped; ${leaves("198.18.7.25")})`],
    ["delete", "delete@rules.nft:5", lab(NARROWER_FIRST), `add \`remote@198.18.7.25 -> server:22/tcp4 open\` (with this change it is dropped; ${leaves("198.18.7.25")})`],
    ["port", "port@rules.nft:5 dport 22→23", lab(NARROWER_FIRST), `add \`remote@198.18.7.25 -> server:22/tcp4 open\` (with this change it is dropped; ${leaves("198.18.7.25")})`],
    // The /28's own mutants: from .10 it decides.
    ["accept-drop", "accept-drop@rules.nft:4", lab(NARROWER_FIRST), `add \`remote@198.18.7.10 -> server:22/tcp4 dropped\` (${matches("198.18.7.10")})`],
    // One element of an address set removed: a source in that element (was: from the first element, decided alike).
    ["set-element", "set-element@rules.nft:4 -198.18.9.0/24", lab(inputChain("drop", "ip saddr { 198.18.7.5, 198.18.9.0/24 } tcp dport 22 accept")), `add \`remote@198.18.9.10 -> server:22/tcp4 open\` (with this change it is dropped; ${leaves("198.18.9.10")})`],
    // A named set: the probe leaves from an address in it (was: `remote -> server:22/tcp4 open`, dropped by the policy).
    ["accept-drop", "accept-drop@rules.nft:9", lab(ADMINS), `add \`remote@198.18.7.10 -> server:22/tcp4 open\` (with this change it is dropped; ${leaves("198.18.7.10")})`],
    // `!=`: remote's automatic address (198.19.128.0/17) is outside the range, so the rule drops its probe: kept.
    ["accept-drop", "accept-drop@rules.nft:4", lab(NOT_FROM), "add `remote -> server:22/tcp4 dropped`"],
    // remote's declared address is inside it: its probe never meets the drop (was: `remote -> server:22/tcp4 dropped`);
    // the host's own probe (127.0.0.1) does.
    ["accept-drop", "accept-drop@rules.nft:4", lab(NOT_FROM, { addresses: { lan: { ipv4: "198.18.7.10" } } }, { lan: { ipv4: "198.18.7.0/24" } }), "add `server -> localhost:22/tcp4 dropped` (with this change it is open)"],
    // Two rules accept the same sources: without the first, the second admits them alike (was: `remote@198.18.7.10 … open`).
    ["delete", "delete@rules.nft:4", lab(inputChain("drop", "ip saddr 198.18.7.0/25 tcp dport 22 accept", "ip saddr 198.18.7.0/25 tcp dport 22 accept")), NOTHING_TELLS],
  ])("%s: %s (%#)", (op, id, scenario, want) => {
    const all = mutantsOf(scenario, selectOperators([op]));
    const m = all.find((x) => x.id === id);
    expect(m, all.map((x) => x.id).join(", ")).toBeDefined();
    expect(suggestCheck(m!, scenario)).toBe(want);
  });
});

describe("iptables: a suggestion weighed with the rules (ipt-probe.ts)", () => {
  const v4 = (...rules: string[]): Scenario => ({
    file: "/p/s.yaml", name: "s", description: "", timeoutSeconds: 2,
    hosts: [{ name: "server", firewall: true, listen: [{ protocol: "tcp", port: 8080 }] } as never, { name: "remote", firewall: false, listen: [] } as never],
    steps: [{ kind: "apply", host: "server", sources: [{ kind: "restore", family: "ipv4", path: "/p/rules.v4", content: `*filter\n:INPUT DROP [0:0]\n${rules.join("\n")}\nCOMMIT\n` }], location: { file: "/p/s.yaml", line: 3, column: 1 } }],
  });
  // A DROP behind a broader ACCEPT (tester 43d's shape, no check on its port): 8080 is open as written.
  const SHADOWED = v4("-A INPUT -p tcp --dport 8000:9000 -j ACCEPT", "-A INPUT -p tcp --dport 8080 -j DROP");
  const TWICE = v4("-A INPUT -p tcp --dport 8080 -j ACCEPT", "-A INPUT -p tcp --dport 8080 -j ACCEPT");
  test.each([
    // Was: `add a check on port 8080, which the rule decides: \`remote -> server:8080/tcp4 dropped\``, which fails as
    // written; 8081 lies in the range too: the moved DROP is as shadowed there.
    ["port", "port@rules.v4:4 --dport 8080→8081", SHADOWED, NOTHING_TELLS],
    // Was: `add \`remote -> server:8080/tcp4 dropped\``: no probe tells the shadowed DROP's deletion apart.
    ["delete", "delete@rules.v4:4", SHADOWED, NOTHING_TELLS],
    // The range's ACCEPT made a DROP: its first port shows it (kept: it holds as written and fails with the change).
    ["accept-drop", "accept-drop@rules.v4:3", SHADOWED, "add `remote -> server:8000/tcp4 open` (with `listen: [tcp/8000]` on server)"],
    // Two ACCEPTs of one port: the first's port moved opens 8081 (was: `… with the verdict the rules give it now
    // (\`remote -> server:8081/tcp4 …\`, not open)`: the verdict is now named).
    ["port", "port@rules.v4:3 --dport 8080→8081", TWICE, "add `remote -> server:8081/tcp4 dropped` (with `listen: [tcp/8081]` on server; with this change it is open)"],
  ])("%s: %s (%#)", (op, id, scenario, want) => {
    const all = mutantsOf(scenario, selectOperators([op]));
    const m = all.find((x) => x.id === id);
    expect(m, all.map((x) => x.id).join(", ")).toBeDefined();
    expect(suggestCheck(m!, scenario)).toBe(want);
  });
});
