/**
 * Held connections: a TCP connection (or UDP flow) opened from a peer and kept
 * open by a background socat in that peer, so later steps can check whether it
 * still passes data after a rule change (conntrack ESTABLISHED,RELATED).
 * Every check sends a fresh nonce and waits for its echo. A check may be
 * ended before its timeout only on evidence: the step's nftables trace shows
 * a DROP rule taking the held connection's data (checkHeldEarly), never the
 * time waited.
 */
import { LabError } from "../errors.ts";
import type { LabHost } from "../lab/types.ts";
import { bracketed } from "../lab/addresses.ts";
import type { Verdict } from "../model/types.ts";
import { newNonce } from "../probes/command.ts";
import type { ProbeEvidence } from "../probes/probe.ts";
import type { EarlyVerdict } from "../rules/decisive.ts";

export interface HeldConnection {
  readonly name: string;
  readonly from: LabHost;
  readonly address: string;
  readonly port: number;
  readonly protocol: "tcp" | "udp";
  readonly dir: string;
}

/**
 * `tail -s 0.02`: without inotify (none in the lab containers) `tail -f`
 * looks at its file once a second, so each check's nonce waited up to 1 s
 * before it was sent (a hold step took about 1 s; now about 0.1 s).
 */
const OPEN_SCRIPT = `
set -e
d="$1"; mkdir -p "$d"; : > "$d/in"; : > "$d/out"; : > "$d/err"; rm -f "$d/exit"
setsid sh -c 'tail -s 0.02 -f "$1/in" | socat - "$2" > "$1/out" 2> "$1/err"; echo $? > "$1/exit"' held "$d" "$2" </dev/null >/dev/null 2>&1 &
echo $! > "$d/pid"
`;

/** Where a host's held connections live: one folder each, named after the connection. */
const HELD_DIR = "/tmp/fwspec/held";

/**
 * Ends every held connection of a host (bash: dash's kill takes no process
 * group after `--`; exit 3 with a message
 * when one does not end): each runs in a session of its own (OPEN_SCRIPT),
 * whose process group is killed, its end awaited (bounded), and the folders
 * removed. A shared lab runs it before the next scenario (runner/shared-lab.ts):
 * no \`tail\`/\`socat\` of one scenario writes into the next one's files or
 * sends its data through the next one's rules.
 */
export const END_HELD_SCRIPT = `for f in ${HELD_DIR}/*/pid; do
  [ -e "$f" ] || continue
  read -r pid < "$f" && kill -KILL -- "-$pid" 2>/dev/null
done
i=0
for f in ${HELD_DIR}/*/pid; do
  [ -e "$f" ] || continue
  read -r pid < "$f" || continue
  while kill -0 -- "-$pid" 2>/dev/null; do
    i=$((i + 1))
    [ "$i" -lt 200 ] || { echo "the held connection \${f%/pid} (process group $pid) does not end" >&2; exit 3; }
    sleep 0.01
  done
done
rm -rf ${HELD_DIR}`;

/**
 * Appends a nonce to the held connection's input and waits up to the timeout
 * for its echo; a stop file for this nonce (STOP_SCRIPT) ends the wait, but an
 * echo or a close seen first still wins.
 */
const CHECK_SCRIPT = `
d="$1"; nonce="$2"; ticks="$3"
printf '%s' "$nonce" >> "$d/in"
i=0
while [ "$i" -lt "$ticks" ]; do
  if grep -q "$nonce" "$d/out"; then echo "echoed"; exit 0; fi
  if [ -f "$d/exit" ]; then echo "closed with status $(cat "$d/exit")"; cat "$d/err" >&2; exit 3; fi
  if [ -f "$d/stop-$nonce" ]; then echo "stopped"; exit 5; fi
  sleep 0.05; i=$((i + 1))
done
echo "no echo"; cat "$d/err" >&2; exit 4
`;

/** Ends a check's wait (CHECK_SCRIPT) for its nonce. */
const STOP_SCRIPT = `: > "$1/stop-$2"`;

export async function openHeld(name: string, from: LabHost, address: string, port: number, protocol: "tcp" | "udp"): Promise<HeldConnection> {
  const dir = `${HELD_DIR}/${name}`;
  const target = `${protocol.toUpperCase()}:${bracketed(address)}:${port}`;
  await from.run(["sh", "-c", OPEN_SCRIPT, "hold", dir, target], `opening held connection ${name}`);
  return { name, from, address, port, protocol, dir };
}

export interface HeldCheck {
  readonly verdict: Verdict;
  readonly reason: string;
  readonly evidence: ProbeEvidence;
}

/**
 * Evidence read while a check waits: the early verdict the step's trace gives
 * for the held connection's data so far (rules/decisive.ts earlyVerdict from
 * the trace: probes/trace-early.ts), read for `windowMs` after the check's start.
 */
export interface HeldEvidence {
  read(): Promise<EarlyVerdict | undefined>;
  readonly windowMs: number;
}

/** Between two readings of the evidence (ms). */
const EVIDENCE_POLL_MS = 50;

/**
 * Waits until the check ends by itself or `early` shows a DROP rule taking
 * the held connection's data; then the check is told to stop (an echo or a
 * close it sees first still wins). The verdict that evidence stopped it.
 */
async function watchEvidence(held: HeldConnection, nonce: string, running: Promise<unknown>, early: HeldEvidence): Promise<EarlyVerdict | undefined> {
  let ended = false;
  const settled = running.then(() => void (ended = true), () => void (ended = true));
  const t0 = performance.now();
  while (!ended && performance.now() - t0 < early.windowMs) {
    const found = await early.read().catch(() => undefined);
    if (found?.verdict === "dropped") {
      try {
        await held.from.exec(["sh", "-c", STOP_SCRIPT, "held-stop", held.dir, nonce], { light: true });
        return found;
      } catch {
        return undefined; // not stopped: the check runs to its timeout
      }
    }
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, EVIDENCE_POLL_MS))]);
  }
  return undefined;
}

export async function checkHeld(held: HeldConnection, timeoutSeconds: number, early?: HeldEvidence): Promise<HeldCheck> {
  const nonce = newNonce();
  const argv = ["sh", "-c", CHECK_SCRIPT, "held-check", held.dir, nonce, String(timeoutSeconds * 20)];
  const command = held.from.repro(argv);
  try {
    const running = held.from.exec(argv, { timeoutSeconds: timeoutSeconds + 10 });
    const stoppedBy = early ? await watchEvidence(held, nonce, running, early) : undefined;
    const r = await running;
    const evidence = { command, argv, exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: r.durationMs };
    if (r.exitCode === 0) return { verdict: "open", reason: "the held connection echoed a fresh nonce", evidence };
    if (r.exitCode === 5 && stoppedBy) {
      return {
        verdict: "dropped",
        reason: `the held connection passed no data after ${r.durationMs} ms while ${stoppedBy.rules.join(" and ")} took its data`,
        evidence: { ...evidence, exitCode: null, stoppedEarly: `stopped after ${r.durationMs} ms, before its ${timeoutSeconds} s timeout: a DROP rule took the held connection's data (its trace) and no echo had come` },
      };
    }
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
