/** Helpers for integration tests: a scenario session on a Docker lab of the test run (image and run id from global-setup). */
import { inject } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { DockerLabProvider } from "../lab/provider.ts";
import type { ExpectationResult } from "../model/results.ts";
import type { Family } from "../model/types.ts";
import { plannedProbe } from "../plan/plan.ts";
import { ownLab } from "../runner/lease.ts";
import { ScenarioSession, type SessionOptions } from "../runner/session.ts";
import type { Expectation, Scenario } from "../scenario/model.ts";

export async function testLabProvider(commandTimeoutSeconds?: number): Promise<DockerLabProvider> {
  return new DockerLabProvider({ docker: await connectEngine(), image: inject("fwspecImage"), runId: inject("fwspecRunId"), ownerPid: inject("fwspecOwnerPid"), commandTimeoutSeconds });
}

/** A session on a lab of its own; dispose it (await using) to remove the lab. */
export async function openSession(scenario: Scenario, options: SessionOptions & { readonly commandTimeoutSeconds?: number } = {}): Promise<ScenarioSession> {
  return new ScenarioSession(scenario, await ownLab(await testLabProvider(options.commandTimeoutSeconds), scenario), options);
}

/** Probes expectations (in any order, any family) as an expect step would: family lanes, parity probes, judged. */
export function probeEach(session: ScenarioSession, items: readonly { readonly expectation: Expectation; readonly family: Family }[]): Promise<ExpectationResult[]> {
  return session.probe(items.map(({ expectation, family }) => plannedProbe(session.scenario, expectation, family)));
}

export async function probeOne(session: ScenarioSession, expectation: Expectation, family: Family): Promise<ExpectationResult> {
  return (await probeEach(session, [{ expectation, family }]))[0]!;
}
