/**
 * `hold` steps (a named connection held open to a listener of a lab host) and
 * the `held NAME VERDICT` expectations about them, which must come after the
 * hold. The holds seen so far are the one thing the step walk carries along.
 */
import { HOST_NAME } from "../model/names.ts";
import type { ExpectedVerdict, ProbeTarget } from "../model/types.ts";
import type { CheckContext } from "./context.ts";
import { knownHost, locationOf } from "./context.ts";
import { at } from "./diagnostics.ts";
import { badName, checkReachable } from "./hosts.ts";
import { checkListener } from "./listeners.ts";
import type { Path } from "./locate.ts";
import type { Expectation, HoldStep, SourceLocation } from "./model.ts";
import { schemas } from "./schema.ts";
import { didYouMean, listWords } from "./suggest.ts";
import { isAddress, isRecord, truncate } from "./values.ts";

/** A `hold` step seen so far: where its name is, and the step if it is valid. */
interface HoldInfo {
  readonly path: Path;
  readonly step: HoldStep | undefined;
}

/** The holds of the steps checked so far, by name (valid or not), in step order. */
export type HoldsSoFar = Map<string, HoldInfo>;

/** `hold: { name, from, to, port, protocol, family }`: a named connection to a listener of a lab host. */
export function checkHold(ctx: CheckContext, holds: HoldsSoFar, hold: unknown, p: Path, location: SourceLocation): HoldStep | undefined {
  if (!isRecord(hold)) return undefined; // zod reported it
  const parsed = schemas.hold.safeParse(hold);
  let ok = parsed.success;
  const name = hold["name"];
  const namePath: Path = [...p, "name"];
  if (typeof name === "string") {
    const before = holds.get(name);
    if (!HOST_NAME.test(name)) {
      const bad = badName(name, "hold name");
      ctx.problem(namePath, bad.message, bad.hint, at(bad.offset));
      ok = false;
    } else if (before) {
      ctx.problem(namePath, `duplicate hold name \`${name}\``, `the hold at line ${locationOf(ctx, before.path).line} is named \`${name}\` already; give each hold its own name`);
      ok = false;
    }
  }
  const from = hold["from"];
  if (typeof from === "string") {
    if (from === "localhost" || isAddress(from)) {
      ctx.problem([...p, "from"], `the source \`${truncate(from)}\` must be a lab host`, "a hold starts from one of the scenario's hosts; write its name, e.g. `from: remote`");
      ok = false;
    } else if (from.includes("@")) {
      const host = from.slice(0, from.indexOf("@"));
      ctx.problem([...p, "from"], "a hold cannot choose its source address yet", `hold from \`${truncate(host)}\`'s own address (\`from: ${truncate(host)}\`); probes and sweeps can leave from \`${truncate(host)}@…\``, at(from.indexOf("@") + 1));
      ok = false;
    } else if (!knownHost(ctx, from, [...p, "from"])) ok = false;
  }
  const to = hold["to"];
  if (typeof to === "string") {
    if (to === "localhost") {
      ctx.problem([...p, "to"], "a hold goes to a lab host, not `localhost`", "holds to the source's own loopback are not supported (yet); name a lab host, e.g. `to: server`");
      ok = false;
    } else if (isAddress(to)) {
      ctx.problem([...p, "to"], `a hold goes to a lab host, not an address (\`${truncate(to)}\`)`, "holds to literal addresses are not supported (yet); name a lab host, e.g. `to: server`");
      ok = false;
    } else if (/[:/]/.test(to)) {
      ctx.problem([...p, "to"], `\`to\` is a host name, got \`${truncate(to)}\``, "write the port in `port:` and the protocol in `protocol:`");
      ok = false;
    } else if (!knownHost(ctx, to, [...p, "to"])) ok = false;
  }
  let step: HoldStep | undefined;
  if (ok && parsed.success && typeof name === "string") {
    const h = parsed.data;
    const target: ProbeTarget = { kind: "host", host: h.to };
    if (checkListener(ctx, h.from, target, h.port, h.protocol, [...p, "port"], undefined) && checkReachable(ctx, h.from, target, [...p, "to"], undefined)) {
      step = { kind: "hold", name: h.name, from: h.from, to: target, port: h.port, protocol: h.protocol, family: h.family, location };
    }
  }
  if (typeof name === "string" && !holds.has(name)) holds.set(name, { path: namePath, step });
  return step;
}

/** Is `name` a hold of an earlier step? Reports it (declared later, or unknown with the ones there are) when not. */
export function knownHold(ctx: CheckContext, holds: HoldsSoFar, name: string, p: Path, offset: number | undefined): boolean {
  if (holds.has(name)) return true;
  const place = at(offset);
  const later = ctx.allHolds.get(name);
  if (later) {
    ctx.problem(p, `hold \`${name}\` is declared in a later step (line ${locationOf(ctx, later).line})`, "a `held` expectation checks a connection opened by an earlier `hold` step: move the `hold` step before this one", place);
    return false;
  }
  const known = [...holds.keys()];
  const suggestion = didYouMean(name, known);
  ctx.problem(
    p,
    `unknown hold \`${truncate(name)}\``,
    suggestion
      ? `${suggestion} holds declared before this step: ${listWords(known, "and")}`
      : `${known.length > 0 ? `holds declared before this step: ${listWords(known, "and")}` : "no `hold` step comes before this one"}; a held connection is opened by an earlier step, e.g. \`- hold: { name: ${HOST_NAME.test(name) ? name : "session"}, from: HOST, to: HOST, port: PORT }\``,
    place,
  );
  return false;
}

/** An expectation about a held connection: the hold must come in an earlier step. */
export function heldExpectation(ctx: CheckContext, holds: HoldsSoFar, name: string, expected: ExpectedVerdict, p: Path, offset: number | undefined, text: string, location: SourceLocation): Expectation | undefined {
  if (!knownHold(ctx, holds, name, p, offset)) return undefined;
  const h = holds.get(name)!.step;
  if (!h) return undefined; // the hold itself is invalid (reported)
  return { held: name, from: h.from, to: h.to, port: h.port, protocol: h.protocol, families: [h.family], expected, text, location };
}
