/**
 * User regular expressions (`run` steps' `matches`, `fwspec run --filter`)
 * evaluated with a time limit: a pattern that backtracks catastrophically
 * (`^(a+)+$` on "aaaa…!") would otherwise pin the CPU and keep the process
 * from handling SIGINT/SIGTERM. The match runs in a `node:vm` context whose
 * `timeout` interrupts it; a timeout is an InputError naming the pattern.
 */
import { createContext, Script } from "node:vm";
import { InputError } from "./errors.ts";

/** How long one match may take (a normal one takes microseconds). */
export const MATCH_TIMEOUT_MS = 250;

const context = createContext({ pattern: "", flags: "", text: "" });
const script = new Script("new RegExp(pattern, flags).test(text)");

/**
 * `new RegExp(pattern, flags).test(text)`, but a match running longer than
 * `timeoutMs` throws InputError instead of running on. An invalid pattern
 * throws as `new RegExp` would (SyntaxError).
 */
export function boundedTest(pattern: string, flags: string, text: string, timeoutMs = MATCH_TIMEOUT_MS): boolean {
  Object.assign(context, { pattern, flags, text });
  try {
    return script.runInContext(context, { timeout: timeoutMs }) === true;
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") {
      throw new InputError(`the regular expression /${pattern}/${flags} did not finish matching ${text.length} characters within ${timeoutMs} ms`, {
        hint: "it backtracks catastrophically (nested or overlapping quantifiers such as (a+)+ or (a|a)*); rewrite it without them",
      });
    }
    // Errors made in the vm context are not this realm's SyntaxError: rethrow as one.
    if ((error as Error)?.name === "SyntaxError") throw new SyntaxError((error as Error).message);
    throw error;
  } finally {
    Object.assign(context, { text: "" });
  }
}
