/**
 * Held connections: a TCP connection (or UDP flow) opened from a peer and kept
 * open by a background socat in that peer, so later steps can check whether it
 * still passes data after a rule change (conntrack ESTABLISHED,RELATED).
 * Every check sends a fresh nonce and waits for its echo.
 */
import { LabError } from "../errors.ts";
import type { LabHost } from "../lab/types.ts";
import { bracketed } from "../lab/addresses.ts";
import type { Verdict } from "../model/types.ts";
import { newNonce } from "../probes/command.ts";
import type { ProbeEvidence } from "../probes/probe.ts";

export interface HeldConnection {
  readonly name: string;
  readonly from: LabHost;
  readonly address: string;
  readonly port: number;
  readonly protocol: "tcp" | "udp";
  readonly dir: string;
}

const OPEN_SCRIPT = `
set -e
d="$1"; mkdir -p "$d"; : > "$d/in"; : > "$d/out"; : > "$d/err"; rm -f "$d/exit"
setsid sh -c 'tail -f "$1/in" | socat - "$2" > "$1/out" 2> "$1/err"; echo $? > "$1/exit"' held "$d" "$2" </dev/null >/dev/null 2>&1 &
`;

/** Appends a nonce to the held connection's input and waits up to the timeout for its echo. */
const CHECK_SCRIPT = `
d="$1"; nonce="$2"; tenths="$3"
printf '%s' "$nonce" >> "$d/in"
i=0
while [ "$i" -lt "$tenths" ]; do
  if grep -q "$nonce" "$d/out"; then echo "echoed"; exit 0; fi
  if [ -f "$d/exit" ]; then echo "closed with status $(cat "$d/exit")"; cat "$d/err" >&2; exit 3; fi
  sleep 0.1; i=$((i + 1))
done
echo "no echo"; cat "$d/err" >&2; exit 4
`;

export async function openHeld(name: string, from: LabHost, address: string, port: number, protocol: "tcp" | "udp"): Promise<HeldConnection> {
  const dir = `/tmp/fwspec/held/${name}`;
  const target = `${protocol.toUpperCase()}:${bracketed(address)}:${port}`;
  await from.run(["sh", "-c", OPEN_SCRIPT, "hold", dir, target], `opening held connection ${name}`);
  return { name, from, address, port, protocol, dir };
}

export interface HeldCheck {
  readonly verdict: Verdict;
  readonly reason: string;
  readonly evidence: ProbeEvidence;
}

export async function checkHeld(held: HeldConnection, timeoutSeconds: number): Promise<HeldCheck> {
  const argv = ["sh", "-c", CHECK_SCRIPT, "held-check", held.dir, newNonce(), String(timeoutSeconds * 10)];
  const command = held.from.repro(argv);
  try {
    const r = await held.from.exec(argv, { timeoutSeconds: timeoutSeconds + 10 });
    const evidence = { command, argv, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: r.durationMs };
    if (r.exitCode === 0) return { verdict: "open", reason: "the held connection echoed a fresh nonce", evidence };
    if (r.exitCode === 4) return { verdict: "dropped", reason: `the held connection passed no data within ${timeoutSeconds} s`, evidence };
    if (r.exitCode === 3) {
      if (/Connection refused|Connection reset/i.test(r.stderr)) return { verdict: "refused", reason: `the held connection was reset: ${r.stderr.trim()}`, evidence };
      if (/No route to host|Network is unreachable|Permission denied/i.test(r.stderr)) return { verdict: "unreachable", reason: r.stderr.trim(), evidence };
    }
    return { verdict: "error", reason: `held connection check not understood (exit ${r.exitCode}): ${r.stdout.trim()} ${r.stderr.trim()}`, evidence };
  } catch (error) {
    if (!(error instanceof LabError)) throw error;
    return { verdict: "error", reason: error.message, evidence: { command, argv, exitCode: null, stdout: "", stderr: error.message, durationMs: 0 } };
  }
}
