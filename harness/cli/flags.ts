/**
 * Numeric CLI flags as numbers (pure): the text checked, an InputError
 * (exit 2) naming the flag, the value and the bounds otherwise. Ranges the
 * API checks (checkRunOptions) are left to it.
 */
import { InputError } from "../errors.ts";

/** A whole-number flag; `min`, when given, is its lowest value and is said in the message. */
export function flagNumber(flag: string, text: string, min?: number): number {
  const n = Number(text.trim());
  if (!/^[0-9]+$/.test(text.trim()) || (min !== undefined && n < min)) {
    throw new InputError(`${flag} must be a whole number${min === undefined ? "" : ` of at least ${min}`}, not \`${text}\``);
  }
  return n;
}

/** A percentage flag: a number from 0 to 100 (decimals allowed). */
export function percentFlag(flag: string, text: string): number {
  const n = Number(text.trim());
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text.trim()) || n > 100) throw new InputError(`${flag} must be a percentage from 0 to 100, not \`${text}\``, { hint: `e.g. ${flag} 90` });
  return n;
}
