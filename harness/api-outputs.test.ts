/**
 * api.run refuses report files that would overwrite what the run reads before
 * any lab starts (no Docker: a fake lab that must not be asked): a scenario of
 * this shard, one of another shard, a rules file a step loads.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { run } from "./api.ts";
import { InputError } from "./errors.ts";
import type { LabProvider } from "./lab/types.ts";

const SCENARIO = "name: S\ndescription: D\nhosts: { server: { firewall: true, listen: [tcp/22] }, client: {} }\nsteps:\n  - apply: { host: server, script: rules.sh }\n  - expect: [client -> server:22 open]\n";
const untouched: LabProvider = { start: () => Promise.reject(new Error("no lab may start")) };

describe("report files against the run's inputs", () => {
  const dir = mkdtempSync(join(tmpdir(), "fwspec-api-outputs-"));
  writeFileSync(join(dir, "fwspec.config.json"), "{}");
  writeFileSync(join(dir, "rules.sh"), "#!/bin/sh\niptables -A INPUT -p tcp --dport 22 -j ACCEPT\n");
  for (const f of ["a.yaml", "b.yaml"]) writeFileSync(join(dir, f), SCENARIO.replace("name: S", `name: ${f}`));
  const paths = [join(dir, "a.yaml"), join(dir, "b.yaml")];

  test.each<[string, string, string | undefined]>([
    ["a scenario of this shard", "a.yaml", undefined],
    ["a scenario of another shard", "b.yaml", "1/2"],
    ["a rules file a step loads", "rules.sh", undefined],
  ])("%s", async (_what, file, shard) => {
    const outcome = run({ paths }, { provider: untouched, ...(shard ? { shard } : {}), outputs: [{ flag: "--json", file: join(dir, file) }] });
    await expect(outcome).rejects.toThrow(InputError);
    await expect(outcome).rejects.toThrow(`--json ${join(dir, file)} would overwrite the`);
  });
});
