/**
 * iptables' own names, as iptables-save prints them: long options and their short
 * forms, protocol numbers, services, TCP flags, REJECT and ICMP types, log levels.
 * Pure data for the rule-text matcher (match.ts).
 */
import type { Family } from "../model/types.ts";

export const LONG_TO_SHORT = new Map<string, string>([
  ["--protocol", "-p"], ["--source", "-s"], ["--src", "-s"], ["--destination", "-d"], ["--dst", "-d"],
  ["--in-interface", "-i"], ["--out-interface", "-o"], ["--jump", "-j"], ["--goto", "-g"],
  ["--match", "-m"], ["--fragment", "-f"], ["--table", "-t"],
  ["--destination-port", "--dport"], ["--source-port", "--sport"],
  ["--destination-ports", "--dports"], ["--source-ports", "--sports"],
  ["--append", "-A"], ["--insert", "-I"], ["--check", "-C"], ["--delete", "-D"], ["--replace", "-R"],
  ["--ipv4", "-4"], ["--ipv6", "-6"], ["--wait", "-w"], ["--wait-interval", "-W"], ["--verbose", "-v"],
  ["--set-counters", "-c"],
  ["--new-chain", "-N"], ["--delete-chain", "-X"], ["--policy", "-P"], ["--flush", "-F"], ["--zero", "-Z"],
  ["--list", "-L"], ["--list-rules", "-S"], ["--rename-chain", "-E"], ["--help", "-h"],
]);


/** Matches iptables loads by itself for `-p PROTO`; the saved form shows them, people often do not. */
export const IMPLICIT_MATCHES = new Set(["tcp", "udp", "icmp", "icmp6", "icmpv6", "ipv6-icmp", "sctp", "dccp", "udplite", "mh", "ipv6-mh"]);

export const PROTOCOL_NAMES = new Map<string, string>([
  ["0", "all"], ["1", "icmp"], ["2", "igmp"], ["4", "ipencap"], ["6", "tcp"], ["17", "udp"], ["33", "dccp"],
  ["41", "ipv6"], ["47", "gre"], ["50", "esp"], ["51", "ah"], ["58", "ipv6-icmp"], ["132", "sctp"],
  ["135", "ipv6-mh"], ["136", "udplite"],
  ["icmpv6", "ipv6-icmp"], ["icmp6", "ipv6-icmp"], ["mh", "ipv6-mh"],
]);

export const SERVICES = new Map<string, number>([
  ["ftp-data", 20], ["ftp", 21], ["ssh", 22], ["telnet", 23], ["smtp", 25], ["domain", 53],
  ["bootps", 67], ["bootpc", 68], ["tftp", 69], ["http", 80], ["www", 80], ["pop3", 110],
  ["ntp", 123], ["imap", 143], ["imap2", 143], ["snmp", 161], ["ldap", 389], ["https", 443],
  ["submissions", 465], ["syslog", 514], ["submission", 587], ["ldaps", 636], ["imaps", 993],
  ["pop3s", 995], ["mysql", 3306], ["ms-wbt-server", 3389], ["postgresql", 5432], ["mdns", 5353],
  ["http-alt", 8080],
]);

export const TCP_FLAGS = ["FIN", "SYN", "RST", "PSH", "ACK", "URG"] as const;

