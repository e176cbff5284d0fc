/**
 * Between scenarios on a shared lab, per host: what the previous scenario's
 * commands may leave that no ruleset reading shows, undone — its held
 * connections and every other TCP connection, the neighbour caches, IPsec
 * state, the files a reboot restores from, what it left in /run and /tmp —
 * and a listener or another process it left running found (the lab is then
 * not reusable).
 */
import { createHash } from "node:crypto";
import { CommandError, errorMessage } from "../errors.ts";
import type { LabHost } from "../lab/types.ts";
import type { Family, ListenerSpec } from "../model/types.ts";
import { LabNotReusableError } from "../rules/host-reset.ts";
import { iptablesOnly } from "../rules/reset-scope.ts";
import type { Scenario } from "../scenario/model.ts";
import { END_HELD_SCRIPT } from "./held.ts";
import { unexpectedListeners } from "./listeners.ts";
import { STRAY_SCRIPT, strayProcesses } from "./stray-processes.ts";
import { oneLine } from "../text.ts";
import type { LayerEntries } from "../lab/writable-layer.ts";

/** What the previous scenario may have left on one host: held connections (a `hold` step), files (a command it ran there). */
export interface LeftBehind {
  readonly held: boolean;
  readonly files: boolean;
  /** The previous scenario's name for this host (a lab host plays hosts of other names: runner/cast-lab.ts). */
  readonly as?: string | undefined;
}

/** What a host's handoff read last: its listening sockets and, when asked, each family's iptables-save -c after them. */
export interface Forgotten {
  /** `ss -H -ltun`; undefined: not read, the previous scenario ran no command of its own on the host (what could start or end a process). */
  readonly listening?: string | undefined;
  readonly saved?: Readonly<Record<Family, string>>;
}

/** Not told as written: where forgetScript makes a host as its boot left it (/etc compared and put back, /run and /tmp as the boot left them). */
export const RESET_ROOTS = ["/etc", "/run", "/tmp"];

const underResetRoot = (p: string) => RESET_ROOTS.some((root) => p === root || p.startsWith(`${root}/`));

/**
 * What a host's writable layer (writable-layer.ts) holds now that differs
 * from `before` (read when fwspec last handed the lab over: its listeners'
 * files written), outside the folders forgetScript resets: each path
 * written, replaced or deleted since, as deep as it goes
 * (`/usr/local/sbin/iptables`, not also `/usr/local` and `/usr/local/sbin`,
 * which were made to get there).
 */
export function writtenSince(before: LayerEntries, now: LayerEntries): string[] {
  const changed = [...now].filter(([p, what]) => before.get(p) !== what).map(([p]) => p);
  const gone = [...before.keys()].filter((p) => !now.has(p));
  // The folders made on the way to another path.
  const folders = new Set(changed.flatMap((p) => p.split("/").slice(1, -1).map((_, i, parts) => `/${parts.slice(0, i + 1).join("/")}`)));
  return [...changed.filter((p) => !folders.has(p)), ...gone].filter((p) => !underResetRoot(p)).sort();
}

/** A host's writable layer in one word, the folders forgetScript resets aside: what a warm lab's files are checked against when it is taken. */
export function layerDigest(entries: LayerEntries): string {
  const kept = [...entries].filter(([p]) => !underResetRoot(p)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256").update(kept.map(([p, what]) => `${p}\0${what}`).join("\n")).digest("hex");
}

/**
 * A lab host as a message about what the previous scenario left names it: by
 * the name that scenario's file gives it, with the lab's own name beside it
 * when they differ (the lab's containers and repro lines use the lab's).
 */
export function hostShown(labName: string, played: string | undefined): string {
  return played === undefined || played === labName ? labName : `${played} (lab host ${labName})`;
}

/** A reason a lab is not reusable that names the lab host (`srvx: …`, rules/host-reset.ts), with the previous scenario's name for it (hostShown). */
export function shownFor(error: LabNotReusableError, labName: string, played: string | undefined): LabNotReusableError {
  const shown = hostShown(labName, played);
  return shown === labName || !error.message.startsWith(`${labName}: `) ? error : new LabNotReusableError(`${shown}: ${error.message.slice(labName.length + 2)}`, { cause: error.cause });
}

/**
 * Each host's handoff side by side, every one settled: the reasons of all the
 * hosts that are not reusable in one (tester 37a: only the first host's was
 * said); any other failure as it was.
 */
export async function everyHost(work: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(work)).flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  const other = failed.find((e) => !(e instanceof LabNotReusableError));
  if (other !== undefined) throw other;
  if (failed.length === 1) throw failed[0];
  if (failed.length > 1) throw new LabNotReusableError(failed.map((e) => (e as Error).message).join("; "), { cause: failed[0] });
}

