/** Unit tests (table-driven, no Docker) for nmap.ts: port lists, the command line, and reading nmap's XML. */
import { describe, expect, test } from "vitest";
import { SWEEP_SOURCE_PORT } from "../../rules/trace-marking.ts";
import { expandPorts, NmapOutputError, nmapArgv, parseNmapXml, portList, readableArgv } from "./nmap.ts";

const HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE nmaprun>
<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>
<!-- Nmap 7.93 scan initiated as: nmap -sS -&#45;reason -->
<nmaprun scanner="nmap" args="nmap -sS -&#45;reason" version="7.93" xmloutputversion="1.05">
<scaninfo type="syn" protocol="tcp" numservices="10" services="1-5,8080-8084"/>
<host><status state="up" reason="arp-response" reason_ttl="0"/>
<address addr="198.18.85.2" addrtype="ipv4"/>
<hostnames>
</hostnames>
<ports>`;
const TAIL = `</ports>
<times srtt="41" rttvar="895" to="100000"/>
</host>
<runstats><finished time="1" timestr="x" summary="done" elapsed="0.40" exit="success"/><hosts up="1" down="0" total="1"/>
</runstats>
</nmaprun>
`;
const PORTS = `<extraports state="filtered" count="6">
<extrareasons reason="no-response" count="5" proto="tcp" ports="1-5"/>
<extrareasons reason="port-unreach" count="1" proto="tcp" ports="8083"/>
</extraports>
<port protocol="tcp" portid="8080"><state state="open" reason="syn-ack" reason_ttl="64"/><service name="http-proxy" method="table" conf="3"/></port>
<port protocol="tcp" portid="8081"><state state="closed" reason="reset" reason_ttl="64"/></port>
<port protocol="tcp" portid="8082"><state state="closed" reason="reset" reason_ttl="64"/></port>
<port protocol="tcp" portid="8084"><state state="filtered" reason="admin-prohibited" reason_ttl="64"/></port>
`;
const REQUESTED = [1, 2, 3, 4, 5, 8080, 8081, 8082, 8083, 8084];

describe("port lists", () => {
  test.each([
    [[1, 2, 3, 5, 7, 8], "1-3,5,7-8"],
    [[22], "22"],
    [[443, 22, 80, 22], "22,80,443"],
  ])("%j -> %s and back", (ports, text) => {
    expect(portList(ports)).toBe(text);
    expect(expandPorts(text)).toEqual([...new Set(ports)].sort((a, b) => a - b));
  });
});

describe("nmapArgv", () => {
  test("one packet per port, no discovery, no DNS, reasons, XML on stdout; the family and timing as asked", () => {
    const quick = nmapArgv("tcp", "ipv6", "2001:db8::2", [1, 2, 3], { kind: "quick" });
    expect(quick.slice(0, 4)).toEqual(["nmap", "-6", "-sS", "-Pn"]);
    for (const flag of ["-n", "--reason", "--max-retries", "--min-rate", "--disable-arp-ping"]) expect(quick).toContain(flag);
    expect(quick.join(" ")).toContain("-oX - ");
    expect(quick.join(" ")).toContain("--max-retries 0");
    expect(quick.slice(-3)).toEqual(["-p", "1-3", "2001:db8::2"]);
    // One source port, so the step's trace tells the sweep's packets from single probes'.
    expect(quick.slice(quick.indexOf("-g"), quick.indexOf("-g") + 2)).toEqual(["-g", String(SWEEP_SOURCE_PORT)]);
    const timed = nmapArgv("udp", "ipv4", "198.18.0.2", [53], { kind: "timeout", seconds: 2 });
    expect(timed).toContain("-sU");
    expect(timed).not.toContain("-6");
    expect(timed.join(" ")).toContain("--initial-rtt-timeout 2s --min-rtt-timeout 2s --max-rtt-timeout 2s");
    // UDP: nmap's data folder without payloads, so a port with several (NTP 123) gets one datagram, not one per payload.
    expect(timed.join(" ")).toContain("--datadir /usr/share/fwspec/nmap");
    expect(quick).not.toContain("--datadir");
    // What a person pastes prints nmap's own table, not XML.
    expect(readableArgv(timed).join(" ")).not.toContain("-oX");
    expect(readableArgv(timed).slice(-3)).toEqual(["-p", "53", "198.18.0.2"]);
  });

  test("a chosen source: nmap writes it into every packet (-S) and sends on its interface (-e); without one, neither", () => {
    const from = nmapArgv("tcp", "ipv4", "198.18.33.10", [20, 21], { kind: "quick" }, { address: "198.18.33.200", interface: "lan0" });
    expect(from.join(" ")).toContain(" -S 198.18.33.200 -e lan0 -p 20-21 198.18.33.10");
    expect(nmapArgv("tcp", "ipv4", "198.18.33.10", [20], { kind: "quick" })).not.toContain("-S");
  });
});

describe("parseNmapXml", () => {
  test("every port once, from <port> elements and collapsed <extraports>", () => {
    const answers = parseNmapXml(HEAD + PORTS + TAIL, "tcp", REQUESTED);
    expect(Object.fromEntries(answers)).toEqual({ 1: "no-response", 2: "no-response", 3: "no-response", 4: "no-response", 5: "no-response", 8080: "syn-ack", 8081: "reset", 8082: "reset", 8083: "port-unreach", 8084: "admin-prohibited" });
  });

  const broken: Array<[string, string, RegExp]> = [
    ["a port missing", HEAD + PORTS.replace(/<port protocol="tcp" portid="8084">.*\n/, "") + TAIL, /accounted for 9 of 10 ports; missing 8084/],
    ["a port twice", HEAD + PORTS + `<port protocol="tcp" portid="8080"><state state="open" reason="syn-ack"/></port>\n` + TAIL, /port 8080 is reported twice/],
    ["cut short", (HEAD + PORTS + TAIL).slice(0, 900), /unclosed|no <finished>|cut short/],
    ["nmap failed", HEAD + PORTS + TAIL.replace('exit="success"', 'exit="error" errormsg="bad"'), /nmap reported error: bad/],
    ["a count that disagrees with its list", HEAD + PORTS.replace('count="5" proto', 'count="4" proto') + TAIL, /count 4 but 5 ports/],
    ["not XML", "Starting Nmap 7.93\nFailed to resolve", /unexpected text/],
    ["a port not asked for", HEAD + PORTS + `<port protocol="tcp" portid="9"><state state="open" reason="syn-ack"/></port>\n` + TAIL, /not asked for 9/],
  ];
  test.each(broken)("%s is an error, never a verdict", (_what, xml, message) => {
    expect(() => parseNmapXml(xml, "tcp", REQUESTED)).toThrow(NmapOutputError);
    expect(() => parseNmapXml(xml, "tcp", REQUESTED)).toThrow(message);
  });

  test.each([
    [undefined, "not XML", "Failed to resolve", "(npx fwspec run --keep)"],
    ["/home/me/fwspec/bin/fwspec", "not XML", "Failed to resolve", "(/home/me/fwspec/bin/fwspec run --keep)"],
    ["/home/me/fwspec/bin/fwspec", "a bad port list", HEAD + PORTS.replace(/ports="[^"]*"/, 'ports="x"') + TAIL, "(/home/me/fwspec/bin/fwspec run --keep)"],
  ])("the hint's --keep command starts as the user runs fwspec (%s, %s)", (invocation, _what, xml, command) => {
    let thrown: unknown;
    try {
      parseNmapXml(xml, "tcp", REQUESTED, invocation);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(NmapOutputError);
    expect((thrown as NmapOutputError).hint).toContain(command);
  });
});
