/**
 * Ctrl-C during `fwspec mutate`: SIGINT sent to the real CLI process (node
 * running harness/cli/main.ts, no npx or shell in between) after the first
 * scenario's mutants are done and while the second's run: the process exits
 * with the interrupt code (130), prints the finished scenario and a score
 * labelled as partial, and leaves no container or network labelled fwspec=lab
 * of its own behind.
 */
import { join } from "node:path";
import { execa } from "execa";
import pRetry from "p-retry";
import { expect, test } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { PROJECT_ROOT } from "../env/images.ts";
import { LABEL_PID, LABEL_PRODUCT } from "../lab/resources.ts";

const CLI = join(PROJECT_ROOT, "harness/cli/main.ts");
const FIRST = "scenarios/nftables/41-block-port-nft.yaml";
const SECOND = "scenarios/nftables/42-firewalld-style-inet.yaml"; // files run in path order: 41 first

async function labResources(pid: number): Promise<string[]> {
  const docker = await connectEngine();
  const filters = { label: [`${LABEL_PRODUCT}=lab`, `${LABEL_PID}=${pid}`] };
  const containers = (await docker.listContainers({ all: true, filters })).map((c) => `container ${c.Names[0]}`);
  const networks = (await docker.listNetworks({ filters })).map((n) => `network ${n.Name}`);
  return [...containers, ...networks];
}

test("SIGINT mid-mutate: exit 130, the finished scenario and a partial score printed, no lab left", async () => {
  const child = execa(process.execPath, [CLI, "mutate", FIRST, SECOND], { cwd: PROJECT_ROOT, reject: false, all: true });
  let output = "";
  child.all!.on("data", (d: Buffer) => (output += d.toString()));
  // The first scenario is finished (its progress line), and the second one's labs are up.
  await pRetry(async () => {
    if (!output.includes("41-block-port-nft.yaml: ")) throw new Error("first scenario not finished yet");
    if ((await labResources(child.pid!)).filter((r) => r.startsWith("container")).length < 2) throw new Error("second scenario's lab not up yet");
  }, { retries: 400, minTimeout: 250, maxTimeout: 500, maxRetryTime: 240_000 });
  child.kill("SIGINT");
  const result = await child;

  // Removal happens before the process exits: nothing of this run is left, at once.
  const left = await labResources(child.pid!);
  const printed = {
    exitCode: result.exitCode,
    finishedScenario: /41-block-port-nft\.yaml: 5 mutants: 5 killed/.test(result.stdout),
    partialScore: /PARTIAL mutation score 100\.0 % \(5 killed of 5 scored.*\), 1 of 2 scenarios/.test(result.stdout),
    scoreLines: result.stdout.split("\n").filter((l) => /mutation score/.test(l)).length,
    unfinishedScenarioScored: /42-firewalld-style-inet\.yaml: \d+ mutants/.test(result.stdout),
    // Long work shows progress: a line per mutant run (stderr), not only one per scenario.
    mutantProgress: /\[mutant (delete|accept-drop)@[^\]]+\]: \d+\/\d+ checks held/.test(result.stderr),
    // Nothing after the stop: no progress line for the mutants the stop ended (they would read as run and errored).
    progressAfterStop: (result.all ?? "").split(/PARTIAL mutation score/)[1]?.split("\n").filter((l) => /checks held/.test(l)) ?? ["no PARTIAL line"],
    left,
  };
  expect(printed, result.all).toEqual({ exitCode: 130, finishedScenario: true, partialScore: true, scoreLines: 1, unfinishedScenarioScored: false, mutantProgress: true, progressAfterStop: [], left: [] });
}, 300_000);
