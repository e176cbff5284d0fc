/**
 * Sessions of an attached agent (`fwspec-agent --attached`, the one a lab
 * host's container runs on its own stdin and stdout; pure framing). Harnesses
 * come and go on that stdin: a session starts with `\0<nonce>\n`, which the
 * agent answers with the same bytes on stdout; what it printed before (boot
 * messages, replies of a session before) is not the session's.
 * `\0/<nonce>\n` ends that session (the end of a session another harness
 * has replaced is ignored). Requests never contain NUL (encodeRequest refuses
 * it), so a NUL is always a session's start or end; one the agent sends after
 * the session's answer is another harness's session taking over.
 */

const NONCE = /^[0-9A-Za-z-]{1,64}$/;

/** The bytes that start a session (`nonce`: 1 to 64 letters, digits or dashes); with `end`, that end it. */
export function sessionLine(nonce: string, end = false): Buffer {
  if (!NONCE.test(nonce)) throw new RangeError(`a session nonce is 1 to 64 letters, digits or dashes, not ${JSON.stringify(nonce)}`);
  return Buffer.from(`\0${end ? "/" : ""}${nonce}\n`);
}

/**
 * What the agent sent after its answer to `sessionLine(nonce)`: the session's
 * bytes, or undefined while the answer has not come. `received` is everything
 * read since the session was asked for.
 */
export function afterSessionAnswer(received: Buffer, nonce: string): Buffer | undefined {
  const answer = sessionLine(nonce);
  const at = received.indexOf(answer);
  return at < 0 ? undefined : received.subarray(at + answer.length);
}

/** Of bytes read before the answer, what may still hold its beginning (the rest is dropped). */
export function keptBeforeAnswer(received: Buffer, nonce: string): Buffer {
  const keep = sessionLine(nonce).length - 1;
  return received.length > keep ? received.subarray(received.length - keep) : received;
}
