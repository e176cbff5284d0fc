/** Rejected rules file lines as the user wrote them (addresses.ts rejectedAsWritten), table-driven, no Docker. */
import { describe, expect, test } from "vitest";
import type { RuleSource } from "../scenario/model.ts";
import { rejectedAsWritten } from "./addresses.ts";

const nft: RuleSource = { kind: "nft", path: "/p/fw.nft", content: "table inet fw {\n  chain input {\n    ip saddr {{ admin.ipv4 }} tcp dport 22 acept\n    tcp dport 80 acept\n  }\n}\n" } as RuleSource;
const at = (line: number | undefined, column?: number) => ({ file: "/p/fw.nft", line, ...(column !== undefined ? { column } : {}), family: "nft", tool: "nft -c", message: "syntax error" });

describe("rejectedAsWritten", () => {
  test.each([
    { case: "a line with a placeholder loses its column (nft counted in the line with the address put in)", given: at(3, 40), want: at(3) },
    { case: "a line without one keeps it", given: at(4, 18), want: at(4, 18) },
    { case: "no column: as it was", given: at(3), want: at(3) },
    { case: "no line: as it was", given: at(undefined, 5), want: at(undefined, 5) },
    { case: "another file: as it was", given: { ...at(3, 40), file: "/p/other.nft" }, want: { ...at(3, 40), file: "/p/other.nft" } },
  ])("$case", ({ given, want }) => {
    expect(rejectedAsWritten([given], [nft])).toEqual([want]);
  });
});
