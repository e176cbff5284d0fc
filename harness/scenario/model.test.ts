/** Unit tests (table-driven, no Docker) for model.ts. */
import { describe, expect, it } from "vitest";
import { type Expectation, probeFamilies } from "./model.ts";

const base: Expectation = {
  from: "client",
  to: { kind: "host", host: "server" },
  port: 8080,
  protocol: "tcp",
  families: ["ipv4"],
  expected: "open",
  text: "client -> server:8080 open",
  location: { file: "x.yaml", line: 1, column: 1 },
};

describe("probeFamilies (--family override)", () => {
  it.each([
    ["no override: the expectation's own", base, undefined, ["ipv4"]],
    ["override wins for a probe", base, ["ipv6"], ["ipv6"]],
    ["override to both", base, ["ipv4", "ipv6"], ["ipv4", "ipv6"]],
    ["a held connection keeps its one family", { ...base, held: "session" }, ["ipv6"], ["ipv4"]],
    ["a held connection is not doubled by both", { ...base, held: "session" }, ["ipv4", "ipv6"], ["ipv4"]],
  ] as const)("%s", (_name, expectation, override, families) => {
    expect(probeFamilies(expectation as Expectation, override)).toEqual(families);
  });
});