/**
 * What `scenario` may have left on its host `host`: files only when a
 * command of its own ran there (a `run` step, or an apply of more than
 * iptables input: a script may write anything); held connections when it held any.
 */
export function leftBy(scenario: Scenario, host: string): LeftBehind {
  return {
    as: host,
    held: scenario.steps.some((s) => s.kind === "hold"),
    files: scenario.steps.some((s) => (s.kind === "run" && s.host === host) || (s.kind === "apply" && s.host === host && !s.sources.every(iptablesOnly))),
  };
}

/** /etc as the image has it (docker/Dockerfile). */
const IMAGE_ETC = "/usr/share/fwspec/boot-files/etc";
/** Under /etc, what a reboot restores from (fwspec-boot): copied back from the image's when it differs. */
const BOOT_PATHS = ["iptables", "network", "default/netfilter-persistent", "nftables.conf", "systemd/system"];
/** forgetScript's exit status when files under /etc differ from the image's that it does not reset. */
const ETC_DIFFERS = 9;
/** The files the engine writes into a host's /etc. */
const ENGINE_FILES = ["hosts", "hostname", "resolv.conf"];
/** Under /etc, what differs from the image on every lab host and no scenario wrote: the engine's files (put back apart), fwspec's own folder, the backend it selected (diff -rq's lines about them, by path). */
const ENGINE_ETC = " /etc/(hosts|hostname|resolv\\.conf)( |$)| /etc/(fwspec|alternatives)(/|:| |$)";
/** Marks forgetScript's lines about /etc on stderr (other commands of the script write there too). */
const ETC_LINE = "fwspec-etc: ";

/** Where fwspec-boot lists what /run, /tmp and /dev/shm held once the boot was done, one path a line (docker/fwspec-boot). */
const BOOT_ENTRIES = "/run/fwspec-boot-entries";

/**
 * /run, /tmp and /dev/shm as the boot left them, as a reboot makes them
 * (fwspec-boot empties them): each entry the boot did not leave there removed (a stamp an
 * "apply once" script wrote, also inside a folder the boot made such as
 * /run/lock), fwspec's own (`fwspec*`) and the iptables lock aside; a name
 * with a line break in it is left (it reads as two lines).
 * `roots`, `list`: another place (tests).
 */
export function scratchScript(roots: readonly string[] = ["/run", "/tmp", "/dev/shm"], list = BOOT_ENTRIES): string {
  // Only whole paths under the roots are removed: a name with a line break in it reads as two lines, neither of them removed.
  const under = roots.map((r) => `${r}/?*`).join("|");
  return `{ [ ! -f ${list} ] || find ${roots.join(" ")} -mindepth 1 \\( -name 'fwspec*' -o -name xtables.lock \\) -prune -o -print | grep -vxF -f ${list} | while IFS= read -r p; do case $p in ${under}) [ ! -e "$p" ] || rm -rf -- "$p" ;; esac; done; }`;
}

/**
 * Every TCP connection that is not a listener ended (END_CONNECTIONS); then
 * the neighbour caches emptied, permanent entries too (warmed again after
 * the reset: the previous scenario's rules alone can leave an entry failed).
 * `files`: the previous scenario ran commands of its own on the host (leftBy),
 * the only way to add IPsec policies, start or end a process, write a file:
 * IPsec policies and states flushed (the lab boots with none; a
 * kernel without IPsec, where nothing can be listed, has none to flush),
 * the files a reboot restores from (/etc/iptables/rules.v4 and
 * rules.v6, /etc/network with its pre-up lines and if-pre-up.d scripts,
 * netfilter-persistent's settings, /etc/nftables.conf, the services enabled
 * in /etc/systemd/system) compared with the image's /etc (docker/Dockerfile)
 * and copied back when their contents differ (a mtime proves nothing: `cp -p`
 * keeps an older one), so rules one scenario saved are not what the next
 * one's reboot loads; the engine's files (/etc/hosts, /etc/hostname,
 * /etc/resolv.conf) as it wrote them for the host; anything else under /etc that differs from the image
 * (a folder /etc/nftables.conf includes, a file nothing here resets) fails
 * the script, naming it (the lab is then not reusable); /run and /tmp as
 * the boot left them (scratchScript), and the processes none of fwspec's own (stray-processes.ts: a loop a script
 * left running); then the host's listening sockets, for the check against
 * its declared listeners. With `saves`, each family's rules and counters
 * (iptables-save -c) last (parseForget).
 */
