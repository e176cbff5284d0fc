/** Rejected rules file lines as the user wrote them (addresses.ts rejectedAsWritten), table-driven, no Docker. */
import { describe, expect, test } from "vitest";
import type { RuleSource } from "../scenario/model.ts";
import type { RunningLab } from "../lab/types.ts";
import { addressBook, rejectedAsWritten } from "./addresses.ts";

const nft: RuleSource = { kind: "nft", path: "/p/fw.nft", content: "table inet fw {\n  chain input {\n    ip saddr {{ admin.ipv4 }} tcp dport 22 acept\n    tcp dport 80 acept\n  }\n}\n" } as RuleSource;
const at = (line: number | undefined, column?: number) => ({ file: "/p/fw.nft", line, ...(column !== undefined ? { column } : {}), family: "nft", tool: "nft -c", message: "syntax error" });

describe("rejectedAsWritten", () => {
  test.each([
    { case: "nft's column on a line with a placeholder: kept (rules/nft-apply.ts mapped it to the line as written)", given: at(3, 40), want: at(3, 40) },
    { case: "another tool's column on a line with a placeholder: dropped (counted in the line with the address put in)", given: { ...at(3, 40), family: "ipv4", tool: "iptables-restore --test" }, want: { ...at(3), family: "ipv4", tool: "iptables-restore --test" } },
    { case: "a line without one keeps it", given: at(4, 18), want: at(4, 18) },
    { case: "no column: as it was", given: at(3), want: at(3) },
    { case: "no line: as it was", given: at(undefined, 5), want: at(undefined, 5) },
    { case: "another file: as it was", given: { ...at(3, 40), file: "/p/other.nft" }, want: { ...at(3, 40), file: "/p/other.nft" } },
  ])("$case", ({ given, want }) => {
    expect(rejectedAsWritten([given], [nft])).toEqual([want]);
  });
});

describe("addressBook", () => {
  // Tester 39a: `c1@198.18.170.21 -> server:8080 open seen-from c1` failed, its declared extra address read as no lab host's.
  const host = (spec: object, on: Record<string, { ipv4: string; ipv6: string }>) => ({ spec, networks: Object.keys(on), addressOn: (n: string, f: "ipv4" | "ipv6") => on[n]?.[f] });
  const lab = {
    hosts: new Map([
      ["c1", host({ addresses: { lan: { ipv4: "198.18.170.20", ipv6: "2001:db8:170::20", extra: ["198.18.170.21", "2001:db8:170::21"] } } }, { lan: { ipv4: "198.18.170.20", ipv6: "2001:db8:170::20" } })],
      ["server", host({}, { lan: { ipv4: "198.18.170.2", ipv6: "2001:db8:170::2" } })],
    ]),
  } as unknown as RunningLab;
  test.each([
    ["ipv4", { c1: ["198.18.170.20", "198.18.170.21"], server: ["198.18.170.2"] }],
    ["ipv6", { c1: ["2001:db8:170::20", "2001:db8:170::21"], server: ["2001:db8:170::2"] }],
  ] as const)("a host's declared extra addresses are its own (%s)", (family, want) => {
    expect(Object.fromEntries(addressBook(lab, family))).toEqual(want);
  });
});
