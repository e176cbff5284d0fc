/**
 * A TCP connection its prober's kernel completed that brought nothing and
 * never closed within the tool's timeout, while the target still holds it
 * half-open (pure). fwspec's TCP listener greets every connection it accepts
 * at once (docker/fwspec-tcp-echo); a silent connection may also be a silent
 * service (behind a REDIRECT or DNAT), so the target is asked (probes/probe.ts
 * labChecked): a socket of its in SYN-RECV on the probed port means the
 * handshake's last ACK, or what followed it, never reached it — an
 * `ESTABLISHED -j DROP`, a `--tcp-flags` rule — and no data passes. That is
 * `dropped`, whatever the prober's `connect()` said; the SYN's own deciding
 * rule still stands in the evidence. An HTTP probe that connected and got no
 * response (curl's timeout) is asked the same way: half-open there, it is
 * `dropped` too (tester 42a: `--state ESTABLISHED -j DROP`, a NEW-only
 * ACCEPT); otherwise it stays an error (a server that never answered).
 */
import type { ProbeResult } from "./probe.ts";

/** Connected, then nothing (no data, no close) for the whole timeout: worth asking the target. */
export function silentConnection(result: ProbeResult): boolean {
  const { spec, evidence } = result;
  return spec.protocol === "tcp" && result.verdict === "open" && result.answer === undefined && evidence.stdout.trim() === "" && evidence.durationMs >= spec.timeoutSeconds * 900;
}

/** An HTTP probe connected, then no response within its timeout (curl's exit 28 after `Connected to`: an `error` until the target is asked). */
export function silentHttp(result: ProbeResult): boolean {
  const { spec, evidence } = result;
  return spec.protocol === "http" && result.verdict === "error" && evidence.exitCode === 28 && /Connected to/.test(evidence.stderr);
}

/**
 * The target's half-open sockets on the probed port (`ss -Htn state syn-recv`): from the prober's address `peer`, or
 * from any address when the prober's may have been rewritten on the way (a router's SNAT or masquerade: undefined).
 */
export function halfOpenCommand(port: number, peer: string | undefined): string[] {
  return ["ss", "-Htn", "state", "syn-recv", peer === undefined ? `( sport = :${port} )` : `( sport = :${port} and dst ${peer.includes(":") ? `[${peer}]` : peer} )`];
}

/** The result, `dropped` when it was a silent connection and the target (`target`) listed a half-open socket on its port (`ss`: halfOpenCommand's output). */
export function ungreeted(result: ProbeResult, target: string, ss: string): ProbeResult {
  const http = silentHttp(result);
  if (!(silentConnection(result) || http) || ss.trim() === "") return result;
  const { spec } = result;
  return {
    ...result,
    verdict: "dropped",
    halfOpen: true,
    reason: `connected (its SYN was answered), but ${http ? "no HTTP response" : "nothing"} came for the whole ${spec.timeoutSeconds} s and ${target} still holds the connection half-open (SYN-RECV on port ${spec.port}): the handshake's last ACK, or what followed it, was dropped on the way and no ${http ? "request" : "data"} passes`,
  };
}