/** iptables' REJECT tables: [name (what iptables-save prints), alias], in iptables' order. */
export const REJECT_TYPES: Record<Family, readonly (readonly [string, string])[]> = {
  ipv4: [
    ["icmp-net-unreachable", "net-unreach"],
    ["icmp-host-unreachable", "host-unreach"],
    ["icmp-proto-unreachable", "proto-unreach"],
    ["icmp-port-unreachable", "port-unreach"],
    ["icmp-net-prohibited", "net-prohib"],
    ["icmp-host-prohibited", "host-prohib"],
    ["tcp-reset", "tcp-rst"],
    ["icmp-admin-prohibited", "admin-prohib"],
  ],
  ipv6: [
    ["icmp6-no-route", "no-route"],
    ["icmp6-adm-prohibited", "adm-prohibited"],
    ["icmp6-addr-unreachable", "addr-unreach"],
    ["icmp6-port-unreachable", "port-unreach"],
    ["tcp-reset", "tcp-reset"],
    ["icmp6-policy-fail", "policy-fail"],
    ["icmp6-reject-route", "reject-route"],
  ],
};
export const REJECT_DEFAULT: Record<Family, string> = { ipv4: "icmp-port-unreachable", ipv6: "icmp6-port-unreachable" };

/** ICMP type names as iptables-save prints them: type, or type/code. */
export const ICMP_TYPES: Record<Family, ReadonlyMap<string, string>> = {
  ipv4: new Map([
    ["echo-reply", "0"], ["pong", "0"], ["destination-unreachable", "3"],
    ["network-unreachable", "3/0"], ["host-unreachable", "3/1"], ["protocol-unreachable", "3/2"],
    ["port-unreachable", "3/3"], ["fragmentation-needed", "3/4"], ["source-route-failed", "3/5"],
    ["network-unknown", "3/6"], ["host-unknown", "3/7"], ["network-prohibited", "3/9"],
    ["host-prohibited", "3/10"], ["tos-network-unreachable", "3/11"], ["tos-host-unreachable", "3/12"],
    ["communication-prohibited", "3/13"], ["host-precedence-violation", "3/14"], ["precedence-cutoff", "3/15"],
    ["source-quench", "4"], ["redirect", "5"], ["network-redirect", "5/0"], ["host-redirect", "5/1"],
    ["tos-network-redirect", "5/2"], ["tos-host-redirect", "5/3"], ["echo-request", "8"], ["ping", "8"],
    ["router-advertisement", "9"], ["router-solicitation", "10"], ["time-exceeded", "11"],
    ["ttl-exceeded", "11"], ["ttl-zero-during-transit", "11/0"], ["ttl-zero-during-reassembly", "11/1"],
    ["parameter-problem", "12"], ["ip-header-bad", "12/0"], ["required-option-missing", "12/1"],
    ["timestamp-request", "13"], ["timestamp-reply", "14"], ["address-mask-request", "17"],
    ["address-mask-reply", "18"],
  ]),
  ipv6: new Map([
    ["destination-unreachable", "1"], ["no-route", "1/0"], ["communication-prohibited", "1/1"],
    ["beyond-scope", "1/2"], ["address-unreachable", "1/3"], ["port-unreachable", "1/4"],
    ["failed-policy", "1/5"], ["reject-route", "1/6"], ["packet-too-big", "2"], ["time-exceeded", "3"],
    ["ttl-exceeded", "3"], ["ttl-zero-during-transit", "3/0"], ["ttl-zero-during-reassembly", "3/1"],
    ["parameter-problem", "4"], ["bad-header", "4/0"], ["unknown-header-type", "4/1"], ["unknown-option", "4/2"],
    ["echo-request", "128"], ["ping", "128"], ["echo-reply", "129"], ["pong", "129"],
    ["mld-listener-query", "130"], ["mld-listener-report", "131"], ["mld-listener-done", "132"],
    ["router-solicitation", "133"], ["router-advertisement", "134"], ["neighbour-solicitation", "135"],
    ["neighbor-solicitation", "135"], ["neighbour-advertisement", "136"], ["neighbor-advertisement", "136"],
    ["redirect", "137"],
  ]),
};

export const LOG_LEVELS = new Map<string, number>([
  ["emerg", 0], ["alert", 1], ["crit", 2], ["error", 3], ["err", 3], ["warning", 4], ["warn", 4],
  ["notice", 5], ["info", 6], ["debug", 7],
]);
export const LOG_DEFAULT_LEVEL = 4;
