import { expect, test } from "vitest";
import { bootNotes, bootProblems } from "./boot-log.ts";

test("a boot's notes are no problems, and are read apart", () => {
  const log = ["fwspec-boot: nftables.service loaded /etc/nftables.conf", "fwspec-boot: note: both enabled", "fwspec-boot: ready"].join("\n");
  expect(bootProblems(log)).toEqual([]);
  expect(bootNotes(log)).toEqual(["both enabled"]);
});

test("a clean boot reports nothing", () => {
  const log = [
    "fwspec-boot: netfilter-persistent restored saved rules",
    "run-parts: executing /usr/share/netfilter-persistent/plugins.d/15-ip4tables start",
    "fwspec-boot: pre-up: nft -f /etc/nftables.conf",
    "fwspec-boot: ready",
  ].join("\n");
  expect(bootProblems(log)).toEqual([]);
});

test("a failing pre-up line is reported with what it printed (nft's caret line left out)", () => {
  const log = [
    "fwspec-boot: pre-up: nft -f /etc/nftables.conf",
    "/etc/nftables.conf:7:9-15: Error: Interface does not exist",
    '    iif "ens19" tcp dport 22 counter accept',
    "        ^^^^^^^",
    "fwspec-boot: pre-up failed: nft -f /etc/nftables.conf",
    "fwspec-boot: ready",
  ].join("\n");
  expect(bootProblems(log)).toEqual(['pre-up failed: nft -f /etc/nftables.conf (/etc/nftables.conf:7:9-15: Error: Interface does not exist / iif "ens19" tcp dport 22 counter accept)']);
});

test.each([
  [["run-parts: /usr/share/netfilter-persistent/plugins.d/15-ip4tables exited with return code 1", "fwspec-boot: netfilter-persistent start failed"], "netfilter-persistent start failed (run-parts: /usr/share/netfilter-persistent/plugins.d/15-ip4tables exited with return code 1)"],
  [["/etc/nftables.conf:3:1-4: Error: syntax error, unexpected junk", "fwspec-boot: nftables.service start failed"], "nftables.service start failed (/etc/nftables.conf:3:1-4: Error: syntax error, unexpected junk)"],
  [["fwspec-boot: post-up: iptables-restore < /etc/iptables.up.rules", "iptables-restore: line 3 failed", "fwspec-boot: post-up failed: iptables-restore < /etc/iptables.up.rules", "ifup: failed to bring up eth0"],
    "post-up failed: iptables-restore < /etc/iptables.up.rules (iptables-restore: line 3 failed)"],
  [["/etc/network/if-pre-up.d/iptables: 2: cannot open /etc/iptables.up.rules: No such file", "fwspec-boot: run-parts: /etc/network/if-pre-up.d/iptables exited with return code 2", "ifup: failed to bring up eth0"],
    "run-parts: /etc/network/if-pre-up.d/iptables exited with return code 2 (/etc/network/if-pre-up.d/iptables: 2: cannot open /etc/iptables.up.rules: No such file)"],
  [["Cannot find device \"ens3\"", "fwspec-boot: ifup: failed to bring up ens3"], 'ifup: failed to bring up ens3 (Cannot find device "ens3")'],
  [["ifup: /etc/network/interfaces.d/eth0:3: unknown iface to inherit from: eth9", "fwspec-boot: ifup failed (exit 1)"], "ifup failed (exit 1) (ifup: /etc/network/interfaces.d/eth0:3: unknown iface to inherit from: eth9)"],
  [["fwspec-boot: ifup refused /etc/network/interfaces: misplaced option outside any iface stanza: post-up iptables-restore < /etc/fw"], "ifup refused /etc/network/interfaces: misplaced option outside any iface stanza: post-up iptables-restore < /etc/fw"],
  [["fwspec-boot: cannot name eth1 ens19"], "cannot name eth1 ens19"],
  [["fwspec-boot: cannot select iptables-legacy"], "cannot select iptables-legacy"],
  [["fwspec-boot: no interface in 198.18.0.0/24 for 2001:db8::2/64"], "no interface in 198.18.0.0/24 for 2001:db8::2/64"],
])("the boot's own failure lines: %j", (lines, problem) => expect(bootProblems([...lines, "fwspec-boot: ready"].join("\n"))).toEqual([problem]));
