/**
 * Test fixture: a real `nft -j list ruleset` / `nft -a list ruleset` pair
 * (nft 1.0.6, rules/testdata/nft-ruleset.*) and the JSON with counters moved
 * on, for table-driven tests of nft counter readings.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

const dir = path.join(import.meta.dirname, "..", "rules", "testdata");
export const NFT_JSON = readFileSync(path.join(dir, "nft-ruleset.json"), "utf8");
export const NFT_LISTING = readFileSync(path.join(dir, "nft-ruleset.txt"), "utf8");

/** NFT_JSON with rule counters set (keyed `TABLE HANDLE`, e.g. `fw 8`: n packets, 60·n bytes) and every named counter at `named`. */
export function nftJsonWith(changes: Readonly<Record<string, number>>, named = 0): string {
  const doc = JSON.parse(NFT_JSON) as { nftables: Record<string, Record<string, unknown>>[] };
  for (const item of doc.nftables) {
    const rule = item["rule"] as { handle: number; table: string; expr: Record<string, unknown>[] } | undefined;
    const n = rule ? changes[`${rule.table} ${rule.handle}`] : undefined;
    if (rule && n !== undefined) for (const e of rule.expr) if (e["counter"] && typeof e["counter"] === "object") e["counter"] = { packets: n, bytes: 60 * n };
    const c = item["counter"] as { packets: number; bytes: number } | undefined;
    if (c) Object.assign(c, { packets: named, bytes: named * 60 });
  }
  return JSON.stringify(doc);
}