export function forgetScript(files: boolean, saves = false): string {
  // The engine's files: as it wrote them for this host (the copy lab/prepare.ts keeps at its first boot), written back
  // in place (they are the engine's bind mounts, not to be replaced).
  const engine = `{ for f in ${ENGINE_FILES.join(" ")}; do [ ! -e /etc/fwspec/engine-etc/$f ] || cmp -s /etc/fwspec/engine-etc/$f /etc/$f || cat /etc/fwspec/engine-etc/$f > /etc/$f || exit 1; done; }`;
  // One comparison of /etc when nothing changed; when something did, the boot files copied back and /etc compared again.
  const differing = `diff -rq --no-dereference ${IMAGE_ETC} /etc 2>&1 | grep -Ev '${ENGINE_ETC}'`;
  const restore = `rm -rf ${BOOT_PATHS.map((p) => `/etc/${p}`).join(" ")} && ${BOOT_PATHS.map((p) => `cp -a ${IMAGE_ETC}/${p} /etc/${p}`).join(" && ")}`;
  const etc = `{ d=$(${differing}); [ -z "$d" ] || { { ${restore}; } || exit 1; d=$(${differing} | head -n 3); [ -z "$d" ] || { printf '%s\\n' "$d" | sed 's/^/${ETC_LINE}/' >&2; exit ${ETC_DIFFERS}; }; }; }`;
  return `${END_CONNECTIONS} && ip neigh flush all nud all`
    + (files ? ` && { ip xfrm policy flush && ip xfrm state flush || ! ip xfrm policy list >/dev/null 2>&1; } && { [ ! -d ${IMAGE_ETC} ] || { ${engine} && ${etc}; }; } && ${scratchScript()} && { ${STRAY_SCRIPT}\n} && ss -H -ltun` : "")
    // Nothing after ss -K changes a rule: the reading the reset starts from, in this command rather than two more (parseForget).
    + (saves ? ` && { printf '\\n%s\\n' '${SAVES_MARK}'; iptables-save -c && printf '\\n%s\\n' '${SAVES_MARK}' && ip6tables-save -c && printf '\\n%s\\n' '${SAVES_MARK}'; true; }` : "");
}

/** forgetScript's exit status when `ss -K` failed or ended nothing (the kernel refused SOCK_DESTROY: no NET_ADMIN, or a kernel without it; ss itself exits 0 then). */
const NOT_ENDED = 8;

/** Every TCP connection of the host that is not a listener ended (`ss -K`), its complaint on stderr and exit NOT_ENDED when it could not. */
export const END_CONNECTIONS = `{ e=$(ss -K -H -t -a -n exclude listening 2>&1 >/dev/null); s=$?; [ $s = 0 ] || { printf '%s\\n' "\${e:-ss -K exited $s}" >&2; exit ${NOT_ENDED}; }; case $e in *SOCK_DESTROY*) printf '%s\\n' "$e" >&2; exit ${NOT_ENDED} ;; esac; }`;

/** Between forgetScript's listening sockets and each family's iptables-save -c (a line of its own, never one of theirs). */
const SAVES_MARK = "@@fwspec-forget-saves";

/**
 * forgetScript's output (pure): the listening sockets, and with `saves` each
 * family's iptables-save -c output as printed, or undefined when a reading is
 * not all there (an iptables-save that failed: the reset reads again, and says why).
 */
export function parseForget(stdout: string): { readonly listening: string; readonly saved?: Readonly<Record<Family, string>> } {
  const parts = `\n${stdout}`.split(`\n${SAVES_MARK}\n`);
  if (parts.length === 1) return { listening: stdout };
  // Each mark's line break before it is the script's own (printf '\n%s\n'): the parts are as printed.
  const listening = parts[0]!.slice(1);
  return parts.length === 4 && parts[3] === "" ? { listening, saved: { ipv4: parts[1]!, ipv6: parts[2]! } } : { listening };
}

