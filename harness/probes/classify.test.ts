/** Unit tests (table-driven, no Docker) for classify.ts. */
import { describe, expect, it } from "vitest";
import { classifyHttp, classifyTcp, classifyUdp } from "./classify.ts";

const out = (exitCode: number, stderr = "", stdout = "") => ({ exitCode, stdout, stderr });
const NONCE = "fwspec-0123456789abcdef";

describe("classifyTcp (OpenBSD nc -zv)", () => {
  it.each([
    ["open", out(0, "Connection to 198.18.4.2 8080 port [tcp/http-alt] succeeded!\n"), "open"],
    ["RST / port unreachable", out(1, "nc: connect to 198.18.4.2 port 8080 (tcp) failed: Connection refused\n"), "refused"],
    ["icmp-admin-prohibited", out(1, "nc: connect to 198.18.4.2 port 8080 (tcp) failed: No route to host\n"), "unreachable"],
    ["icmp-net-unreachable", out(1, "nc: connect to 198.18.4.2 port 8080 (tcp) failed: Network is unreachable\n"), "unreachable"],
    ["icmp6-adm-prohibited", out(1, "nc: connect to 2001:db8::2 port 8080 (tcp) failed: Permission denied\n"), "unreachable"],
    ["icmp prot-unreachable", out(1, "nc: connect to 198.18.4.2 port 8080 (tcp) failed: Protocol not available\n"), "unreachable"],
    ["timeout", out(1, "nc: connect to 198.18.4.2 port 8080 (tcp) timed out: Operation now in progress\n"), "dropped"],
    ["local OUTPUT drop", out(1, "nc: connect to 127.0.0.1 port 8080 (tcp) failed: Operation not permitted\n"), "dropped"],
    ["tool missing (exec)", out(126, 'OCI runtime exec failed: exec: "nc": executable file not found in $PATH'), "error"],
    ["tool missing (timeout wrapper)", out(127, "timeout: failed to run command 'nc': No such file or directory"), "error"],
    ["hung tool killed by timeout", out(124, ""), "error"],
    ["unknown failure", out(1, "nc: getaddrinfo for host \"server\" port 8080: Name or service not known"), "error"],
    ["exit 0 without success line", out(0, ""), "error"],
    ["success text but failing exit", out(1, "Connection to x succeeded!"), "error"],
  ] as const)("%s → %s", (_name, output, verdict) => {
    expect(classifyTcp(output, 2).verdict).toBe(verdict);
  });
});

describe("classifyUdp (socat nonce echo)", () => {
  it.each([
    ["nonce echoed", out(0, "", NONCE), "open"],
    ["ICMP port unreachable", out(1, "2026/11/21 04:33:12 socat[79] E read(5, 0x56, 8192): Connection refused"), "refused"],
    ["ICMP admin prohibited", out(1, "socat[345] E read(5, 0x56, 8192): No route to host"), "unreachable"],
    ["ICMPv6 adm prohibited", out(1, "socat[337] E read(5, 0x55, 8192): Permission denied"), "unreachable"],
    ["ICMP protocol unreachable", out(1, "socat[337] E read(5, 0x55, 8192): Protocol not available"), "unreachable"],
    ["silence", out(0, "", ""), "dropped"],
    ["a different payload", out(0, "", "something else"), "error"],
    ["socat missing", out(127, "sh: 1: exec: socat: not found"), "error"],
    ["other socat error", out(1, "socat[1] E getaddrinfo: Name or service not known"), "error"],
  ] as const)("%s → %s", (_name, output, verdict) => {
    expect(classifyUdp(output, NONCE, 2).verdict).toBe(verdict);
  });
});

describe("classifyHttp (curl -v)", () => {
  it.each([
    ["200", out(0, "* Connected to 198.18.4.2", "200"), "open"],
    ["404 is still open", out(0, "", "404"), "open"],
    ["refused", out(7, "* connect to 198.18.4.2 port 3000 failed: Connection refused\ncurl: (7) Failed to connect"), "refused"],
    ["admin prohibited", out(7, "* connect to 198.18.4.2 port 3000 failed: No route to host\ncurl: (7) Failed to connect"), "unreachable"],
    ["connect timeout", out(28, "curl: (28) Failed to connect to 198.18.4.2 port 3000 after 2001 ms: Timeout was reached", "000"), "dropped"],
    ["connected then timed out", out(28, "* Connected to 198.18.4.2 (198.18.4.2) port 3000\ncurl: (28) Operation timed out", "000"), "error"],
    ["reset after connect", out(56, "curl: (56) Recv failure: Connection reset by peer", "000"), "error"],
    ["curl missing", out(127, "timeout: failed to run command 'curl': No such file or directory"), "error"],
  ] as const)("%s → %s", (_name, output, verdict) => {
    expect(classifyHttp(output, 2).verdict).toBe(verdict);
  });
});
