/**
 * execa, loaded when a command first starts a process on the machine (about
 * 70 ms of module loading): `fwspec --help`, `validate` and the other commands
 * that never start one do not pay for it.
 */
let execa: Promise<typeof import("execa")> | undefined;

export function loadExeca(): Promise<typeof import("execa")> {
  return (execa ??= import("execa"));
}
