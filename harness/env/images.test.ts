import { describe, expect, it } from "vitest";
import { staleLabTags } from "./images.ts";

describe("staleLabTags (older lab images removed after a rebuild)", () => {
  it.each([
    ["only the current tag", ["fwspec-lab:aaa"], []],
    ["an older tag goes", ["fwspec-lab:aaa", "fwspec-lab:bbb"], ["fwspec-lab:bbb"]],
    ["other repositories stay", ["fwspec-base:bookworm", "debian:bookworm-slim", "fwspec-lab-extra:x", "myfwspec-lab:y"], []],
    ["nothing listed", [], []],
  ])("%s", (_name, tags, stale) => {
    expect(staleLabTags(tags, "fwspec-lab:aaa")).toEqual(stale);
  });
});
