/**
 * The in-host side of nftables tracing (trace-step.ts runs them; each is one
 * command): ARM loads the step's trace table and makes sure one `nft -a
 * monitor` runs and listens; READ gives its output so far mid-step; COLLECT
 * deletes the table and gives the whole output (with the listings that name
 * its rules); DISARM ends a monitor of a host that could not be armed.
 */
import { TRACE_TABLE } from "../rules/trace-events.ts";

const LOG = "/tmp/fwspec-trace.log";
const PID = "/tmp/fwspec-trace.pid";
export const SECTION = "@@fwspec-trace@@";
/** A line break inside the scripts' `case` patterns (a log line's start). */
const NL = "\n";
/**
 * Is "$pid" (from the pid file) still the monitor: the process of that id started when the monitor did
 * ("$start": /proc/PID/stat's 22nd field, the start time in clock ticks since boot; a reboot or a pid used
 * again has another), read with shell builtins in a subshell (no program: each costs its host about 3 ms of
 * CPU, docs/performance.md).
 */
const IS_MONITOR = '( read -r st < /proc/$pid/stat && set -- ${st##*) } && [ -n "$start" ] && [ "\${20}" = "$start" ] ) 2>/dev/null';
/** Does the (proc) file list anything: its first line read with the shell's own `read` (no grep). */
export const LISTS = (file: string) => `{ t=; read -r t < ${file} || [ -n "$t" ]; } 2>/dev/null`;
/** The start time of "$pid" (as IS_MONITOR compares it) into "$start". */
const START_OF = '{ read -r st < /proc/$pid/stat; } 2>/dev/null; set -- ${st##*) }; start=\${20:-}';
/** A running monitor is reused for this long after its start (it ends by itself at 600 s). */
const MONITOR_REUSE_S = 500;

/**
 * The monitor's output into the log in whole lines: nft flushes after every
 * fragment it prints (about 20 writes per trace line), which into the log on
 * the container's overlay file system cost most of a sweep's monitor CPU; read
 * through a pipe, each batch of complete lines is one write, and the relay
 * reads at most every 2 ms (a reader waiting on the pipe would be woken by
 * every fragment; 2 ms of a sweep's output is a few KiB of the pipe's 64;
 * a marker line the scripts wait for is in the log 2 ms late at most).
 * Run by `timeout`, whose TERM reaches the relay and nft alike (its process
 * group).
 */
export const RELAY = 'open(my $in, "-|", "nft", "-a", "monitor") or exit 1; my $b = ""; while (sysread($in, $b, 65536, length $b)) { my $e = rindex($b, "\\n") + 1; if ($e) { syswrite(STDOUT, $b, $e); substr($b, 0, $e, ""); } select(undef, undef, undef, 0.002); } syswrite(STDOUT, $b) if length $b;';

/**
 * Loads the trace table from stdin. One `nft -a monitor` per host serves every
 * step of a lab, whatever happened to the ruleset in between: if it runs
 * (started here less than MONITOR_REUSE_S ago), its log is emptied and
 * nothing else is done; otherwise it is started and this waits (bounded) until
 * it prints a marker chain's creation: from then on it misses no trace event.
 * A new monitor first reads the whole ruleset, and starts that reading over
 * whenever the ruleset changes meanwhile: a marker is added again only after
 * a quiet wait that doubles each time (5 ms up to 320 ms), or a monitor
 * reading a large trace table (a 500-flow matrix: 2 000 rules) would never
 * finish its reading while markers keep coming every few milliseconds. A
 * monitor that has ended (nft refused it) ends the wait at once; one that
 * runs and never prints is given up after 20 markers, about 7 s (its
 * host's probes then keep the counters' decision).
 * A monitor ends by itself after 10 minutes at most (a kept lab, a reboot: the
 * next step starts another). The rule text a monitor prints comes from its
 * start (it never caches later rules or chains), so rules are named from the
 * listing COLLECT reads (rules/trace.ts namedFromListing), by table and
 * handle, which the kernel reports with each trace event.
 */
