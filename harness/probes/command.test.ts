/** Unit tests (table-driven, no Docker) for command.ts. */
import { describe, expect, it } from "vitest";
import { probeCommand } from "./command.ts";

describe("probeCommand", () => {
  it("TCP uses nc -v -N (reads the listener's identity line) with whole-second -w, guarded by timeout", () => {
    expect(probeCommand("tcp", "198.18.0.2", 8080, 2).argv).toEqual(["timeout", "-k", "1", "7", "nc", "-v", "-N", "-w", "2", "198.18.0.2", "8080"]);
  });
  it("UDP carries the nonce as an argument and brackets IPv6", () => {
    const c = probeCommand("udp", "2001:db8::2", 5353, 1, "fwspec-abc");
    expect(c.nonce).toBe("fwspec-abc");
    expect(c.argv).toContain("fwspec-abc");
    // the echo, a newline, the identity line padded to 127 bytes, a newline
    expect(c.argv.at(-1)).toBe("UDP:[2001:db8::2]:5353,readbytes=139");
  });
  it("HTTP uses curl with a bracketed IPv6 URL, asking the listener's identity CGI", () => {
    expect(probeCommand("http", "2001:db8::2", 3000, 2).argv.at(-1)).toBe("http://[2001:db8::2]:3000/cgi-bin/fwspec");
  });
  it.each([0, 1.5, -1])("rejects timeout %s (nc -w takes whole seconds)", (t) => {
    expect(() => probeCommand("tcp", "198.18.0.2", 80, t)).toThrow(/whole seconds/);
  });
  it.each<[string, "tcp" | "udp" | "http", string, string[]]>([
    ["nc -s", "tcp", "198.18.7.99", ["-w", "2", "-s", "198.18.7.99", "198.18.7.2", "22"]],
    ["curl --interface", "http", "198.18.7.99", ["--interface", "198.18.7.99", "http://198.18.7.2:22/"]],
  ])("a source address is bound (%s)", (_what, protocol, source, part) => {
    const argv = probeCommand(protocol, "198.18.7.2", 22, 2, "fwspec-abc", source).argv.join(" ");
    expect(argv).toContain(part.join(" "));
  });
  it("UDP binds the source with socat's bind=, bracketed for IPv6", () => {
    expect(probeCommand("udp", "2001:db8:7::2", 53, 1, "fwspec-abc", "2001:db8:7::99").argv.at(-1)).toMatch(/^UDP:\[2001:db8:7::2\]:53,readbytes=\d+,bind=\[2001:db8:7::99\]$/);
    expect(probeCommand("udp", "198.18.7.2", 53, 1, "fwspec-abc", "198.18.7.99").argv.at(-1)).toMatch(/^UDP:198\.18\.7\.2:53,readbytes=\d+,bind=198\.18\.7\.99$/);
  });
  it("without a source nothing is bound", () => {
    expect(probeCommand("tcp", "198.18.0.2", 8080, 2).argv).not.toContain("-s");
    expect(probeCommand("http", "198.18.0.2", 8080, 2).argv).not.toContain("--interface");
  });
});
