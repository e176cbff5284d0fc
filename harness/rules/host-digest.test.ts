/** Unit tests (no Docker) for readHostDigest (host-reset.ts): what a change on a host fwspec never changes must show in. */
import { describe, expect, it } from "vitest";
import type { LabHost } from "../lab/types.ts";
import { readHostDigest } from "./host-reset.ts";

const STATE = ["nft", '{"nftables": []}', "legacy4", "", "legacy6", "", "ip", "[]\n[]\n[]", "rule6", "[]", "alternatives", "", "sysctl", "", "neigh", ""]
  .map((part, i) => (i % 2 === 0 ? `@@fwspec-state ${part}` : part)).join("\n");
const save = (...rules: string[]) => ["*filter", ":INPUT ACCEPT [0:0]", ":FORWARD ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]", ...rules, "COMMIT", ""].join("\n");

/** A host whose one command prints `ipv4`, `ipv6` and the state reading as the script does. */
function host(ipv4: string, ipv6 = save(), state = STATE): LabHost {
  return {
    name: "client",
    spec: { backend: "nft" },
    run: async (command: readonly string[]) => ({ command, exitCode: 0, stdout: `${ipv4}@@fwspec-saves-end\n${ipv6}@@fwspec-saves-end\n${state}`, stderr: "", durationMs: 1 }),
  } as unknown as LabHost;
}

describe("readHostDigest", () => {
  it("is the same for the same rules whatever their counters, and differs when a rule's options, a rule or the state differ", async () => {
    const reject = "-A OUTPUT -p tcp -m tcp --dport 9090 -j REJECT --reject-with tcp-reset";
    const base = await readHostDigest(host(save(reject)));
    expect(await readHostDigest(host(save(`[5:300] ${reject}`).replace(":OUTPUT ACCEPT [0:0]", ":OUTPUT ACCEPT [7:420]")))).toBe(base);
    // nft's JSON shows an iptables-nft REJECT only by name: the options change shows in iptables-save alone.
    expect(await readHostDigest(host(save(reject.replace("tcp-reset", "icmp-port-unreachable"))))).not.toBe(base);
    expect(await readHostDigest(host(save()))).not.toBe(base);
    expect(await readHostDigest(host(save(reject), save("-A OUTPUT -j DROP")))).not.toBe(base);
    expect(await readHostDigest(host(save(reject), save(), STATE.replace('{"nftables": []}', '{"nftables": [{"table": {"family": "inet", "name": "x"}}]}')))).not.toBe(base);
  });
});
