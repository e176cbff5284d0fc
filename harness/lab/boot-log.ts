/**
 * What a lab host's boot reported failing (pure): the boot (docker/fwspec-boot)
 * logs each step of a Debian host's boot it replays — interface names, IPv6
 * addresses, nftables.service, netfilter-persistent, ifup's commands and
 * scripts (docker/fwspec-ifupdown) — to /run/fwspec-boot.log, afresh at every boot, and goes on past
 * a failure as the real boot would. A reboot step reads it, so a persisted
 * ruleset that did not load is said, not only seen in the verdicts after it.
 */

/** One boot's log. */
export const BOOT_LOG = "/run/fwspec-boot.log";

const MARK = "fwspec-boot: ";
/** The boot's own lines that say something failed. */
const FAILED = /^(?:(?:pre-up|up|post-up) failed: .*|nftables\.service start failed|netfilter-persistent start failed|run-parts: .* exited with return code \d+|ifup: failed to bring up .*|ifup failed \(exit \d+\)|ifup refused .*|ifup read no more of .*|ifup: ignoring unknown interface .*|ifup .* did not end within .*|cannot .*|no interface in .*)$/;
/** Lines of a failing command's own output kept with it. */
const OUTPUT_LINES = 3;

/** What the boot noted without failing (`fwspec-boot: note: …`): said with a reboot step that passed. */
export function bootNotes(log: string): string[] {
  return log.split("\n").flatMap((l) => (l.startsWith(`${MARK}note: `) ? [l.slice(MARK.length + 6).trim()] : []));
}

/** Each failure the log reports, with (up to three lines of) the output the failing command printed before it. */
export function bootProblems(log: string): string[] {
  const out: string[] = [];
  let output: string[] = [];
  for (const raw of log.split("\n")) {
    const line = raw.trimEnd();
    if (!line.startsWith(MARK)) {
      if (line.trim() !== "") output.push(line.trim());
      continue;
    }
    const said = line.slice(MARK.length);
    if (FAILED.test(said)) {
      const shown = output.filter((l) => !/^\^+$/.test(l)).slice(0, OUTPUT_LINES);
      out.push(shown.length > 0 ? `${said} (${shown.join(" / ")})` : said);
    }
    output = [];
  }
  return out;
}
