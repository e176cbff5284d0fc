/** Unit tests (table-driven, pure) for greeting.ts: a connection the target still holds half-open. */
import { describe, expect, test } from "vitest";
import type { ProbeSpec } from "../model/types.ts";
import { halfOpenCommand, silentConnection, silentHttp, ungreeted } from "./greeting.ts";
import type { ProbeResult } from "./probe.ts";

const spec: ProbeSpec = { from: "client", to: { kind: "host", host: "server" }, port: 22, protocol: "tcp", family: "ipv4", timeoutSeconds: 2 };
const result = (over: Partial<ProbeResult> & { stdout?: string; durationMs?: number }): ProbeResult => ({
  spec, address: "198.18.0.3", verdict: "open", reason: "connection succeeded",
  evidence: { command: "nc", argv: [], exitCode: 0, stdout: over.stdout ?? "", stderr: "Connection to 198.18.0.3 22 port [tcp/ssh] succeeded!\n", durationMs: over.durationMs ?? 2006 },
  ...over,
});
/** An HTTP probe whose curl connected and then ran into its timeout (exit 28). */
const http = (over: Partial<ProbeResult> = {}): ProbeResult => result({
  spec: { ...spec, protocol: "http", port: 80 }, verdict: "error", reason: "connected (its SYN was answered), but no HTTP response within 2 s",
  evidence: { command: "curl", argv: [], exitCode: 28, stdout: "000", stderr: "* Connected to 198.18.0.3 (198.18.0.3) port 80\ncurl: (28) Operation timed out after 2001 milliseconds with 0 bytes received\n", durationMs: 2003 },
  ...over,
});
const ANSWER = { host: "server", port: 22, peer: "198.18.0.2", peerPort: 40000 };
const SYN_RECV = "0      0      198.18.0.3:22      198.18.0.2:41234\n";

describe("ungreeted", () => {
  test.each<[string, ProbeResult, string, string]>([
    ["connected, silent for the whole timeout, the target half-open: dropped", result({}), SYN_RECV, "dropped"],
    ["silent, but the target holds no half-open socket (a silent service took it, behind a REDIRECT): open", result({}), "", "open"],
    ["greeted: open", result({ stdout: "fwspec server 22 198.18.0.2 40000\n", durationMs: 4, answer: ANSWER }), SYN_RECV, "open"],
    ["something else answered (data, no identity line): open", result({ stdout: "SSH-2.0-OpenSSH\n" }), SYN_RECV, "open"],
    ["closed before the timeout without a greeting: open", result({ durationMs: 40 }), SYN_RECV, "open"],
    ["already dropped: unchanged", result({ verdict: "dropped", reason: "no answer within 2 s" }), SYN_RECV, "dropped"],
    ["UDP: no handshake", result({ spec: { ...spec, protocol: "udp" } }), SYN_RECV, "open"],
    // HTTP: curl connected, then its timeout (exit 28) — an `error` until the target is asked (tester 42a).
    ["HTTP connected, no response, the target half-open: dropped", http(), SYN_RECV, "dropped"],
    ["HTTP connected, no response, nothing half-open (a silent server): still an error", http(), "", "error"],
    ["HTTP that never connected: not this case", http({ evidence: { ...http().evidence, stderr: "curl: (28) Failed to connect to 198.18.0.3 port 80 after 2001 ms: Timeout was reached\n" } }), SYN_RECV, "error"],
  ])("%s", (_, r, ss, want) => expect(ungreeted(r, "server", ss).verdict).toBe(want));

  test("the reason says what was seen and what it means", () => {
    const r = ungreeted(result({}), "server", SYN_RECV);
    expect(r.reason).toBe("connected (its SYN was answered), but nothing came for the whole 2 s and server still holds the connection half-open (SYN-RECV on port 22): the handshake's last ACK, or what followed it, was dropped on the way and no data passes");
    expect(r.evidence).toEqual(result({}).evidence);
    expect(r.halfOpen).toBe(true);
  });

  test("an HTTP probe's reason says no response came and no request passes", () => {
    expect(ungreeted(http(), "server", SYN_RECV).reason).toBe("connected (its SYN was answered), but no HTTP response came for the whole 2 s and server still holds the connection half-open (SYN-RECV on port 80): the handshake's last ACK, or what followed it, was dropped on the way and no request passes");
    expect([silentHttp(http()), silentHttp(result({})), silentConnection(http())]).toEqual([true, false, false]);
  });

  test("only a silent connection is worth asking the target", () => {
    expect([silentConnection(result({})), silentConnection(result({ durationMs: 40 })), silentConnection(result({ verdict: "dropped" }))]).toEqual([true, false, false]);
    expect(halfOpenCommand(8080, "198.18.0.2")).toEqual(["ss", "-Htn", "state", "syn-recv", "( sport = :8080 and dst 198.18.0.2 )"]);
    expect(halfOpenCommand(22, "2001:db8::2")).toEqual(["ss", "-Htn", "state", "syn-recv", "( sport = :22 and dst [2001:db8::2] )"]);
    // Behind a router, whose SNAT may have rewritten the source: any peer.
    expect(halfOpenCommand(9090, undefined)).toEqual(["ss", "-Htn", "state", "syn-recv", "( sport = :9090 )"]);
  });
});
