/**
 * A TCP connection its prober's kernel completed to a port a fwspec listener
 * serves, that brought nothing and never closed within the tool's timeout
 * (pure). fwspec's TCP listener greets every connection it accepts at once
 * with its identity line, then echoes and closes when the prober does
 * (docker/fwspec-answer): silence for the whole timeout means the server never
 * accepted the connection, because the handshake's last ACK (or what followed
 * it) was dropped on the way — an `ESTABLISHED -j DROP`, a `--tcp-flags` rule
 * — and no data passes. That is `dropped`, whatever the prober's `connect()`
 * said; the SYN's own deciding rule still stands in the evidence.
 */
import type { ListenerSpec } from "../model/types.ts";
import type { ProbeResult } from "./probe.ts";

/** Does a host with these listeners serve a greeting TCP listener on `port`? (HTTP listeners wait for a request.) */
export function servesListener(listen: readonly ListenerSpec[], port: number): boolean {
  return listen.some((l) => l.protocol === "tcp" && l.port === port);
}

/** The result, `dropped` when the connection was never greeted (`served`: the probed host serves a TCP listener on the port). */
export function ungreeted(result: ProbeResult, served: boolean): ProbeResult {
  const { spec, evidence } = result;
  if (!served || spec.protocol !== "tcp" || result.verdict !== "open" || result.answer !== undefined) return result;
  // Anything it sent, or a close before the timeout: something answered (another service, behind a rewrite).
  if (evidence.stdout.trim() !== "" || evidence.durationMs < spec.timeoutSeconds * 900) return result;
  return {
    ...result,
    verdict: "dropped",
    halfOpen: true,
    reason: `connected (its SYN was answered), but the listener on port ${spec.port} sent nothing and the connection stayed open for the whole ${spec.timeoutSeconds} s: fwspec's listener greets every connection it accepts, so the handshake's last ACK, or what followed it, was dropped on the way and no data passes`,
  };
}
