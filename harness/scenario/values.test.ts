/** Unit tests (table-driven, no Docker) for values.ts: values in words, and long text cut with `…`. */
import { describe, expect, test } from "vitest";
import { shortenQuoted, truncate } from "./values.ts";

describe("shortenQuoted cuts each long `quoted` part as truncate does", () => {
  const long = "x".repeat(20000);
  test.each<[string, number | undefined, string]>([
    ["unknown verdict `droped`", undefined, "unknown verdict `droped`"],
    [`unknown verdict \`${long}\``, undefined, `unknown verdict \`${truncate(long)}\``],
    [`unexpected \`${long}\` after \`open\``, undefined, `unexpected \`${"x".repeat(39)}…\` after \`open\``],
    [`port \`${"9".repeat(50)}\` and \`${"8".repeat(45)}\``, 44, `port \`${"9".repeat(43)}…\` and \`${"8".repeat(43)}…\``],
    ["no quotes at all", undefined, "no quotes at all"],
    [`an unpaired \` then ${long}`, undefined, `an unpaired \` then ${long}`],
  ])("%#", (text, max, want) => {
    expect(shortenQuoted(text, max)).toBe(want);
  });
});
