/**
 * The command a probe runs inside the source host, as an argument array:
 * TCP with OpenBSD nc, UDP with a nonce echoed back through socat, HTTP with
 * curl. Each reads the listener's identity line too (answer.ts): nc keeps the
 * connection until the listener has sent it (-N: stdin's end closes our side),
 * socat reads the nonce plus the padded line, curl asks the listener's CGI. Every command is wrapped in coreutils `timeout` so a hung tool becomes
 * an `error`, never a verdict (a host's agent does that `timeout -k 1 N` itself, with no process for it:
 * docker/fwspec-agent-probe.pl; the repro command and the fwspec-probe script run the real one).
 */
import { randomBytes } from "node:crypto";
import type { Protocol } from "../model/types.ts";
import { bracketed } from "../lab/addresses.ts";
import { UDP_IDENTITY_BYTES } from "./answer.ts";

export interface ProbeCommand {
  readonly argv: readonly string[];
  /** UDP: the random payload that must come back for `open`. */
  readonly nonce?: string;
}

/** Seconds `timeout` allows beyond the probe's own timeout before it kills the tool. */
export const HANG_GRACE_SECONDS = 5;

export function newNonce(): string {
  return `fwspec-${randomBytes(8).toString("hex")}`;
}

/**
 * `source`: the address the probe leaves from (bound with `nc -s`, `curl
 * --interface`, socat's `bind=`); absent, the kernel chooses.
 */
export function probeCommand(protocol: Protocol, address: string, port: number, timeoutSeconds: number, nonce: string = newNonce(), source?: string): ProbeCommand {
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) throw new RangeError(`probe timeout must be whole seconds >= 1, got ${timeoutSeconds}`);
  const guard = ["timeout", "-k", "1", String(timeoutSeconds + HANG_GRACE_SECONDS)];
  const t = String(timeoutSeconds);
  switch (protocol) {
    case "tcp":
      return { argv: [...guard, "nc", "-v", "-N", "-w", t, ...(source === undefined ? [] : ["-s", source]), address, String(port)] };
    case "udp":
      // socat sends the nonce and stops as soon as the echo, a newline and the
      // padded identity line came back (readbytes), or after the timeout when nothing did. The shell runs inside
      // the lab host; every value reaches it as a positional argument.
      return {
        nonce,
        argv: [
          ...guard,
          "sh", "-c", 'printf %s "$1" | exec socat -t "$2" -T "$2" - "$3"', "udp-probe",
          nonce, t, `UDP:${bracketed(address)}:${port},readbytes=${nonce.length + 1 + UDP_IDENTITY_BYTES + 1}${source === undefined ? "" : `,bind=${bracketed(source)}`}`,
        ],
      };
    case "http":
      return {
        argv: [
          ...guard,
          "curl", "-sS", "-v", "-o", "/dev/null", "-w", "%{http_code}",
          "--connect-timeout", t, "--max-time", String(timeoutSeconds + 2),
          ...(source === undefined ? [] : ["--interface", source]),
          `http://${bracketed(address)}:${port}/cgi-bin/fwspec`,
        ],
      };
  }
}
