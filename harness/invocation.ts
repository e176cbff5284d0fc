/**
 * How the user types fwspec: the words a printed command line starts with
 * (`npx fwspec run …`). The CLI decides it once (cli/invocation.ts) and passes
 * it down as data; code that prints a command for the user to type takes it
 * as an option, with this default: what works in a project that installed
 * fwspec as a devDependency (no `fwspec` on PATH there).
 */
export const DEFAULT_INVOCATION = "npx fwspec";

/** A fwspec command line for the user to type: `npx fwspec run tests/firewall`. */
export function fwspecCommand(args: string, invocation: string = DEFAULT_INVOCATION): string {
  return `${invocation} ${args}`;
}
