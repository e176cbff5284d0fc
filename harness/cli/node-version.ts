/**
 * Which Node versions fwspec runs on (package.json `engines`): the installed
 * package runs its built JavaScript with whatever node runs the launcher.
 */

/** The oldest Node major fwspec runs on. */
export const OLDEST_NODE = 22;

/** Pure: why `version` (process.versions.node, e.g. "22.12.0") cannot run fwspec, or undefined. */
export function nodeVersionProblem(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (Number.isInteger(major) && major >= OLDEST_NODE) return undefined;
  return `Node ${version} is too old (fwspec needs Node ${OLDEST_NODE} or later)`;
}
