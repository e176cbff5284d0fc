/**
 * Verdict classification: from what a probe tool printed to a verdict, with the
 * reason. Pure and table-tested. Anything not understood is `error`, never a
 * blocked verdict.
 */
import type { Protocol, Verdict } from "../model/types.ts";

export interface ToolOutput {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Classification {
  readonly verdict: Verdict;
  /** Why, in words a report can show: "Connection refused", "no reply within 2 s". */
  readonly reason: string;
}

/** errno texts (strerror) that a connect or a read reports. */
const ERRNO_VERDICTS: readonly (readonly [RegExp, Verdict, string])[] = [
  [/Connection refused/i, "refused", "Connection refused (TCP RST or ICMP port unreachable)"],
  [/No route to host/i, "unreachable", "No route to host (ICMP host unreachable or prohibited)"],
  [/Network is unreachable/i, "unreachable", "Network is unreachable (ICMP net unreachable or prohibited)"],
  [/Permission denied/i, "unreachable", "Permission denied (ICMPv6 administratively prohibited, source policy failed or reject route)"],
  [/Protocol not available/i, "unreachable", "Protocol not available (ICMP protocol unreachable)"],
  [/Host is down/i, "unreachable", "Host is down"],
  // A DROP in the prober's own OUTPUT chain fails the send at once with EPERM (a REJECT of a UDP datagram there too).
  [/Operation not permitted/i, "dropped", "Operation not permitted (the sender's own OUTPUT rules refused to send it: a DROP, or a REJECT of a datagram)"],
];

function errnoVerdict(text: string): Classification | undefined {
  for (const [pattern, verdict, reason] of ERRNO_VERDICTS) if (pattern.test(text)) return { verdict, reason };
  return undefined;
}

function toolProblem(out: ToolOutput): Classification | undefined {
  if (out.exitCode === 124 || out.exitCode === 137) return { verdict: "error", reason: `probe tool hung and was killed (exit ${out.exitCode})` };
  if (out.exitCode === 126 || out.exitCode === 127 || /executable file not found|: not found|No such file or directory/.test(out.stderr)) {
    return { verdict: "error", reason: `probe tool could not run: ${firstLine(out.stderr) || `exit ${out.exitCode}`}` };
  }
  return undefined;
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.trim() ?? "";
}

function unexplained(out: ToolOutput): Classification {
  return { verdict: "error", reason: `output not understood (exit ${out.exitCode}): ${firstLine(out.stderr) || firstLine(out.stdout) || "no output"}` };
}

export function classifyTcp(out: ToolOutput, timeoutSeconds: number): Classification {
  const problem = toolProblem(out);
  if (problem) return problem;
  if (out.exitCode === 0 && /succeeded!/.test(out.stderr + out.stdout)) return { verdict: "open", reason: "connection succeeded" };
  if (out.exitCode !== 0) {
    const errno = errnoVerdict(out.stderr);
    if (errno) return errno;
    if (/timed out/i.test(out.stderr)) return { verdict: "dropped", reason: `no answer within ${timeoutSeconds} s` };
  }
  return unexplained(out);
}

export function classifyUdp(out: ToolOutput, nonce: string, timeoutSeconds: number): Classification {
  const problem = toolProblem(out);
  if (problem) return problem;
  if (out.stdout.includes(nonce)) return { verdict: "open", reason: "the datagram's nonce came back" };
  const errno = errnoVerdict(out.stderr);
  if (errno) return errno;
  if (out.exitCode === 0 && out.stdout.trim() === "" && !/\bE\b/.test(out.stderr)) {
    return { verdict: "dropped", reason: `no reply within ${timeoutSeconds} s` };
  }
  if (out.exitCode === 0 && out.stdout.trim() !== "") return { verdict: "error", reason: `a reply came back without the nonce: ${firstLine(out.stdout)}` };
  return unexplained(out);
}

export function classifyHttp(out: ToolOutput, timeoutSeconds: number): Classification {
  const problem = toolProblem(out);
  if (problem) return problem;
  const status = out.stdout.trim();
  if (out.exitCode === 0 && /^[1-5]\d\d$/.test(status)) return { verdict: "open", reason: `HTTP ${status}` };
  if (out.exitCode === 28 && !/Connected to/.test(out.stderr)) return { verdict: "dropped", reason: `no answer within ${timeoutSeconds} s` };
  // Its SYN answered, then no response: a silent server, or the handshake's last ACK or the request dropped on the way —
  // not known from here (probes/greeting.ts asks the target whether it holds the connection half-open).
  if (out.exitCode === 28) return { verdict: "error", reason: `connected (its SYN was answered), but no HTTP response within ${timeoutSeconds} s` };
  if (out.exitCode === 7 || out.exitCode === 28) {
    // curl -v names the connect errno: "connect to 198.18.0.2 port 80 failed: Connection refused"
    const errno = errnoVerdict(out.stderr);
    if (errno) return errno;
  }
  return unexplained(out);
}

export function classify(protocol: Protocol, out: ToolOutput, timeoutSeconds: number, nonce = ""): Classification {
  switch (protocol) {
    case "tcp":
      return classifyTcp(out, timeoutSeconds);
    case "udp":
      return classifyUdp(out, nonce, timeoutSeconds);
    case "http":
      return classifyHttp(out, timeoutSeconds);
  }
}
