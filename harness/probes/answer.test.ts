/** Unit tests (table-driven, no Docker) for answer.ts: the listener's identity line in probe output. */
import { spawn, spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pRetry, { AbortError } from "p-retry";
import { describe, expect, it } from "vitest";
import { classify } from "./classify.ts";
import { describeAnswer, normaliseAddress, parseAnswer, sameAddress, UDP_IDENTITY_BYTES } from "./answer.ts";

const NONCE = "fwspec-0123456789abcdef";
const padded = (line: string) => `${line.padEnd(UDP_IDENTITY_BYTES)}\n`;

describe("parseAnswer", () => {
  it.each([
    {
      name: "TCP, IPv4 peer of a dual-stack socket (socat's expanded mapped form)",
      protocol: "tcp" as const,
      out: { stdout: "fwspec backend 8080 0000:0000:0000:0000:0000:ffff:c612:0102 40312\n", stderr: "Connection to 198.18.0.3 80 port [tcp/http] succeeded!\n" },
      want: { host: "backend", port: 8080, peer: "198.18.1.2", peerPort: 40312 },
    },
    {
      name: "TCP, IPv6 peer (expanded)",
      protocol: "tcp" as const,
      out: { stdout: "fwspec router 8080 2001:0db8:00f5:0001:0000:0000:0000:0002 5555\n", stderr: "" },
      want: { host: "router", port: 8080, peer: "2001:db8:f5:1::2", peerPort: 5555 },
    },
    {
      name: "TCP, data echoed after the line does not matter",
      protocol: "tcp" as const,
      out: { stdout: "fwspec web 80 [::ffff:198.18.0.9] 1\nhello\n", stderr: "" },
      want: { host: "web", port: 80, peer: "198.18.0.9", peerPort: 1 },
    },
    {
      name: "UDP: the echoed nonce, then the padded line",
      protocol: "udp" as const,
      out: { stdout: `${NONCE}\n${padded("fwspec dns 5353 2001:0db8:0000:0000:0000:0000:0000:0009 33333")}`, stderr: "" },
      want: { host: "dns", port: 5353, peer: "2001:db8::9", peerPort: 33333 },
    },
    {
      name: "HTTP: the X-Fwspec header curl -v printed on stderr",
      protocol: "http" as const,
      out: { stdout: "200", stderr: "* Connected to 198.18.0.3\n< HTTP/1.1 200 OK\r\n< Content-Type: text/plain\r\n< X-Fwspec: fwspec backend 3000 [::ffff:198.18.0.2] 51662\r\n<\r\n" },
      want: { host: "backend", port: 3000, peer: "198.18.0.2", peerPort: 51662 },
    },
    {
      name: "HTTP: loopback IPv6",
      protocol: "http" as const,
      out: { stdout: "200", stderr: "< X-Fwspec: fwspec web 3000 [::1] 4000\n" },
      want: { host: "web", port: 3000, peer: "::1", peerPort: 4000 },
    },
  ])("$name", ({ protocol, out, want }) => {
    expect(parseAnswer(protocol, out)).toEqual(want);
  });

  it.each([
    { name: "nc -z style: no line", protocol: "tcp" as const, out: { stdout: "", stderr: "Connection to x succeeded!" } },
    { name: "UDP: bare echo from another server", protocol: "udp" as const, out: { stdout: NONCE, stderr: "" } },
    { name: "HTTP: the line in the body only is not the header", protocol: "http" as const, out: { stdout: "fwspec a 80 198.18.0.2 1", stderr: "< HTTP/1.1 404 Not Found\n" } },
    { name: "not an address", protocol: "tcp" as const, out: { stdout: "fwspec a 80 somewhere 1\n", stderr: "" } },
    { name: "port out of range", protocol: "tcp" as const, out: { stdout: "fwspec a 80 198.18.0.2 70000\n", stderr: "" } },
    { name: "missing peer port (socat gave none)", protocol: "tcp" as const, out: { stdout: "fwspec a 80 198.18.0.2 ?\n", stderr: "" } },
    { name: "a line that merely mentions fwspec", protocol: "tcp" as const, out: { stdout: "hello fwspec a 80 198.18.0.2 1\n", stderr: "" } },
  ])("no answer: $name", ({ protocol, out }) => {
    expect(parseAnswer(protocol, out)).toBeUndefined();
  });
});

describe("identity lines do not change verdicts", () => {
  it.each([
    { protocol: "tcp" as const, out: { exitCode: 0, stdout: "fwspec b 8080 198.18.0.2 1\n", stderr: "Connection to 198.18.0.3 80 port [tcp/http] succeeded!\n" }, verdict: "open" },
    { protocol: "udp" as const, out: { exitCode: 0, stdout: `${NONCE}\n${padded("fwspec b 53 198.18.0.2 1")}`, stderr: "" }, verdict: "open" },
    { protocol: "http" as const, out: { exitCode: 0, stdout: "200", stderr: "< X-Fwspec: fwspec b 80 198.18.0.2 1\n" }, verdict: "open" },
  ])("$protocol", ({ protocol, out, verdict }) => {
    expect(classify(protocol, out, 2, NONCE).verdict).toBe(verdict);
  });
});

describe("normaliseAddress / sameAddress", () => {
  it.each([
    ["198.18.0.2", "198.18.0.2"],
    ["[::ffff:198.18.0.2]", "198.18.0.2"],
    ["::ffff:c612:2", "198.18.0.2"],
    ["0000:0000:0000:0000:0000:0000:0000:0001", "::1"],
    ["2001:DB8::A", "2001:db8::a"],
    ["[2001:db8::1]", "2001:db8::1"],
    ["router", undefined],
    ["", undefined],
  ])("%s → %s", (text, want) => {
    expect(normaliseAddress(text)).toBe(want);
  });
  it("compares any spelling", () => {
    expect(sameAddress("2001:0db8:0000:0000:0000:0000:0000:0002", "2001:db8::2")).toBe(true);
    expect(sameAddress("::ffff:198.18.0.2", "198.18.0.2")).toBe(true);
    expect(sameAddress("198.18.0.2", "198.18.0.3")).toBe(false);
    expect(sameAddress("x", "x")).toBe(false);
  });
  it("describes an answer", () => {
    expect(describeAnswer({ host: "backend", port: 8080, peer: "2001:db8::2", peerPort: 1 })).toBe("backend:8080 saw [2001:db8::2]:1");
  });
});

describe("docker/fwspec-udp-echo, the UDP listener (run here on loopback: Perl and its Socket module are in every Debian)", () => {
  const script = fileURLToPath(new URL("../../docker/fwspec-udp-echo", import.meta.url));

  /** A free UDP port on the dual-stack wildcard, and the echo started on it (ready once it answers), its status file in a folder of the test's. */
  async function startEcho(host: string): Promise<{ port: number; status: string; stop: () => void }> {
    const probe = createSocket({ type: "udp6" });
    await new Promise<void>((resolve) => probe.bind(0, "::", resolve));
    const port = probe.address().port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const dir = mkdtempSync(join(tmpdir(), "fwspec-udp-echo-"));
    const child = spawn("perl", [script, host, String(port), dir], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (e) => (stderr += `cannot run perl: ${e.message}`));
    const stop = () => {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    };
    await pRetry(async () => {
      if (child.exitCode !== null || stderr !== "") throw new AbortError(`fwspec-udp-echo exited ${child.exitCode}: ${stderr}`);
      await ask("127.0.0.1", port, "ready?", 200);
    }, { retries: 20, minTimeout: 50, maxTimeout: 50 }).catch((e: unknown) => {
      stop();
      throw e;
    });
    return { port, status: join(dir, String(port)), stop };
  }

  /** One datagram to the echo, the reply's bytes (rejects after `ms` without one). */
  function ask(address: string, port: number, payload: string, ms = 2000): Promise<Buffer> {
    const socket = createSocket({ type: address.includes(":") ? "udp6" : "udp4" });
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply from ${address}:${port} within ${ms} ms`)), ms);
      socket.on("message", (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
      socket.on("error", reject);
      socket.send(payload, port, address);
    }).finally(() => socket.close());
  }

  it("answers the datagram, a newline and the identity line padded to UDP_IDENTITY_BYTES, as the prober reads it", async () => {
    const echo = await startEcho("server");
    try {
      for (const address of ["127.0.0.1", "::1"]) {
        const reply = (await ask(address, echo.port, NONCE)).toString();
        expect(reply.length, address).toBe(NONCE.length + UDP_IDENTITY_BYTES + 2);
        expect(classify("udp", { exitCode: 0, stdout: reply, stderr: "" }, 2, NONCE).verdict, address).toBe("open");
        expect(parseAnswer("udp", { stdout: reply, stderr: "" }), address).toMatchObject({ host: "server", port: echo.port, peer: address });
      }
      // A scanner's bare UDP probe is answered too; only the first line of a datagram comes back.
      expect((await ask("127.0.0.1", echo.port, "")).toString()).toMatch(/^\nfwspec server /);
      expect((await ask("127.0.0.1", echo.port, "one\ntwo")).toString()).toMatch(/^one\nfwspec server /);
      // What it bound, as `ip -o addr` prints the addresses (fwspec-listen settled compares the two).
      expect(readFileSync(echo.status, "utf8").split("\n")).toEqual(expect.arrayContaining(["127.0.0.1", "::1"]));
    } finally {
      echo.stop();
    }
  });

  // socat UDP6-RECVFROM,fork (the listener before) sometimes handed one datagram to two children: the second
  // swallowed the next datagrams and answered the first sender, so probes sent at once went unanswered.
  it("answers every one of many datagrams sent at once, each to its own sender, over both families", async () => {
    const echo = await startEcho("server");
    try {
      const missed: string[] = [];
      for (let round = 0; round < 150; round++) {
        const sent = ["127.0.0.1", "::1", "127.0.0.1", "::1"].map((address, i) => ({ address, nonce: `fwspec-${round}-${i}` }));
        // A datagram the listener swallowed is never answered: a bound well past any answer's time (a machine under
        // heavy load took over 2 s for one), not a timing check.
        const replies = await Promise.allSettled(sent.map((s) => ask(s.address, echo.port, s.nonce, 10_000)));
        for (const [i, r] of replies.entries()) {
          if (r.status === "rejected" || !r.value.toString().startsWith(`${sent[i]!.nonce}\n`)) missed.push(`round ${round}, ${sent[i]!.address}`);
        }
      }
      expect(missed).toEqual([]);
    } finally {
      echo.stop();
    }
  }, 60_000);

  it("refuses a bad host name or port with a usage line", () => {
    for (const args of [["server"], ["bad name", "53"], ["server\n", "53"], ["server", "0"], ["server", "65536"], ["server", "53x"], ["server", "53\n"], ["server", "53", "relative/dir"], ["server", "53", "/tmp/a b"], ["server", "53", "/tmp/x", "extra"]]) {
      const r = spawnSync("perl", [script, ...args], { encoding: "utf8", timeout: 5000 });
      expect(r.status, args.join(" ")).not.toBe(0);
      expect(r.stderr, args.join(" ")).toMatch(/^usage: fwspec-udp-echo HOST PORT \[STATUS-DIR\]/);
    }
  });
});
