/** Kept-lab markers: the limit recorded in their labels, and the sweep rule that spares kept labs (kept.ts), table-driven. */
import { describe, expect, it } from "vitest";
import { DANGLING_MARKER_GRACE_MS, KEPT_LIMIT_MS, type KeptMarker, keptAt, labKey, markerLabels, sweepWithKept } from "./kept.ts";

const T0 = Date.parse("2026-12-02T10:00:00Z");

describe("keptAt", () => {
  const labels = markerLabels("1a2b3c4d", "web-0a1b", T0);
  it.each([
    ["just kept", T0, "kept"],
    ["a minute before the limit", T0 + KEPT_LIMIT_MS - 60_000, "kept"],
    ["at the limit", T0 + KEPT_LIMIT_MS, "expired"],
    ["a day after", T0 + 2 * KEPT_LIMIT_MS, "expired"],
  ])("%s", (_name, now, state) => {
    expect(keptAt(labels, now)).toBe(state);
  });

  it("records when and until when, and the lab it keeps", () => {
    expect(labels).toEqual({ fwspec: "kept", "fwspec.run": "1a2b3c4d", "fwspec.lab": "web-0a1b", "fwspec.kept-at": "2026-12-02T10:00:00.000Z", "fwspec.kept-until": "2026-12-03T10:00:00.000Z" });
    expect(labKey(labels)).toBe("1a2b3c4d/web-0a1b");
  });

  it("a marker without a readable limit keeps nothing", () => {
    expect(keptAt({ ...labels, "fwspec.kept-until": "soon" }, T0)).toBe("expired");
    expect(keptAt({}, T0)).toBe("expired");
  });
});

describe("sweepWithKept", () => {
  const res = (run: string, lab: string) => ({ Labels: { "fwspec.run": run, "fwspec.lab": lab } });
  const marker = (run: string, lab: string, state: "kept" | "expired", ageMs = 1000): KeptMarker => ({ name: `fwspec-${run}-${lab}-kept`, key: `${run}/${lab}`, labels: {}, state, ageMs });
  const keptC = res("aaaaaaaa", "k-0001");
  const keptN = res("aaaaaaaa", "k-0001");
  const orphanC = res("bbbbbbbb", "o-0002");
  const orphanN = res("bbbbbbbb", "o-0002");
  const liveC = res("cccccccc", "l-0003");
  const all = { containers: [keptC, orphanC, liveC], networks: [keptN, orphanN] };
  const orphans = { containers: [keptC, orphanC], networks: [keptN, orphanN] };

  it.each([
    ["no markers: every orphan goes", [], [orphanC, keptC], []],
    ["a kept lab stays, other orphans go", [marker("aaaaaaaa", "k-0001", "kept")], [orphanC], []],
    ["an expired kept lab goes with its marker", [marker("aaaaaaaa", "k-0001", "expired")], [orphanC, keptC], ["fwspec-aaaaaaaa-k-0001-kept"]],
    ["a young marker whose lab is gone stays (its lab may be mid-marking)", [marker("dddddddd", "g-0004", "kept")], [orphanC, keptC], []],
    ["an old marker whose lab is gone goes", [marker("dddddddd", "g-0004", "kept", DANGLING_MARKER_GRACE_MS + 1)], [orphanC, keptC], ["fwspec-dddddddd-g-0004-kept"]],
    ["an old marker of a kept lab with resources stays", [marker("aaaaaaaa", "k-0001", "kept", DANGLING_MARKER_GRACE_MS + 1)], [orphanC], []],
    ["an expired marker of a live lab stays (its lab is not going)", [marker("cccccccc", "l-0003", "expired")], [orphanC, keptC], []],
  ] as const)("%s", (_name, markers, containers, removedMarkers) => {
    const r = sweepWithKept(orphans, all, [...markers]);
    expect(new Set(r.containers)).toEqual(new Set(containers));
    expect(r.networks.map((n) => labKey(n.Labels)).sort()).toEqual([...new Set(containers.map((c) => labKey(c.Labels)))].sort());
    expect(r.markers.map((m) => m.name)).toEqual(removedMarkers);
  });
});
