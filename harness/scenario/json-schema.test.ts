/** Unit tests (table-driven, no Docker) for json-schema.ts. */
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { SCHEMA_FILE, scenarioJsonSchema } from "./json-schema.ts";

test("schema/scenario.schema.json is up to date (regenerate: node harness/scenario/json-schema.ts)", () => {
  expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(scenarioJsonSchema());
});

test("the JSON Schema is strict and carries the format's patterns", () => {
  const schema = JSON.parse(scenarioJsonSchema()) as Record<string, unknown>;
  expect(schema["additionalProperties"]).toBe(false);
  expect(schema["required"]).toEqual(["name", "description", "hosts", "steps"]);
  const text = JSON.stringify(schema);
  expect(text).toContain("^(?!localhost$)[a-z][a-z0-9-]{0,30}$");
  expect(text).toContain("(tcp|udp|http)/[0-9]{1,5}");
  expect(text).toContain("open|refused|unreachable|dropped|blocked");
  expect(text).toContain("held\\\\s+");
  const properties = schema["properties"] as Record<string, unknown>;
  expect(Object.keys(properties)).toEqual(expect.arrayContaining(["networks", "parity"]));
  const step = JSON.stringify((properties["steps"] as Record<string, unknown>)["items"]);
  for (const kind of ["\"run\"", "\"reboot\"", "\"hold\"", "\"router\""]) expect(text).toContain(kind);
  expect(step).toContain("nonzero");
});
