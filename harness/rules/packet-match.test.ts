import { describe, expect, it } from "vitest";
import { covers, matchesPacket, type PacketMatch, type ProbePacket } from "./packet-match.ts";

const remote8080: ProbePacket = { family: "ipv4", protocol: "tcp", dport: 8080, destination: "198.18.0.2", loopback: false };
const local8080: ProbePacket = { family: "ipv4", protocol: "tcp", dport: 8080, destination: "127.0.0.1", source: "127.0.0.1", loopback: true };
const udp53v6: ProbePacket = { family: "ipv6", protocol: "udp", dport: 53, destination: "2001:db8:f5:1::3", loopback: false };

describe("matchesPacket", () => {
  const cases: [string, ProbePacket, PacketMatch][] = [
    ["-A INPUT -p tcp -j ACCEPT", remote8080, "match"],
    ["-A INPUT -p tcp -m tcp --dport 8080 -j DROP", remote8080, "match"],
    ["-A INPUT -p tcp -m tcp --dport 8081 -j DROP", remote8080, "no"],
    ["-A INPUT -p tcp -m tcp ! --dport 8080 -j DROP", remote8080, "no"],
    ["-A INPUT -p tcp -m tcp --dport 8000:8100 -j DROP", remote8080, "match"],
    ["-A INPUT -p udp -m udp --dport 8080 -j DROP", remote8080, "no"],
    ["-A INPUT -p tcp -m multiport --dports 22,80,8080 -j DROP", remote8080, "match"],
    ["-A INPUT -p tcp -m multiport --dports 22,80 -j DROP", remote8080, "no"],
    ["-A INPUT -p tcp -m multiport --dports http-alt -j DROP", remote8080, "match"],
    ["-A INPUT -j DROP", remote8080, "match"],
    ["-A INPUT -p 6 -j DROP", remote8080, "match"],
    ["-A INPUT -i lo -j ACCEPT", remote8080, "no"],
    ["-A INPUT -i lo -j ACCEPT", local8080, "match"],
    ["-A INPUT ! -i lo -p tcp --dport 8080 -j DROP", local8080, "no"],
    ["-A INPUT ! -i lo -p tcp --dport 8080 -j DROP", remote8080, "match"],
    ["-A INPUT -i eth0 -j DROP", remote8080, "unknown"],
    ["-A INPUT -i eth0 -j DROP", local8080, "no"],
    ["-A INPUT -i eth+ -j DROP", local8080, "no"],
    ["-A INPUT -s 127.0.0.1/32 -p tcp --dport 8080 -j ACCEPT", local8080, "match"],
    ["-A INPUT -s 127.0.0.1/32 -p tcp --dport 8080 -j ACCEPT", remote8080, "unknown"],
    ["-A INPUT -s 198.18.7.0/25 -p tcp --dport 8081 -j ACCEPT", remote8080, "no"],
    ["-A INPUT -d 198.18.0.0/16 -p tcp -j ACCEPT", remote8080, "match"],
    ["-A INPUT -d 198.19.0.0/16 -p tcp -j ACCEPT", remote8080, "no"],
    ["-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", remote8080, "no"],
    ["-A INPUT -m state --state NEW -p tcp -j ACCEPT", remote8080, "match"],
    // DNAT/SNAT: conntrack's virtual states for a connection NAT rewrote, its first packet too; whether the probe's was is not known here.
    ["-A FORWARD -d 198.18.0.2/32 -p tcp -m tcp --dport 8080 -m conntrack --ctstate DNAT -j ACCEPT", remote8080, "unknown"],
    ["-A FORWARD -m conntrack --ctstate SNAT -j ACCEPT", remote8080, "unknown"],
    ["-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT", remote8080, "unknown"],
    ["-A FORWARD -m conntrack ! --ctstate DNAT -j DROP", remote8080, "unknown"],
    ["-A FORWARD -m conntrack --ctstate NEW,DNAT -j ACCEPT", remote8080, "match"],
    ["-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j DROP", remote8080, "match"],
    ["-A INPUT -p tcp -m tcp --tcp-flags SYN,ACK ACK -j DROP", remote8080, "no"],
    ["-A INPUT -p tcp --syn -j DROP", remote8080, "match"],
    ["-A INPUT -f -j DROP", remote8080, "no"],
    ["-A INPUT -p tcp -m comment --comment \"web, ok\" -m tcp --dport 8080 -j ACCEPT", remote8080, "match"],
    ["-A INPUT -p tcp -m recent --update --seconds 60 -j DROP", remote8080, "unknown"],
    ["-A INPUT -p tcp -m recent --update --dport 1 -j DROP", remote8080, "no"],
    ["-A INPUT -p tcp -m tcp --sport 1024:65535 -j ACCEPT", remote8080, "unknown"],
    ["-A INPUT -p udp -m udp --dport 53 -j REJECT --reject-with icmp6-port-unreachable", udp53v6, "match"],
    ["-A INPUT -d 2001:db8:f5:1::/64 -p udp -j DROP", udp53v6, "match"],
    ["-A INPUT -p tcp -j LOG --log-prefix \"--dport 1 \"", remote8080, "match"],
    ["not a rule '", remote8080, "unknown"],
  ];
  it.each(cases)("%s → %s", (rule, packet, want) => {
    expect(matchesPacket(rule, packet)).toBe(want);
  });
});

