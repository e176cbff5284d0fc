/** The listener handoff's pure parts: the command, whether a set changes, which old ports still listen. */
import { describe, expect, test } from "vitest";
import { leftOver, listenCommand, sameListeners, unexpectedListeners } from "./listeners.ts";

const l = (protocol: "tcp" | "udp" | "http", port: number) => ({ protocol, port });
const SS = ["tcp   LISTEN 0 5    *:8080 *:*", "udp   UNCONN 0 0    *:53 *:*", "tcp   LISTEN 0 9    *:3000 *:*", "tcp   LISTEN 0 4096 127.0.0.11:41237 0.0.0.0:*"].join("\n");

describe("listener sets", () => {
  test("the command names the host and each listener, as arguments", () => {
    expect(listenCommand({ name: "web", listen: [l("tcp", 8080), l("udp", 53), l("http", 3000)] })).toEqual(["fwspec-listen", "set", "web", "tcp/8080", "udp/53", "http/3000"]);
    expect(listenCommand({ name: "client", listen: [] })).toEqual(["fwspec-listen", "set", "client"]);
  });

  test.each([
    { a: { name: "server", listen: [l("tcp", 1), l("tcp", 2)] }, b: { name: "server", listen: [l("tcp", 2), l("tcp", 1)] }, same: true },
    { a: { name: "server", listen: [l("tcp", 1)] }, b: { name: "web", listen: [l("tcp", 1)] }, same: false },
    { a: { name: "server", listen: [l("tcp", 1)] }, b: { name: "server", listen: [l("http", 1)] }, same: false },
    { a: { name: "server", listen: [] }, b: { name: "server", listen: [l("udp", 1)] }, same: false },
    // No listeners: no process reports a name.
    { a: { name: "remote", listen: [] }, b: { name: "client", listen: [] }, same: true },
  ])("$a.name $a.listen.length vs $b.name $b.listen.length: same $same", ({ a, b, same }) => {
    expect(sameListeners(a, b)).toBe(same);
  });

  test.each([
    { case: "all ended", before: [l("tcp", 9090)], now: [], left: [] },
    { case: "an old TCP port still listens", before: [l("tcp", 8080), l("tcp", 9090)], now: [], left: ["tcp/8080"] },
    { case: "an old UDP port still bound", before: [l("udp", 53)], now: [l("tcp", 53)], left: ["udp/53"] },
    { case: "kept by the new set", before: [l("tcp", 8080)], now: [l("tcp", 8080)], left: [] },
    { case: "http is TCP", before: [l("http", 3000)], now: [], left: ["http/3000"] },
    { case: "tcp kept as http", before: [l("tcp", 3000)], now: [l("http", 3000)], left: [] },
  ])("$case", ({ before, now, left }) => {
    expect(leftOver(before, now, SS)).toEqual(left);
  });

  const UDP_DNS = "udp   UNCONN 0 0    127.0.0.11:39921 0.0.0.0:*";
  test.each([
    { case: "only the declared ones and Docker's DNS", declared: [l("tcp", 8080), l("udp", 53), l("http", 3000)], ss: `${SS}\n${UDP_DNS}`, extra: [] },
    { case: "a TCP port nobody declared", declared: [l("tcp", 8080), l("udp", 53)], ss: SS, extra: ["tcp/3000"] },
    { case: "declared as UDP, listening as TCP", declared: [l("udp", 8080), l("udp", 53), l("tcp", 3000)], ss: SS, extra: ["tcp/8080"] },
    { case: "no listener declared: every socket but Docker's DNS", declared: [], ss: `${SS}\n${UDP_DNS}`, extra: ["tcp/3000", "tcp/8080", "udp/53"] },
    { case: "IPv4 and IPv6 sockets of one port: once", declared: [], ss: "tcp LISTEN 0 5 0.0.0.0:7070 0.0.0.0:*\ntcp LISTEN 0 5 [::]:7070 [::]:*", extra: ["tcp/7070"] },
    { case: "nothing listening", declared: [l("tcp", 1)], ss: "", extra: [] },
  ])("unexpected listeners: $case", ({ declared, ss, extra }) => {
    expect(unexpectedListeners(declared, ss)).toEqual(extra);
  });
});
