/**
 * Processes a scenario's own commands left running on a host (a loop a
 * script put in the background, a daemon it started): found between
 * scenarios on a shared lab (forget.ts), where one would run on into the next
 * scenario and could change its rules under it. The shell text lists every
 * process of the host's PID namespace that is none of fwspec's own, read
 * from /proc with the shell's builtins; the parse is pure.
 *
 * fwspec's own: the container's init and its process group; the agents
 * (fwspec-agent) and their groups, and the group of each command an agent
 * runs (it leads a group of its own, its children in it: this script among
 * them, and a command running beside it); the
 * listeners' groups (fwspec-listen records each group's leader in
 * /run/fwspec-listeners; a group is taken only when its leader leads it and
 * bears one of the listeners' program names: a script that wrote its own
 * loop's id there gets no pass, unless the loop renames itself); the trace monitor's group (its leader in
 * /tmp/fwspec-trace.pid). A process a command left behind was handed to init
 * when that command ended, in the command's group or a group of its own
 * (setsid): none of those. Zombies are left out (init reaps them).
 */

/** The programs fwspec-listen starts as listener group leaders, by the names the kernel keeps (docker/fwspec-listen). */
const LISTENER_PROGRAMS = ["fwspec-tcp-echo", "busybox", "fwspec-udp-echo"];

/** Marks the script's lines on stdout (the forget script prints the listening sockets after them). */
export const STRAY_LINE = "fwspec-stray: ";

/** A loop over the host's processes: `$p` its id, `$c` its name, then `$1` its state, `$2` its parent, `$3` its group. */
const EACH_PROCESS = 'for s in /proc/[0-9]*/stat; do { read -r l < "$s"; } 2>/dev/null || continue; p=${l%% *}; c=${l#*\\(}; c=${c%\\)*}; set -- ${l##*\\) }';

/**
 * For sh: one `fwspec-stray: PID NAME` line per process none of fwspec's own
 * (its name as the kernel keeps it: at most 15 bytes, any of them).
 */
export const STRAY_SCRIPT = [
  // This script's own group (its subshells in it), whichever process of it this is.
  '{ read -r l < /proc/$$/stat; } 2>/dev/null; set -- ${l##*\\) }; k=" ${3:-$$} "; agents=" "',
  // The groups of init and the agents, and the agents themselves.
  `${EACH_PROCESS}; if [ "$p" = 1 ] || [ "$c" = fwspec-agent ]; then k="$k$3 "; fi; [ "$c" != fwspec-agent ] || agents="$agents$p "; done`,
  // The commands the agents run (each leads a group of its own, with what it started in it).
  `${EACH_PROCESS}; case "$agents" in *" $2 "*) [ "$3" != "$p" ] || k="$k$3 " ;; esac; done`,
  // The listeners' groups: each recorded leader that leads its group and runs a listener's program (docker/fwspec-listen).
  `if [ -f /run/fwspec-listeners ]; then while read -r x; do case "$x" in ''|*[!0-9]*) continue ;; esac; { read -r l < "/proc/$x/stat"; } 2>/dev/null || continue; c=\${l#*\\(}; c=\${c%\\)*}; set -- \${l##*\\) }; [ "$3" = "$x" ] || continue; case "$c" in ${LISTENER_PROGRAMS.join("|")}) k="$k$x " ;; esac; done < /run/fwspec-listeners; fi`,
  "{ read -r x _ < /tmp/fwspec-trace.pid && k=\"$k$x \"; } 2>/dev/null",
  // Every other process but a zombie.
  `${EACH_PROCESS}; [ "$1" != Z ] || continue; case "$k" in *" $3 "*) continue ;; esac; printf '${STRAY_LINE}%s %s\\n' "$p" "$c"; done`,
].join("\n");

/** A stray process as STRAY_SCRIPT printed it. */
export interface StrayProcess {
  readonly pid: number;
  readonly name: string;
}

/** The stray processes in a script's output, and the rest of its lines (the listening sockets after them). */
export function strayProcesses(stdout: string): { readonly stray: readonly StrayProcess[]; readonly rest: string } {
  const stray: StrayProcess[] = [];
  const rest: string[] = [];
  for (const line of stdout.split("\n")) {
    const m = line.startsWith(STRAY_LINE) ? /^(\d+) (.*)$/.exec(line.slice(STRAY_LINE.length)) : null;
    if (m) stray.push({ pid: Number(m[1]), name: m[2]! });
    else rest.push(line);
  }
  return { stray, rest: rest.join("\n") };
}
