/** Unit tests (table-driven, no Docker) for listeners.ts. */
import { describe, expect, test } from "vitest";
import { listeningPorts } from "./listeners.ts";

describe("listeningPorts", () => {
  test.each([
    { name: "dual-stack sockets", out: "udp UNCONN 0 0 *:5353 *:*\ntcp LISTEN 0 9 *:80 *:*\ntcp LISTEN 0 5 *:8080 *:*\n", tcp: [80, 8080], udp: [5353] },
    { name: "per-family sockets", out: "tcp LISTEN 0 5 0.0.0.0:3000 0.0.0.0:*\ntcp LISTEN 0 5 [::]:3000 [::]:*\n", tcp: [3000], udp: [] },
    { name: "a bound address", out: "tcp LISTEN 0 5 127.0.0.1:8080 0.0.0.0:*\n", tcp: [8080], udp: [] },
    { name: "nothing", out: "", tcp: [], udp: [] },
    { name: "garbage lines", out: "Netid State\nwhatever\n", tcp: [], udp: [] },
  ])("$name", ({ out, tcp, udp }) => {
    const got = listeningPorts(out);
    expect([...got.tcp].sort((a, b) => a - b)).toEqual(tcp);
    expect([...got.udp]).toEqual(udp);
  });
});
