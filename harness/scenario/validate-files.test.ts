/** Unit tests (table-driven, no Docker) for validate-files.ts. */
import { mkdtempSync, writeFileSync } from "node:fs";
import type { NetworkInterfaceInfo } from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../errors.ts";
import { loadScenarioSync } from "./load.ts";
import { refuseCodeScenarios, validateFiles } from "./validate-files.ts";

const SCENARIO = `name: probes docker0
description: a literal target that is the machine's own address
hosts:
  server: { firewall: true, listen: [tcp/22] }
  remote: {}
steps:
  - expect:
      - remote -> server:22 open
      - remote -> 198.19.255.1:22 dropped
`;

describe("validateFiles", () => {
  it("refuses a literal target that is an address of this machine, naming file and line (exit 2)", () => {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-validate-"));
    const file = join(dir, "machine.yaml");
    writeFileSync(file, SCENARIO);
    const interfaces = { docker0: [{ address: "198.19.255.1", family: "IPv4" } as NetworkInterfaceInfo] };
    let error: unknown;
    try {
      validateFiles([file], interfaces);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).exitCode).toBe(2);
    expect((error as InputError).message).toContain(`${file}:9:`);
    expect((error as InputError).message).toMatch(/198\.19\.255\.1 is an address of this machine \(interface docker0\)/);
    expect(validateFiles([file], {}).scenarios).toHaveLength(1);
  });

  it("a scenario made in code gets the same refusal (refuseCodeScenarios, used by api.run for scenarios)", () => {
    const dir = mkdtempSync(join(tmpdir(), "fwspec-validate-"));
    const file = join(dir, "machine.yaml");
    writeFileSync(file, SCENARIO);
    const scenario = loadScenarioSync(file);
    const interfaces = { docker0: [{ address: "198.19.255.1", family: "IPv4" } as NetworkInterfaceInfo] };
    expect(() => refuseCodeScenarios([scenario], interfaces)).toThrow(/198\.19\.255\.1 is an address of this machine/);
    expect(() => refuseCodeScenarios([scenario], {})).not.toThrow();
  });
});
