/**
 * Shell text that runs a command with its output written to files rather
 * than to the command channel's pipes (pure; no scenario text in it). For a
 * rules script: a command it starts in the background goes on after the
 * script has ended, as on a real machine, and its trace lines and output then
 * go to a file, not to a pipe the agent has closed (SIGPIPE would end it).
 * Once the command has ended, the files are printed (stdout, then stderr) and
 * removed; a TERM (the command's time limit) prints what they hold so far at
 * once, whether or not the command ends with it; this shell then waits for
 * the command, so one still running a second later gets the KILL the agent
 * (or timeout) sends to any command's process group while its own process runs.
 *
 * Bounded as output through pipes is (lab/limits.ts): each file the command
 * and what it starts write grows to at most OUTPUT_FILE_LIMIT (one 512-byte
 * block past what fwspec reads back, so printing it back is the same "printed
 * more than" failure); a write past it fails (EFBIG, SIGXFSZ ignored), so a
 * command printing forever cannot fill the machine's disk, before or after
 * the script ends. It is a soft limit: a daemon the script starts that writes
 * large files of its own can raise it.
 */
import { OUTPUT_KEPT_BYTES } from "./agent.ts";

/** Bytes a file written under OUTPUT_THROUGH_FILES can hold. */
export const OUTPUT_FILE_LIMIT = OUTPUT_KEPT_BYTES + 512;

/** "$1": the files' path prefix ("$1.out", "$1.err"); the rest of the arguments: the command, run with stdin from /dev/null. */
export const OUTPUT_THROUGH_FILES = [
  'o="$1.out" e="$1.err"; shift',
  // The channel's pipes kept on 3 and 4 for fwspec alone; the shell's own words (`Terminated`) to nothing.
  "exec 3>&1 4>&2 2>/dev/null",
  'show() { [ ! -s "$o" ] || cat -- "$o" >&3; [ ! -s "$e" ] || cat -- "$e" >&4; rm -f -- "$o" "$e"; }',
  // The time limit's TERM: what the files hold printed at once; then this shell waits for the command, so the KILL a
  // second later (the agent's, or timeout's) reaches its whole process group if it is still running, and it ends as soon
  // as the command does, leaving nothing of its own behind (a timer of its own would outlive it, a stray process to a
  // shared lab's handoff).
  // A bare `wait`: the command is this shell's only child, and a TERM before `p=$!` is set finds no "$p" to wait for.
  `trap 'show; wait; exit 143' TERM`,
  // Waited for in the background: a TERM ends the `wait` at once and the trap runs; SIGINT and SIGQUIT, which sh
  // ignores for what it starts in the background, given back their default (as a script started in the foreground
  // has them). Its file size limit (dash counts 512-byte blocks) and SIGXFSZ ignored are inherited by all it starts.
  `(ulimit -S -f ${OUTPUT_FILE_LIMIT / 512}; trap '' XFSZ; exec env --default-signal=INT,QUIT "$@" >"$o" 2>"$e" </dev/null 3>&- 4>&-) &`,
  'p=$!; wait "$p"; s=$?',
  'show; exit "$s"',
].join("\n");
