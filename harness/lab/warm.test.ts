/** Warm labs' markers (warm.ts), table-driven: the key they are found by, which labs may be left warm, what a marker records, and when a claim stops sparing its lab (kept.ts keptAt). */
import { describe, expect, it } from "vitest";
import type { HostSpec } from "../model/types.ts";
import type { Shaped } from "../plan/shape.ts";
import { KEPT_LIMIT_MS, type KeptMarker, keptAt, labKey } from "./kept.ts";
import { takenLabs } from "./resources.ts";
import { claimLabels, LABEL_WARM, LABEL_WARM_LAB, parseDescription, WARM_LIMIT_MS, type WarmDescription, warmKey, warmLabels, whyNotWarm } from "./warm.ts";

const T0 = Date.parse("2026-12-03T10:00:00Z");
const host = (name: string, over: Partial<HostSpec> = {}): HostSpec => ({ name, firewall: false, backend: "nft", listen: [], ...over });
const web: Shaped = { hosts: [host("server", { firewall: true, listen: [{ protocol: "tcp", port: 8080 }] }), host("client")] };

describe("warmKey", () => {
  it.each([
    ["other host names and listeners: the same shape", { hosts: [host("fw", { firewall: true }), host("peer")] }, "lab-image:1", true],
    ["hosts written in another order: the same shape", { hosts: [host("peer"), host("fw", { firewall: true })] }, "lab-image:1", true],
    ["another image", web, "lab-image:2", false],
    ["no firewall host", { hosts: [host("a"), host("b")] }, "lab-image:1", false],
    ["another backend", { hosts: [host("server", { firewall: true, backend: "legacy" }), host("client")] }, "lab-image:1", false],
    ["a third host", { hosts: [...web.hosts, host("other")] }, "lab-image:1", false],
    ["two networks", { networks: ["lan", "dmz"], hosts: web.hosts.map((h) => ({ ...h, networks: ["lan", "dmz"] })) }, "lab-image:1", false],
  ] as const)("%s", (_name, other, image, same) => {
    expect(warmKey(other as Shaped, image) === warmKey(web, "lab-image:1")).toBe(same);
  });
});

describe("whyNotWarm", () => {
  it.each([
    ["automatic subnets", web, undefined],
    ["a declared subnet", { ...web, subnets: { lan: { ipv4: "198.18.7.0/24" } } }, /declares subnets/],
    ["an empty subnets map", { ...web, subnets: {} }, undefined],
  ] as const)("%s", (_name, shape, why) => {
    const said = whyNotWarm(shape);
    if (why === undefined) expect(said).toBeUndefined();
    else expect(said).toMatch(why);
  });
});

describe("warm and claim markers", () => {
  const description: WarmDescription = {
    name: "web",
    runId: "1a2b3c4d",
    instance: "web-0a1b",
    networks: [{ name: "lan", dockerName: "fwspec-1a2b3c4d-web-0a1b", id: "n1", plan: { slot: 1, ipv4Subnet: "198.19.1.0/24", ipv4Gateway: "198.19.1.1", ipv6Subnet: "2001:db8:f5:1::/64", ipv6Gateway: "2001:db8:f5:1::1" } }],
    hosts: [{ spec: web.hosts[0]!, id: "c1", containerName: "fwspec-1a2b3c4d-web-0a1b-server" }],
    state: { shape: web, listening: { server: { name: "server", listen: [{ protocol: "tcp", port: 8080 }] } }, digests: { server: "abc/def" } },
  };
  const labels = warmLabels(description, "k1", T0);

  it("a warm marker names its lab, its key, its limit and its description", () => {
    expect(labKey(labels)).toBe("1a2b3c4d/web-0a1b");
    expect(labels[LABEL_WARM]).toBe("k1");
    expect(labels["fwspec.kept-until"]).toBe(new Date(T0 + WARM_LIMIT_MS).toISOString());
    expect(parseDescription(labels)).toEqual(description);
  });

  it.each([
    ["until its limit it spares its lab", T0 + WARM_LIMIT_MS - 1, "kept"],
    ["after its limit it does not", T0 + WARM_LIMIT_MS, "expired"],
  ] as const)("%s", (_name, now, state) => {
    expect(keptAt(labels, now)).toBe(state);
  });

  it.each([
    ["not JSON", { ...labels, [LABEL_WARM_LAB]: "{" }],
    ["no hosts", { ...labels, [LABEL_WARM_LAB]: JSON.stringify({ ...description, hosts: [] }) }],
    ["no digests", { ...labels, [LABEL_WARM_LAB]: JSON.stringify({ ...description, state: { ...description.state, digests: undefined } }) }],
    ["another lab than the marker names", { ...labels, "fwspec.lab": "web-ffff" }],
    ["missing", { ...labels, [LABEL_WARM_LAB]: undefined as unknown as string }],
  ])("a description that cannot be read is never taken: %s", (_name, bad) => {
    expect(parseDescription(bad)).toBeUndefined();
  });

  const place = { boot: "b0a1c2d3-0000-4000-8000-000000000000", pidns: "4026531836" };
  const owner = (pid: number, start: string) => `${place.boot}/${place.pidns}/${pid}/${start}`;
  const startOf = (pid: number) => (pid === 100 ? "5000" : undefined);
  it.each([
    ["its claimer alive: kept", owner(100, "5000"), place, T0 + 1000, "kept"],
    ["its claimer gone: no longer spares the lab", owner(200, "6000"), place, T0 + 1000, "expired"],
    ["its pid reused by another process: gone", owner(100, "4999"), place, T0 + 1000, "expired"],
    ["its claimer unseen (another PID namespace): kept until the limit", owner(100, "5000"), { ...place, pidns: "1" }, T0 + 1000, "kept"],
    ["unseen, past the limit", owner(100, "5000"), null, T0 + KEPT_LIMIT_MS, "expired"],
  ] as const)("a claim marker, %s", (_name, by, here, now, state) => {
    expect(keptAt(claimLabels("1a2b3c4d", "web-0a1b", by, T0), now, here, startOf)).toBe(state);
  });
});

describe("takenLabs", () => {
  const marker = (key: string, state: "kept" | "expired", claimedBy?: string): KeptMarker => ({ name: `m-${key}`, key, labels: claimedBy ? { "fwspec.claimed-by": claimedBy } : {}, state, ageMs: 0 });
  it.each([
    ["a live claim holds its lab", [marker("r1/a", "kept", "me")], undefined, ["r1/a"]],
    ["an expired claim (its taker gone) holds nothing", [marker("r1/a", "expired", "other")], undefined, []],
    ["a warm or kept marker is no claim", [marker("r1/a", "kept")], undefined, []],
    ["this process's own claim is not spared from it", [marker("r1/a", "kept", "me"), marker("r1/b", "kept", "other")], "me", ["r1/b"]],
  ] as const)("%s", (_name, markers, except, keys) => {
    expect([...takenLabs(markers, except)].sort()).toEqual(keys);
  });
});
