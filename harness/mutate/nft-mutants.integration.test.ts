/**
 * Every nft mutant of the shipped nftables scenarios (scenarios/nftables,
 * scenarios/nat/32) is a ruleset nft accepts: each mutant file is checked with
 * `nft -c -f` on a real lab host (lab addresses put in for the placeholders),
 * so a mutant run tests the change, not a syntax error.
 */
import path from "node:path";
import { expect, test } from "vitest";
import { PROJECT_ROOT } from "../env/images.ts";
import { CommandError } from "../errors.ts";
import { defineScenario } from "../scenario/load.ts";
import { validateFiles } from "../scenario/validate-files.ts";
import { openSession } from "../testing/session.ts";
import { mutantsOf } from "./mutants.ts";

/** Lab-range stand-ins for the router scenario's placeholders (nft -c needs well-formed addresses, not live ones). */
function withAddresses(text: string): string {
  return text.replace(/\{\{\s*(\w+)\.(ipv4|ipv6)\s*\}\}/g, (_m, host: string, family: string) => {
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
  for (const f of nftFiles) {
    try {
      await host.runStaged(f.content, "/tmp/mutant.nft", ["nft", "-c", "-f", "/tmp/mutant.nft"], `nft -c of ${f.id}`);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      rejected.push(`${f.id}: ${error.failure.stderr.split("\n")[0]}`);
    }
  }
  expect(rejected).toEqual([]);
}, 300_000);
