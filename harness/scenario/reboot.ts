/** `reboot` steps: one lab host goes through a reboot. */
import type { CheckContext } from "./context.ts";
import { knownHost } from "./context.ts";
import type { Path } from "./locate.ts";
import type { RebootStep, SourceLocation } from "./model.ts";
import { listWords } from "./suggest.ts";

/** `reboot: HOST`, any lab host. */
export function checkReboot(ctx: CheckContext, reboot: unknown, p: Path, location: SourceLocation): RebootStep | undefined {
  if (typeof reboot !== "string") return undefined; // zod reported it
  if (reboot === "localhost") {
    ctx.problem(p, "`localhost` is not a host to reboot", `name a lab host: ${listWords(ctx.hostNames)}`);
    return undefined;
  }
  if (!knownHost(ctx, reboot, p)) return undefined;
  return { kind: "reboot", host: reboot, location };
}
