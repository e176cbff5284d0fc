/**
 * Who answered a probe, and which source the server saw: fwspec's listeners
 * (docker/fwspec-tcp-echo, docker/fwspec-udp-echo, docker/fwspec-answer) send an identity line `fwspec <host> <port> <peer>
 * <peer-port>` — first on a TCP connection, after the echoed nonce for UDP,
 * as the `X-Fwspec` header of an HTTP answer. Pure: the line read from a probe
 * tool's output, and the peer address normalised (brackets, IPv4-mapped and
 * expanded IPv6), so it can be compared with lab addresses.
 */
import { isIPv4, isIPv6 } from "node:net";
import { addressValue } from "../model/cidr.ts";
import type { Protocol } from "../model/types.ts";

export interface Answer {
  /** The lab host whose listener answered. */
  readonly host: string;
  /** The port that listener listens on (after any port rewrite on the way). */
  readonly port: number;
  /** The source address the listener saw (normalised: an IPv4 peer of a dual-stack socket is IPv4). */
  readonly peer: string;
  readonly peerPort: number;
}

/** UDP: the identity line follows the echoed datagram and a newline, padded to this many bytes plus a newline. */
export const UDP_IDENTITY_BYTES = 127;

const LINE = /^fwspec ([A-Za-z0-9][A-Za-z0-9_.-]*) (\d{1,5}) (\S+) (\d{1,5}) *$/m;
const HTTP_HEADER = /^< X-Fwspec: (fwspec [^\r\n]*?)\r?$/im;

/** The identity line in what a probe tool printed; undefined when there is none (or it is not understood). */
export function parseAnswer(protocol: Protocol, out: { readonly stdout: string; readonly stderr: string }): Answer | undefined {
  // HTTP: curl -v prints response headers on stderr (`< X-Fwspec: …`); stdout is the status code.
  const text = protocol === "http" ? HTTP_HEADER.exec(out.stderr)?.[1] : out.stdout;
  if (text === undefined) return undefined;
  const m = LINE.exec(text);
  if (!m) return undefined;
  const peer = normaliseAddress(m[3]!);
  const port = Number(m[2]);
  const peerPort = Number(m[4]);
  if (peer === undefined || port < 1 || port > 65535 || peerPort > 65535) return undefined;
  return { host: m[1]!, port, peer, peerPort };
}

/**
 * An address as a listener reports it, in its usual short form: brackets
 * removed, an IPv4-mapped IPv6 address (`::ffff:198.18.0.2`, or socat's
 * expanded `0000:…:ffff:c612:0002`) as IPv4, IPv6 compressed. Undefined when
 * it is no address.
 */
export function normaliseAddress(text: string): string | undefined {
  const bare = text.replace(/^\[(.*)\]$/, "$1");
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return undefined;
  const v = addressValue(bare, "ipv6");
  if (v === null) return undefined;
  if (v >> 32n === 0xffffn) return [24n, 16n, 8n, 0n].map((s) => (v >> s) & 255n).join(".");
  return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
}

/** Are two addresses the same (any spelling)? */
export function sameAddress(a: string, b: string): boolean {
  const x = normaliseAddress(a);
  return x !== undefined && x === normaliseAddress(b);
}

/** `backend:8080 saw 198.18.1.2:40312`: the evidence line of an answer. */
export function describeAnswer(a: Answer): string {
  return `${a.host}:${a.port} saw ${a.peer.includes(":") ? `[${a.peer}]` : a.peer}:${a.peerPort}`;
}