export const ARM = `nft -f - || exit 3
read -r up _ < /proc/uptime; now=\${up%.*}
if read -r pid since start < ${PID} 2>/dev/null && [ $(( now - since )) -ge 0 ] && [ $(( now - since )) -lt ${MONITOR_REUSE_S} ] && ${IS_MONITOR}; then
  : > ${LOG}
  exit 0
fi
[ -n "$pid" ] && ${IS_MONITOR} && kill "$pid" 2>/dev/null
rm -f ${LOG}
setsid timeout 600 perl -e '${RELAY}' >> ${LOG} 2>&1 < /dev/null &
pid=$!
${START_OF}
echo "$pid $now $start" > ${PID}
i=0; w=1
while [ $i -lt 20 ]; do
  kill -0 "$pid" 2>/dev/null || exit 4
  nft add chain inet ${TRACE_TABLE} ready$i 2>/dev/null
  n=0
  while [ $n -lt $w ]; do
    grep -q "chain inet ${TRACE_TABLE} ready" ${LOG} 2>/dev/null && exit 0
    sleep 0.005; n=$((n+1))
  done
  i=$((i+1)); [ $w -lt 64 ] && w=$((w*2))
done
exit 4`;

/**
 * Removes the trace table; its removal, printed by the monitor after every
 * trace event before it, is the marker that the monitor's output is complete.
 * The ruleset is listed with handles by the same nft call, right after the
 * removal (nothing changes it while the step ends; an nft started per task
 * costs its host several milliseconds of CPU). Then prints the monitor's
 * output and — when it traced any packet — that listing (every rule is named from it, and its place in its chain:
 * rules/trace-named.ts) and, only when iptables-nft tables
 * (ip, ip6) show in it and the caller has no reading of this step's ruleset
 * ("$1" = read for IPv4, "$2" for IPv6), the iptables-save readings that name
 * those rules (the monitor runs on for the next step; its log is emptied when
 * that step arms).
 */
export const COLLECT = `i=0
listing=$(printf 'delete table inet ${TRACE_TABLE}\\nlist ruleset\\n' | nft -a -f - 2>/dev/null) || i=200
log=$(cat ${LOG} 2>/dev/null)
until case $log in "delete table inet ${TRACE_TABLE}"* | *"${NL}delete table inet ${TRACE_TABLE}"*) true ;; *) false ;; esac; do
  [ $i -lt 200 ] || break
  i=$((i+1)); sleep 0.005
  # The log's end only, until the marker is there (a sweep's log is megabytes): then all of it once.
  case $(tail -c 4096 ${LOG} 2>/dev/null) in *"delete table inet ${TRACE_TABLE}"*) log=$(cat ${LOG} 2>/dev/null) ;; esac
done
[ -z "$log" ] || printf '%s\\n' "$log"
echo '${SECTION}'
case $log in "trace id "* | *"${NL}trace id "*) printf '%s\\n' "$listing" ;; esac
echo '${SECTION}'
[ "$1" = read ] && case $log in "trace id "????????" ip "* | *"${NL}trace id "????????" ip "*) iptables-save 2>/dev/null ;; esac
echo '${SECTION}'
[ "$2" = read ] && case $log in "trace id "????????" ip6 "* | *"${NL}trace id "????????" ip6 "*) ip6tables-save 2>/dev/null ;; esac
echo '${SECTION}'
${LISTS("/proc/net/ip_tables_names")} && iptables-legacy-save 2>/dev/null
echo '${SECTION}'
${LISTS("/proc/net/ip6_tables_names")} && ip6tables-legacy-save 2>/dev/null
exit 0`;

/** Mid-step: the monitor's output so far and (first read of a step only) the ruleset that names its rules. */
export const READ = `cat ${LOG} 2>/dev/null
echo '${SECTION}'
[ "$1" = list ] && nft -a list ruleset 2>/dev/null
exit 0`;

/** A host that could not be armed: its monitor is ended and the table removed. */
export const DISARM = `nft delete table inet ${TRACE_TABLE} 2>/dev/null
read -r pid since start < ${PID} 2>/dev/null && ${IS_MONITOR} && kill "$pid" 2>/dev/null
rm -f ${LOG} ${PID}
exit 0`;
