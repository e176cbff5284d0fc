/** Unit tests (table-driven, no Docker) for addresses-named.ts. */
import { expect, test } from "vitest";
import { addressesOutsideLab } from "./addresses-named.ts";
import { addressNote } from "./apply.ts";

const save = (...rules: string[]) => `*filter\n:INPUT DROP [0:0]\n${rules.join("\n")}\nCOMMIT\n`;

test.each([
  ["a private source network and a documentation address", { ipv4: save("-A INPUT -s 10.20.0.0/16 -p tcp -m tcp --dport 22 -j ACCEPT", "-A INPUT -d 203.0.113.5/32 -p tcp -m tcp --dport 8443 -j ACCEPT"), ipv6: "" }, ["10.20.0.0/16", "203.0.113.5/32"]],
  ["IPv6 ULA; a lab address and the lab range are placeable", { ipv4: save("-A INPUT -s 198.18.7.0/25 -j ACCEPT", "-A INPUT -s 198.18.0.0/15 -j ACCEPT"), ipv6: save("-A INPUT -s fd00:1::/64 -j ACCEPT", "-A INPUT -s 2001:db8:7::10/128 -j ACCEPT") }, ["fd00:1::/64"]],
  ["loopback, link-local, multicast, broadcast: traffic the lab has", { ipv4: save("-A INPUT -s 127.0.0.0/8 -j ACCEPT", "-A INPUT -d 224.0.0.251/32 -j ACCEPT", "-A INPUT -d 255.255.255.255/32 -j ACCEPT", "-A INPUT -s 169.254.0.0/16 -j DROP"), ipv6: save("-A INPUT -s fe80::/10 -j ACCEPT", "-A INPUT -d ff02::fb/128 -j ACCEPT", "-A INPUT -s ::1/128 -j ACCEPT") }, []],
  // A negated match holds for every lab address: not named.
  ["a list, a range and a negation", { ipv4: save("-A INPUT -s 10.1.0.0/16,198.18.1.0/24 -j ACCEPT", "-A INPUT -m iprange --src-range 192.168.1.10-192.168.1.20 -j ACCEPT", "-A INPUT ! -s 172.16.0.0/12 -j DROP"), ipv6: "" }, ["10.1.0.0/16", "192.168.1.10", "192.168.1.20"]],
  ["nft: literal addresses and anonymous sets, not named sets, negations or comments", { ipv4: "", ipv6: "", nft: 'table inet fw {\n\tchain input {\n\t\tip saddr { 10.0.0.0/8, 198.18.5.0/24 } accept\n\t\tip6 daddr fd00::/8 drop\n\t\tip6 saddr != fd01::/16 drop\n\t\tip saddr @admins accept comment "ip saddr 10.9.9.9"\n\t}\n}' }, ["10.0.0.0/8", "fd00::/8"]],
])("%s", (_what, loaded, outside) => {
  expect(addressesOutsideLab(loaded)).toEqual(outside);
});

test("the apply note names them and the lab's ranges", () => {
  expect(addressNote({ ipv4: save("-A INPUT -s 10.20.0.0/16 -j ACCEPT"), ipv6: "" }, { name: "server" })).toEqual(["the rules on server match address(es) 10.20.0.0/16, which no lab host can hold (lab addresses lie in 198.18.0.0/15 and 2001:db8::/32): those matches never hold for lab traffic, so what they allow or block is not tested here"]);
  expect(addressNote({ ipv4: save("-A INPUT -s 198.18.0.0/15 -j ACCEPT"), ipv6: "" }, { name: "server" })).toEqual([]);
});
