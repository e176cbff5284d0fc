/** Unit tests (table-driven, no Docker) for answer.ts: `answered-by` / `seen-from` judged against a probe's answer. */
import { describe, expect, it } from "vitest";
import type { Answer } from "../probes/answer.ts";
import type { ProbeResult } from "../probes/probe.ts";
import { type AddressBook, judgeAnswer, ownerOf, readAnswerLine } from "./answer.ts";

const BOOK: AddressBook = new Map([
  ["client", ["198.18.1.2"]],
  ["router", ["198.18.1.3", "198.18.2.3"]],
  ["backend", ["198.18.2.4"]],
]);

function probe(verdict: ProbeResult["verdict"], answer?: Answer): ProbeResult {
  return {
    spec: { from: "client", to: { kind: "host", host: "router" }, port: 80, protocol: "tcp", family: "ipv4", timeoutSeconds: 2 },
    address: "198.18.1.3",
    verdict,
    reason: "",
    evidence: { command: "", argv: [], exitCode: 0, stdout: "", stderr: "", durationMs: 1 },
    ...(answer ? { answer } : {}),
  };
}

const fromBackend = (peer: string): Answer => ({ host: "backend", port: 8080, peer, peerPort: 40000 });

describe("judgeAnswer", () => {
  it.each([
    { name: "DNAT: answered by the backend", want: { answeredBy: { host: "backend", port: 8080 } }, answer: fromBackend("198.18.1.2"), problem: undefined },
    { name: "DNAT + MASQUERADE: the backend saw the router", want: { answeredBy: { host: "backend", port: 8080 }, seenFrom: "router" }, answer: fromBackend("198.18.2.3"), problem: undefined },
    { name: "no SNAT: the backend saw the client", want: { seenFrom: "client" }, answer: fromBackend("198.18.1.2"), problem: undefined },
    { name: "the router itself answered", want: { answeredBy: { host: "backend", port: 8080 } }, answer: { host: "router", port: 80, peer: "198.18.1.2", peerPort: 1 }, problem: "answered by router:80, not backend:8080" },
    { name: "the right host on another port", want: { answeredBy: { host: "backend", port: 8080 } }, answer: { host: "backend", port: 80, peer: "198.18.1.2", peerPort: 1 }, problem: "answered by backend:80, not backend:8080" },
    { name: "no MASQUERADE: the backend saw the client", want: { seenFrom: "router" }, answer: fromBackend("198.18.1.2"), problem: "backend saw the source 198.18.1.2 (client), not router's ipv4 address (198.18.1.3, 198.18.2.3)" },
    { name: "a source that is no lab host", want: { seenFrom: "router" }, answer: fromBackend("198.18.9.9"), problem: "(no lab host)" },
    { name: "both wrong: both said", want: { answeredBy: { host: "backend", port: 8080 }, seenFrom: "router" }, answer: { host: "router", port: 80, peer: "198.18.1.2", peerPort: 1 }, problem: "answered by router:80, not backend:8080; router saw the source 198.18.1.2 (client)" },
    { name: "no identity line", want: { answeredBy: { host: "backend", port: 8080 } }, answer: undefined, problem: "no fwspec identity line" },
  ])("$name", ({ want, answer, problem }) => {
    const j = judgeAnswer(want, "ipv4", probe("open", answer), BOOK);
    if (problem === undefined) expect(j.problem).toBeUndefined();
    else expect(j.problem).toContain(problem);
  });

  it("says who answered for every open probe, with or without clauses", () => {
    expect(judgeAnswer({}, "ipv4", probe("open", fromBackend("198.18.2.3")), BOOK)).toEqual({ answer: "backend:8080 saw 198.18.2.3:40000 (router)" });
  });

  it("judges nothing on a blocked probe (its verdict already failed an `open` expectation)", () => {
    expect(judgeAnswer({ answeredBy: { host: "backend", port: 8080 } }, "ipv4", probe("dropped"), BOOK)).toEqual({});
  });
});

describe("ownerOf", () => {
  it.each([
    ["198.18.2.3", "router"],
    ["::ffff:198.18.2.4", "backend"],
    ["127.0.0.1", "web"],
    ["::1", "web"],
    ["198.18.7.7", undefined],
  ])("%s → %s", (address, owner) => {
    expect(ownerOf(address, BOOK, "web")).toBe(owner);
  });
});

describe("readAnswerLine: what judgeAnswer writes, read back", () => {
  it.each<[string, Answer, { host: string; port: number; peer: string; owner: string | undefined }]>([
    ["a lab host's address", fromBackend("198.18.2.3"), { host: "backend", port: 8080, peer: "198.18.2.3", owner: "router" }],
    ["an address no lab host holds", fromBackend("203.0.113.9"), { host: "backend", port: 8080, peer: "203.0.113.9", owner: undefined }],
    ["IPv6, bracketed", fromBackend("2001:db8::9"), { host: "backend", port: 8080, peer: "2001:db8::9", owner: undefined }],
  ])("%s", (_, answer, read) => {
    expect(readAnswerLine(judgeAnswer({}, "ipv4", probe("open", answer), BOOK).answer)).toEqual(read);
  });
  it("no line, or another text: nothing", () => {
    expect(readAnswerLine(undefined)).toBeUndefined();
    expect(readAnswerLine("connection refused")).toBeUndefined();
  });
});