describe("covers", () => {
  const cases: [string, string, boolean][] = [
    ["-A INPUT -p tcp -j ACCEPT", "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", true],
    ["-A INPUT -j ACCEPT", "-A INPUT -p udp -j DROP", true],
    ["-A INPUT -p tcp -m tcp --dport 8080 -j DROP", "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", true],
    ["-A INPUT -p tcp -m comment --comment \"web\" -j ACCEPT", "-A INPUT -p tcp -m tcp --dport 80 -j DROP", true],
    ["-A INPUT -s 198.18.0.0/15 -j ACCEPT", "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", false],
    ["-A WEB -p tcp -m tcp --dport 80 -m conntrack --ctstate NEW -m limit --limit 50/sec -j ACCEPT", "-A WEB -j DROP", false],
    // Ports by value: a range or a multiport list covers the ports inside it, not those outside.
    ["-A INPUT -p tcp -m tcp --dport 8000:9000 -j ACCEPT", "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", true],
    ["-A INPUT -p tcp -m multiport --dports 80,85 -j ACCEPT", "-A INPUT -p tcp -m tcp --dport 85 -j DROP", true],
    ["-A INPUT -p tcp -m multiport --dports 80:90,443 -j ACCEPT", "-A INPUT -p tcp -m multiport --dports 85,443 -j DROP", true],
    ["-A INPUT -p tcp -m tcp --dport 8000:9000 -j ACCEPT", "-A INPUT -p tcp -m tcp --dport 9001 -j DROP", false],
    ["-A INPUT -p tcp -m multiport --dports 80,85 -j ACCEPT", "-A INPUT -p tcp -m multiport --dports 85,86 -j DROP", false],
    ["-A INPUT -p tcp -m tcp --dport 8000:9000 -j ACCEPT", "-A INPUT -p tcp -j DROP", false],
    ["-A INPUT -p tcp -m tcp --dport 8000:9000 -j ACCEPT", "-A INPUT -p tcp -m tcp ! --dport 8080 -j DROP", false],
    ["-A INPUT -p tcp -m tcp --dport 8000:9000 -j ACCEPT", "-A INPUT -p udp -m udp --dport 8080 -j DROP", false],
    ["-A INPUT -p tcp -m multiport --ports 80,85 -j ACCEPT", "-A INPUT -p tcp -m tcp --dport 85 -j DROP", false],
    ["-A INPUT -i lo -j ACCEPT", "-A INPUT -p tcp -m tcp --dport 8080 -j DROP", false],
    ["-A INPUT ! -i lo -j ACCEPT", "-A INPUT -p tcp -j DROP", false],
    ["not a rule '", "-A INPUT -j DROP", false],
    // ufw's generated rules (fixtures/generated/ufw.rules.v4): a jump to a chain that returns takes no packet for good.
    ["-A OUTPUT -j ufw-before-output", "-A OUTPUT -j ufw-after-output", false],
    ["-A ufw-user-input -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -m recent --set --name DEFAULT --mask 255.255.255.255 --rsource", "-A ufw-user-input -p tcp -m tcp --dport 22 -j ufw-user-limit-accept", false],
    ["-A INPUT -j LOG", "-A INPUT -j DROP", false],
    ["-A INPUT -j RETURN", "-A INPUT -j DROP", true],
    ["-A INPUT -g ZONE", "-A INPUT -j DROP", true],
  ];
  it.each(cases)("%s covers %s: %s", (earlier, later, want) => {
    expect(covers(earlier, later)).toBe(want);
  });
});
