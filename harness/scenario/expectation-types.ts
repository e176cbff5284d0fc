/**
 * What the compact expectation parser returns (expectation.ts): a probe or
 * sweep line, a `held` line, or a positioned syntax error; every part carries
 * the span where it was written so the loader can point at the exact column.
 */
import type { ExpectedVerdict, Family, Protocol } from "../model/types.ts";
import type { RefusalKind } from "./refusal.ts";
import type { CompactSource } from "./source-syntax.ts";

/** Where a part was written: offsets into the line, end exclusive. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export type { CompactSource } from "./source-syntax.ts";

export type CompactTarget =
  | { readonly kind: "host"; readonly host: string }
  | { readonly kind: "localhost" }
  | { readonly kind: "address"; readonly address: string; readonly family: Family };

/** The range of a sweep line and its exceptions (sorted). */
export interface CompactSweep {
  readonly first: number;
  readonly last: number;
  readonly except: readonly number[];
  /** Where `except` was written, when it was. */
  readonly exceptSpan: Span | undefined;
}

/** A probe line: `FROM[@ADDRESS] -> TARGET:PORT[/PROTOCOL[4|6]] VERDICT` (`@ADDRESS`: source-syntax.ts), or a sweep line (`PORT` a range, `except` …). */
export interface CompactExpectation {
  readonly kind: "probe";
  readonly from: string;
  /** `@ADDRESS` after the host, if written (the loader checks it is one of the host's addresses). */
  readonly source: CompactSource | undefined;
  readonly to: CompactTarget;
  /** The port; for a sweep, the range's first port. */
  readonly port: number;
  /** Set for a sweep line (`1-1024 blocked except 22,80`). */
  readonly sweep?: CompactSweep;
  /** As written; undefined when the line has no `/PROTOCOL` (the loader defaults it to tcp). */
  readonly protocol: Protocol | undefined;
  /** Pinned by a `4`/`6` suffix, a literal address or a source address; undefined means the scenario's default. */
  readonly family: Family | undefined;
  readonly verdict: ExpectedVerdict;
  /** `refused:rst` / `refused:icmp`: how the refusal must come back (refusal.ts). */
  readonly refusal?: RefusalKind;
  /** `answered-by HOST[:PORT]` (after `open`): the listener that must answer; no port means the probed one. */
  readonly answeredBy?: { readonly host: string; readonly port: number | undefined };
  /** `seen-from HOST` (after `open`): the host whose address the server must see as the source. */
  readonly seenFrom?: string;
  readonly spans: {
    /** The host name (without `@ADDRESS`). */
    readonly from: Span;
    /** The address after `@`, brackets included. */
    readonly source: Span | undefined;
    readonly to: Span;
    readonly port: Span;
    readonly protocol: Span | undefined;
    readonly verdict: Span;
    readonly answeredBy?: { readonly host: Span; readonly port: Span | undefined };
    readonly seenFrom?: Span;
  };
}

/** A held-connection line: `held NAME VERDICT`. */
export interface CompactHeld {
  readonly kind: "held";
  /** The hold's name, as written (the loader checks it names an earlier hold). */
  readonly name: string;
  readonly verdict: ExpectedVerdict;
  readonly spans: {
    readonly name: Span;
    readonly verdict: Span;
  };
}

export interface ExpectationSyntaxError {
  readonly message: string;
  /** Offset into the line of the part that is wrong. */
  readonly offset: number;
  readonly hint: string;
}

/** A parse of some part of a line: its value, or the positioned error. */
export type PartParse<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ExpectationSyntaxError };

/** A name a line gives (FROM or TARGET a host, or a `held` line's hold) that was read although another part of the line was not: the loader checks it too. */
export interface NameMention {
  readonly name: string;
  readonly offset: number;
  readonly role: "from" | "to" | "hold";
}

/**
 * A parse that goes on past a problem where the rest can still be read: its
 * value, or every problem found (`error` the first, by offset) with the
 * names read on the way.
 */
export type CollectedParse<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ExpectationSyntaxError; readonly errors: readonly ExpectationSyntaxError[]; readonly names: readonly NameMention[] };

export type ExpectationParse = CollectedParse<CompactExpectation | CompactHeld>;
