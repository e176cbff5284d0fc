/**
 * Runs one probe job (ProbeSpec) in a started lab and returns what it observed
 * (ProbeResult) with evidence: a command a person can paste, exit code, output
 * and duration. A probe is run once; it is never retried towards an answer.
 */
import { LabError } from "../errors.ts";
import type { StartedHost, StartedLab } from "../lab/lab.ts";
import { allowedTarget, isIPv4 } from "../lab/addresses.ts";
import { type Family, type ProbeSpec, type Verdict, describeProbe } from "../model/types.ts";
import { classify } from "./classify.ts";
import { probeCommand } from "./command.ts";

export interface ProbeEvidence {
  /** `docker exec <container> nc -zv -w 2 198.18.4.3 8080` */
  readonly command: string;
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export interface ProbeResult {
  readonly spec: ProbeSpec;
  /** The address actually probed. */
  readonly address: string;
  readonly verdict: Verdict;
  readonly reason: string;
  readonly evidence: ProbeEvidence;
}

/** The address a probe goes to, in the given lab. */
export function resolveTarget(lab: StartedLab, spec: ProbeSpec): string {
  const from = lab.host(spec.from);
  switch (spec.to.kind) {
    case "localhost":
      return from.loopback(spec.family);
    case "host":
      return lab.addressFor(from, lab.host(spec.to.host), spec.family);
    case "address": {
      const a = spec.to.address;
      if (!allowedTarget(a)) throw new LabError(`probe target ${a} is outside the lab ranges (198.18.0.0/15, 2001:db8::/32, loopback)`);
      if ((spec.family === "ipv4") !== isIPv4(a)) throw new LabError(`probe target ${a} is not an ${spec.family} address`);
      return a;
    }
  }
}

export async function runProbeFrom(from: StartedHost, address: string, spec: ProbeSpec): Promise<ProbeResult> {
  const command = probeCommand(spec.protocol, address, spec.port, spec.timeoutSeconds);
  const repro = from.repro(command.argv);
  try {
    const r = await from.exec(command.argv);
    const c = classify(spec.protocol, r, spec.timeoutSeconds, command.nonce);
    return {
      spec,
      address,
      verdict: c.verdict,
      reason: c.reason,
      evidence: { command: repro, argv: command.argv, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: r.durationMs },
    };
  } catch (error) {
    // The probe could not run (container gone, engine error): that is an error, never "blocked".
    return {
      spec,
      address,
      verdict: "error",
      reason: (error as Error).message,
      evidence: { command: repro, argv: command.argv, exitCode: null, stdout: "", stderr: (error as Error).message, durationMs: 0 },
    };
  }
}

export async function runProbe(lab: StartedLab, spec: ProbeSpec): Promise<ProbeResult> {
  let address: string;
  try {
    address = resolveTarget(lab, spec);
  } catch (error) {
    return {
      spec,
      address: "",
      verdict: "error",
      reason: (error as Error).message,
      evidence: { command: "", argv: [], exitCode: null, stdout: "", stderr: (error as Error).message, durationMs: 0 },
    };
  }
  return runProbeFrom(lab.host(spec.from), address, spec);
}

export function probeSummary(r: ProbeResult): string {
  return `${describeProbe(r.spec)} → ${r.verdict} (${r.reason})`;
}

