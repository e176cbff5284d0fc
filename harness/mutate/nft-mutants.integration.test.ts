/**
 * Every nft mutant of the shipped nftables scenarios (scenarios/nftables,
 * scenarios/nat/32) is a ruleset nft accepts: each mutant file is checked with
 * `nft -c -f` on a real lab host (lab addresses put in for the placeholders),
 * so a mutant run tests the change, not a syntax error. And a mutant nft does
 * refuse ends as an error naming nft's reason, never as killed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { PROJECT_ROOT } from "../env/images.ts";
import { CommandError } from "../errors.ts";
import { defineScenario } from "../scenario/load.ts";
import { validateFiles } from "../scenario/validate-files.ts";
import { openSession, testLabProvider } from "../testing/session.ts";
import { mutantsOf } from "./mutants.ts";
import { run } from "../api.ts";
import { classifyMutant, countedRules } from "./classify.ts";
import type { Operator } from "./operators.ts";

/** Lab-range stand-ins for the router scenario's placeholders (nft -c needs well-formed addresses, not live ones). */
function withAddresses(text: string): string {
  // `{{ host.ipv4 }}` and `{{ host.network.ipv4 }}` (43's port forwards name the server's public address).
  return text.replace(/\{\{\s*(\w+)(?:\.[\w-]+)?\.(ipv4|ipv6)\s*\}\}/g, (_m, host: string, family: string) => {
    if (host === "dmz") return family === "ipv4" ? "198.18.1.0/24" : "2001:db8:1::/64";
    return family === "ipv4" ? "198.18.1.2" : "2001:db8:1::2";
  });
}

test("every nft mutant of the shipped nftables scenarios passes nft -c", async () => {
  const files = ["scenarios/nftables", "scenarios/nat/32-port-forward-nft.yaml"].map((f) => path.join(PROJECT_ROOT, f));
  const mutants = validateFiles(files).scenarios.flatMap((s) => mutantsOf(s));
  const nftFiles = mutants.flatMap((m) => m.scenario.steps.flatMap((step) => (step.kind === "apply" ? step.sources : [])).flatMap((s) => (s.kind === "nft" ? [{ id: `${path.basename(m.scenario.file)} ${m.id}`, content: withAddresses(s.content) }] : [])));
  expect(nftFiles.length).toBeGreaterThan(60);

  const lab = defineScenario({ name: "nft -c", description: "a host to check nft files on", hosts: { server: { firewall: true } }, steps: [{ run: { host: "server", command: ["true"] } }] });
  await using session = await openSession(lab);
  const host = session.lab.host("server");
  const rejected: string[] = [];
  // One nft -c per distinct file: mutants of different operators can write the same ruleset.
  const distinct = [...new Map(nftFiles.map((f) => [f.content, f])).values()];
  for (const f of distinct) {
    try {
      await host.runStaged(f.content, "/tmp/mutant.nft", ["nft", "-c", "-f", "/tmp/mutant.nft"], `nft -c of ${f.id}`);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      rejected.push(`${f.id}: ${error.failure.stderr.split("\n")[0]}`);
    }
  }
  expect(rejected).toEqual([]);
  // 387 distinct files pass in about 12 s; a rejected file is slow to report (16 of them took the test past 300 s), hence the margin.
}, 900_000);

test("a mutant nft -c refuses is an error with nft's reason, not killed (the real apply path in a lab)", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "fwspec-nft-mutant-"));
  try {
    writeFileSync(path.join(dir, "fw.nft"), "table inet t {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t\ttcp dport 8081 counter drop\n\t}\n}\n");
    const scenario = defineScenario({
      name: "one drop rule", description: "its mutant is not a ruleset",
      hosts: { server: { firewall: true, listen: ["tcp/8081"] }, remote: {} },
      steps: [{ apply: { host: "server", nft: "fw.nft" } }, { expect: ["remote -> server:8081 dropped"] }],
    }, { baseDir: dir });
    // No shipped operator writes an invalid ruleset (the test above): this one misspells the verdict, as a faulty operator would.
    const faulty: Operator = {
      name: "accept-drop", summary: "a faulty operator",
      propose: (lines) => lines.filter((l) => l.chain === "input" && l.words.includes("drop")).map((line) => ({
        operator: "accept-drop" as const, edits: [{ line, replacement: { program: undefined, words: line.words.map((w) => (w === "drop" ? "dorp" : w)) } }], equivalentIfUnmatched: [],
      })),
    };
    const [mutant] = mutantsOf(scenario, [faulty]);
    const report = await run({ scenarios: [scenario, mutant!.scenario] }, { provider: await testLabProvider(), labs: 1 });
    expect(report.scenarios[0]!.status).toBe("passed");
    const outcome = classifyMutant(mutant!, report.scenarios[1]!, scenario, countedRules(report.scenarios[0]!));
    expect(`${outcome.id} ${outcome.status}: ${outcome.detail}`).toMatch(/^accept-drop@fw\.nft:4 error: the mutant is no valid ruleset \(not counted as killed\): nft -c rejected \S*fw\.nft: \S*fw\.nft:4:\d+: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
