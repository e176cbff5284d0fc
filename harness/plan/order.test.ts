import { describe, expect, test } from "vitest";
import { MAX_SEED, shuffled } from "./order.ts";

const ten = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];

describe("shuffled", () => {
  test.each([1, 2, 3, 17, 123456, MAX_SEED])("seed %i: the same items, the same order every time, the input unchanged", (seed) => {
    const input = [...ten];
    const once = shuffled(input, seed);
    expect(shuffled(input, seed)).toEqual(once);
    expect([...once].sort()).toEqual(ten);
    expect(input).toEqual(ten);
  });

  test("seeds 1 to 20 give orders other than the written one, and not all the same", () => {
    const orders = Array.from({ length: 20 }, (_, i) => shuffled(ten, i + 1).join(""));
    expect(orders.filter((o) => o === ten.join(""))).toEqual([]);
    expect(new Set(orders).size).toBeGreaterThan(15);
  });

  test("each item reaches the first place under some seed (no item stays put)", () => {
    const firsts = new Set(Array.from({ length: 200 }, (_, i) => shuffled(ten, i + 1)[0]));
    expect([...firsts].sort()).toEqual(ten);
  });

  test.each([[[]], [["only"]]])("%j: nothing to shuffle", (items) => {
    expect(shuffled(items, 5)).toEqual(items);
  });

  test.each([0, -1, 1.5, MAX_SEED + 1, Number.NaN])("seed %s is refused", (seed) => {
    expect(() => shuffled(ten, seed)).toThrow(/whole number from 1 to 2147483647/);
  });
});
