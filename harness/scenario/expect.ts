/**
 * `expect` items: the compact line (`remote -> server:8080 dropped`, `held
 * NAME VERDICT`) and the object form, checked against the hosts, their
 * listeners and networks, and the lab address ranges; with the families each
 * expectation is probed in.
 */
import { isIPv4, isIPv6 } from "node:net";
import { TARGET_HINT, targetRefusal } from "../model/targets.ts";
import type { ExpectedVerdict, Family, ProbeTarget, Protocol } from "../model/types.ts";
import type { CheckContext } from "./context.ts";
import { knownHost, locationOf } from "./context.ts";
import { at } from "./diagnostics.ts";
import { EXPECTATION_GRAMMAR_HELP, parseExpectation, renderExpectation } from "./expectation.ts";
import { checkAnswerClauses } from "./answer-check.ts";
import { objectTail } from "./expectation-object.ts";
import { heldExpectation, knownHold } from "./hold.ts";
import type { HoldsSoFar } from "./hold.ts";
import { checkReachable } from "./hosts.ts";
import { checkListener } from "./listeners.ts";
import type { Path } from "./locate.ts";
import type { Expectation } from "./model.ts";
import { schemas } from "./schema.ts";
import { parseFrom } from "./source-syntax.ts";
import { checkSource } from "./sources.ts";
import { familiesOf, isAddress, isRecord, truncate } from "./values.ts";

/** A literal target must be in the lab ranges or loopback (targets.ts, also checked at probe time). */
function safeTarget(ctx: CheckContext, address: string, p: Path, offset: number | undefined): boolean {
  const refused = targetRefusal(address);
  if (refused) ctx.problem(p, `the target \`${truncate(address)}\` is ${refused.reason}`, TARGET_HINT, at(offset));
  return refused === undefined;
}