/**
 * Ends the previous scenario's held connections when it had any
 * (runner/held.ts), then forgetScript: every TCP connection of the host
 * that is not a listener first (`ss -K`: SOCK_DESTROY, also half-open ones in
 * SYN-RECV, and the far ends of held ones). Returns the host's listening
 * sockets as it read them last (`ss -H -ltun`; only where the previous
 * scenario ran commands of its own: `left.files`), and with `saves` the rules
 * (what a reset starts from), when it could read them. A socket listening that the
 * host's listeners (`listen`) do not explain, left by a process the
 * previous scenario's script started, makes the lab not reusable, as do
 * files it wrote, replaced or deleted outside /etc, /run and /tmp (against
 * `written`: the host's writable layer as the last handoff left it).
 */
export async function forgetPreviousScenario(host: LabHost, left: LeftBehind, listen: readonly ListenerSpec[], written?: LayerEntries, options: { readonly saves?: boolean } = {}): Promise<Forgotten> {
  const who = hostShown(host.name, left.as);
  try {
    if (left.held) await host.run(["bash", "-c", END_HELD_SCRIPT], "ending the previous scenario's held connections");
  } catch (error) {
    throw new LabNotReusableError(`${who}: ${errorMessage(error)}`, { cause: error });
  }
  // The neighbour caches (ARP, IPv6 ND) go too, and are filled again once the rules are reset, as at lab start
  // (shared-lab.ts): an entry the previous scenario left (changed, failed, learned under its rules, or made
  // permanent) is not carried into the next. After ss -K, not beside it: the resets it sends can resolve
  // a neighbour (IPv6 ND passes the previous scenario's ip6tables rules).
  let forgotten: ReturnType<typeof parseForget>;
  try {
    forgotten = parseForget((await host.run(["sh", "-c", forgetScript(left.files, options.saves === true)], "forgetting the previous scenario's connections, neighbours, IPsec policies and saved rules")).stdout);
  } catch (error) {
    const failure = error instanceof CommandError ? error.failure : undefined;
    // Its own refusals say what they are: connections not ended, files under /etc it does not reset; anything else is the command's failure.
    if (failure?.exitCode === NOT_ENDED) throw new LabNotReusableError(`${who}: ending the previous scenario's TCP connections failed: ${failure.stderr.trim()}`, { cause: error });
    const differing = failure?.exitCode === ETC_DIFFERS ? failure.stderr.split("\n").filter((l) => l.startsWith(ETC_LINE)).map((l) => l.slice(ETC_LINE.length).trim()) : [];
    const refused = differing.length > 0 ? `files under /etc differ from the image's, which fwspec does not reset: ${differing.join("; ")}` : undefined;
    throw new LabNotReusableError(`${who}: ${refused ?? errorMessage(error)}`, { cause: error });
  }
  const now = left.files && written ? await host.writableLayer?.(RESET_ROOTS) : undefined;
  // Read at the last handoff and not now: nothing to compare with, so nothing vouches for its files.
  if (left.files && written && now === undefined) throw new LabNotReusableError(`${who}: its files could not be read to compare them with the last handoff's`);
  const files = now ? writtenSince(written!, now) : [];
  if (files.length > 0) {
    const named = files.slice(0, 5).map(oneLine).join(", ") + (files.length > 5 ? ` and ${files.length - 5} more` : "");
    throw new LabNotReusableError(`${who}: ${named} written, replaced or deleted by the previous scenario's commands outside /etc, /run and /tmp, which fwspec does not reset (a stamp, a wrapper in a command's place)`);
  }
  if (!left.files) return forgotten.saved ? { saved: forgotten.saved } : {};
  const { stray: running, rest } = strayProcesses(forgotten.listening);
  const stray = unexpectedListeners(listen, rest);
  if (stray.length > 0) throw new LabNotReusableError(`${who}: ${stray.join(", ")} listen(s) there, which no host of the previous scenario declares (a process its commands started runs on)`);
  if (running.length > 0) {
    // By process id (the script lists them as /proc's glob sorts them: 102 before 99), so a loop's shell comes before its sleep.
    const named = [...running].sort((a, b) => a.pid - b.pid).slice(0, 5).map((p) => `${p.pid} (${oneLine(p.name)})`).join(", ") + (running.length > 5 ? ` and ${running.length - 5} more` : "");
    throw new LabNotReusableError(`${who}: process(es) ${named} left running by the previous scenario's commands, which could act in the next one (change its rules, send or answer packets)`);
  }
  return forgotten.saved ? { listening: rest, saved: forgotten.saved } : { listening: rest };
}
