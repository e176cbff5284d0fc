/**
 * Port ranges and `except` lists of sweep expectations (pure, positioned
 * errors): `1-1024` and `except 22,80,443`. The range is FIRST-LAST with
 * 1 <= FIRST < LAST <= 65535; the except list names distinct ports inside the
 * range, at most MAX_EXCEPT of them, comma-separated without spaces, a run
 * of them as FIRST-LAST (`except 22,8000-8010`).
 */

/** How many `except` ports one sweep may list. */
export const MAX_EXCEPT = 256;

export interface PortRangeError {
  readonly message: string;
  /** Offset into the parsed text of the offending part. */
  readonly offset: number;
  readonly hint: string;
}

const RANGE_HINT = "write FIRST-LAST with ports from 1 to 65535 and FIRST below LAST, e.g. `server:1-1024 blocked`";
const EXCEPT_HINT = "write `except` and the ports the firewall admits, comma-separated without spaces, each inside the range, e.g. `except 22,80,443`, a run of them as FIRST-LAST: `except 22,8000-8010`";

function portNumber(text: string): number {
  return /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
}

/** Does this port text look like a range (`1-1024`)? */
export function isRangeText(text: string): boolean {
  return text.includes("-");
}

/** `FIRST-LAST`; errors point into `text`. */
export function parseRange(text: string): { readonly first: number; readonly last: number } | PortRangeError {
  const dash = text.indexOf("-");
  const a = text.slice(0, dash);
  const b = text.slice(dash + 1);
  if (a === "") return { message: "missing the first port before `-`", offset: 0, hint: RANGE_HINT };
  if (b === "") return { message: "missing the last port after `-`", offset: dash + 1, hint: RANGE_HINT };
  const first = portNumber(a);
  if (!(first >= 1 && first <= 65535)) return { message: `port \`${a}\` is not a number from 1 to 65535`, offset: 0, hint: RANGE_HINT };
  const last = portNumber(b);
  if (!(last >= 1 && last <= 65535)) return { message: `port \`${b}\` is not a number from 1 to 65535`, offset: dash + 1, hint: RANGE_HINT };
  if (last <= first) {
    return { message: `the range \`${text}\` does not go upwards`, offset: dash + 1, hint: last === first ? `one port is not a range: write \`:${first}\`` : `write \`${last}-${first}\`` };
  }
  return { first, last };
}

/** `22,80,443` or `22,8000-8010` after `except`, each inside first..last, no port twice; errors point into `text`. */
export function parseExcept(text: string, first: number, last: number): readonly number[] | PortRangeError {
  const out: number[] = [];
  const seen = new Set<number>();
  let offset = 0;
  for (const part of text.split(",")) {
    if (part === "") return { message: "an empty entry in the except list", offset, hint: EXCEPT_HINT };
    const dash = part.indexOf("-");
    const ends = dash < 0 ? [part] : [part.slice(0, dash), part.slice(dash + 1)];
    const ports: number[] = [];
    for (const [i, end] of ends.entries()) {
      const at = offset + (i === 0 ? 0 : dash + 1);
      const port = portNumber(end);
      if (!(port >= 1 && port <= 65535)) return { message: `\`${end}\` is not a port from 1 to 65535`, offset: at, hint: EXCEPT_HINT };
      if (port < first || port > last) return { message: `except port ${port} is outside the range ${first}-${last}`, offset: at, hint: EXCEPT_HINT };
      ports.push(port);
    }
    const [from, to = from] = ports as [number, number?];
    if (to <= from && dash >= 0) return { message: `the except range \`${part}\` does not go upwards`, offset: offset + dash + 1, hint: to === from ? `one port is not a range: write \`${from}\`` : `write \`${to}-${from}\`` };
    for (let port = from; port <= to; port++) {
      if (seen.has(port)) return { message: `except port ${port} is listed twice`, offset, hint: "list each port once" };
      if (out.length === MAX_EXCEPT) return { message: `more than ${MAX_EXCEPT} except ports`, offset, hint: `split the range into several sweeps, or name at most ${MAX_EXCEPT} exceptions` };
      seen.add(port);
      out.push(port);
    }
    offset += part.length + 1;
  }
  if (out.length === last - first + 1) return { message: `every port of ${first}-${last} is an exception`, offset: 0, hint: "a sweep needs at least one port that is not an exception" };
  return out.sort((x, y) => x - y);
}

/** `1-1024` or `1-1024 except 22,80,443,8000-8010`, for titles and reports. */
export function renderSweepPorts(first: number, last: number, except: readonly number[]): string {
  return `${first}-${last}${except.length > 0 ? ` except ${portRanges(except)}` : ""}`;
}

/** Ports in order, each run of `minRun` (three) or more as FIRST-LAST: `22,80,81,8000-8010` (nmap's `-p` takes it too). */
export function portRanges(ports: readonly number[], minRun = 3): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    if (j - i + 1 >= minRun) parts.push(`${sorted[i]}-${sorted[j]}`);
    else for (let k = i; k <= j; k++) parts.push(String(sorted[k]));
    i = j + 1;
  }
  return parts.join(",");
}