/** One `expect` item, compact or object form; undefined (reported) if invalid. */
export function checkExpectation(ctx: CheckContext, holds: HoldsSoFar, item: unknown, p: Path): Expectation | undefined {
  if (isRecord(item)) {
    const keys = Object.keys(item);
    if (keys.length === 1 && (keys[0] as string).includes("->")) {
      // `- remote -> server:8080: open` is a YAML mapping.
      ctx.problem(p, "this expectation was read as a mapping because of a `: ` in it", `remove the \`:\` before the verdict, or quote the whole line; ${EXPECTATION_GRAMMAR_HELP}`);
      return undefined;
    }
  }
  const parsed = schemas.expectItem.safeParse(item);
  if (!parsed.success) return undefined;
  const location = locationOf(ctx, p);
  const e = parsed.data;
  if (typeof e === "string") {
    const r = parseExpectation(e);
    if (!r.ok) {
      // Every problem of the line, and the names it could read checked too.
      for (const error of r.errors) ctx.problem(p, `${error.message} (in \`${truncate(e.trim(), 80)}\`)`, error.hint, { offset: error.offset });
      for (const n of r.names) {
        if (n.role === "hold") knownHold(ctx, holds, n.name, p, n.offset);
        else knownHost(ctx, n.name, p, n.offset, n.role === "to" ? ["localhost"] : []);
      }
      return undefined;
    }
    if (r.value.kind === "held") return heldExpectation(ctx, holds, r.value.name, r.value.verdict, p, r.value.spans.name.start, e.trim(), location);
    const x = r.value;
    let ok = knownHost(ctx, x.from, p, x.spans.from.start);
    if (ok && x.source && !checkSource(ctx, x.from, x.source, p, x.spans.source?.start)) ok = false;
    let to: ProbeTarget;
    if (x.to.kind === "host") {
      if (!knownHost(ctx, x.to.host, p, x.spans.to.start, ["localhost"])) ok = false;
      to = { kind: "host", host: x.to.host };
    } else if (x.to.kind === "localhost") {
      to = { kind: "localhost" };
    } else {
      to = { kind: "address", address: x.to.address };
      if (!safeTarget(ctx, x.to.address, p, x.spans.to.start)) ok = false;
    }
    const protocol = x.protocol ?? "tcp";
    // A sweep needs no listeners: its except ports are judged by what the firewall admits (probes/sweep/).
    // With `answered-by`, the answering listener is the one that must exist (checked with the clauses).
    if (ok && !x.sweep && !x.answeredBy && !checkListener(ctx, x.from, to, x.port, protocol, p, x.spans.port.start)) ok = false;
    if (ok && !checkReachable(ctx, x.from, to, p, x.spans.to.start)) ok = false;
    const offsets = { answeredBy: x.spans.answeredBy?.host.start, answeredByPort: x.spans.answeredBy?.port?.start, seenFrom: x.spans.seenFrom?.start };
    const clauses = checkAnswerClauses(ctx, { answeredBy: x.answeredBy, seenFrom: x.seenFrom, offsets }, { from: x.from, to, port: x.port, protocol }, p);
    if (!ok || !clauses) return undefined;
    return {
      ...clauses,
      from: x.from,
      ...(x.source ? { source: x.source.address } : {}),
      to,
      port: x.port,
      ...(x.sweep ? { sweep: { first: x.sweep.first, last: x.sweep.last, except: x.sweep.except } } : {}),
      protocol,
      families: x.family ? [x.family] : ctx.defaultFamilies,
      ...(x.family !== undefined || x.source !== undefined ? { familyFixed: true as const } : {}),
      expected: x.verdict,
      ...(x.refusal ? { refusal: x.refusal } : {}),
      text: e.trim(),
      location,
    };
  }
  if ("held" in e) return heldExpectation(ctx, holds, e.held, e.verdict, [...p, "held"], undefined, `held ${e.held} ${e.verdict}`, location);
  // Object form.
  let ok = true;
  const fromWord = parseFrom(e.from);
  const from = fromWord.ok ? fromWord.host : e.from;
  const source = fromWord.ok ? fromWord.source : undefined;
  if (e.from === "localhost" || isIPv4(e.from) || isIPv6(e.from.replace(/^\[|\]$/g, ""))) {
    ctx.problem([...p, "from"], `the source \`${e.from}\` must be a lab host`, "a probe starts from one of the scenario's hosts; `localhost` and addresses are only targets");
    ok = false;
  } else if (!fromWord.ok) {
    ctx.problem([...p, "from"], fromWord.error.message, fromWord.error.hint ?? "write a host, or HOST@ADDRESS to leave from one of its addresses", { offset: fromWord.error.offset });
    ok = false;
  } else if (!knownHost(ctx, from, [...p, "from"])) ok = false;
  else if (source && !checkSource(ctx, from, source, [...p, "from"], from.length + 1)) ok = false;
  let to: ProbeTarget;
  let literal: Family | undefined;
  const bare = e.to.replace(/^\[(.*)\]$/, "$1");
  if (e.to === "localhost") to = { kind: "localhost" };
  else if (isAddress(e.to) && !safeTarget(ctx, bare, [...p, "to"], undefined)) {
    to = { kind: "address", address: bare };
    ok = false;
  } else if (isIPv4(e.to)) {
    to = { kind: "address", address: e.to };
    literal = "ipv4";
  } else if (isIPv6(bare)) {
    to = { kind: "address", address: bare };
    literal = "ipv6";
  } else {
    to = { kind: "host", host: e.to };
    if (/[:/]/.test(e.to)) {
      ctx.problem([...p, "to"], `\`to\` is a host, \`localhost\` or an address, got \`${truncate(e.to)}\``, "write the port in `port:` and the protocol in `protocol:`");
      ok = false;
    } else if (!knownHost(ctx, e.to, [...p, "to"], undefined, ["localhost"])) ok = false;
  }
  const proto = e.protocol ?? "tcp";
  const protocol = proto.replace(/[46]$/, "") as Protocol;
  const suffix: Family | undefined = proto.endsWith("4") ? "ipv4" : proto.endsWith("6") ? "ipv6" : undefined;
  let families: readonly Family[] = ctx.defaultFamilies;
  let pinned: Family | undefined;
  if (e.family !== undefined) {
    families = familiesOf(e.family);
    pinned = e.family === "both" ? undefined : e.family;
  }
  if (suffix !== undefined) {
    if (e.family !== undefined && e.family !== suffix) {
      ctx.problem([...p, "family"], `\`family: ${e.family}\` conflicts with \`protocol: ${proto}\``, `the suffix of \`${proto}\` already pins ${suffix}; drop the suffix or the \`family\` key`);
      ok = false;
    }
    families = [suffix];
    pinned = suffix;
  }
  if (source !== undefined) {
    const label = (f: Family) => (f === "ipv4" ? "IPv4" : "IPv6");
    if (literal !== undefined && literal !== source.family) {
      ctx.problem([...p, "to"], `the source \`${source.address}\` is an ${label(source.family)} address but \`${e.to}\` is ${label(literal)}`, "a probe has one family: leave from an address of the target's family, or probe a target of the source's");
      ok = false;
    } else if (e.family !== undefined && e.family !== source.family) {
      ctx.problem([...p, "family"], `\`family: ${e.family}\` conflicts with the ${label(source.family)} source address \`${source.address}\``, "a source address fixes the family; remove `family`");
      ok = false;
    } else if (suffix !== undefined && suffix !== source.family) {
      ctx.problem([...p, "protocol"], `\`protocol: ${proto}\` asks for ${label(suffix)} but the source \`${source.address}\` is an ${label(source.family)} address`, `write \`protocol: ${protocol}\`: the source address fixes the family`);
      ok = false;
    }
    families = [source.family];
    pinned = undefined;
  }
  if (literal !== undefined) {
    if (e.family !== undefined && e.family !== literal) {
      ctx.problem([...p, "family"], `\`family: ${e.family}\` conflicts with the ${literal === "ipv4" ? "IPv4" : "IPv6"} address \`${e.to}\``, "a literal address fixes the family; remove `family`");
      ok = false;
    } else if (suffix !== undefined && suffix !== literal) {
      ctx.problem([...p, "protocol"], `\`protocol: ${proto}\` asks for ${suffix === "ipv4" ? "IPv4" : "IPv6"} but \`${e.to}\` is an ${literal === "ipv4" ? "IPv4" : "IPv6"} address`, `write \`protocol: ${protocol}\`: a literal address fixes the family`);
      ok = false;
    }
    families = [literal];
    pinned = undefined;
  }
  // Port (or range), verdict (or refusal kind), `except` and answer clauses, by the one-line grammar's parsers.
  const tail = objectTail(ctx, e, p);
  if (tail === undefined) ok = false;
  if (ok && !tail?.sweep && !tail?.clauses.answeredBy && !checkListener(ctx, from, to, tail!.port, protocol, [...p, "port"], undefined)) ok = false;
  if (ok && !checkReachable(ctx, from, to, [...p, "to"], undefined)) ok = false;
  const clauses = tail && checkAnswerClauses(ctx, tail.clauses, { from, to, port: tail.port, protocol }, p, { answeredBy: [...p, "answeredBy"], seenFrom: [...p, "seenFrom"] });
  if (!ok || !clauses || !tail) return undefined;
  const expected: ExpectedVerdict = tail.verdict;
  return {
    ...clauses,
    from,
    ...(source ? { source: source.address } : {}),
    to,
    port: tail.port,
    ...(tail.sweep ? { sweep: tail.sweep } : {}),
    protocol,
    families,
    ...(pinned !== undefined || source !== undefined || literal !== undefined ? { familyFixed: true as const } : {}),
    expected,
    ...(tail.refusal ? { refusal: tail.refusal } : {}),
    text: renderExpectation({ from, source: source?.address, to, port: tail.port, sweep: tail.sweep, protocol, family: pinned, verdict: expected, refusal: tail.refusal, ...tail.clauses }),
    location,
  };
}
