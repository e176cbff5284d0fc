/** A weak scenario for mutation tests: 8080 dropped on both families but checked on IPv4 only; 8082 dropped, never probed. */
import type { ScenarioInput } from "../../scenario/schema.ts";

export const WEAK: ScenarioInput = {
  name: "weak",
  description: "8080 blocked on both families, checked on IPv4 only; 8082 blocked, never probed",
  family: "ipv4",
  hosts: { server: { firewall: true, listen: ["tcp/8080", "tcp/8081"] }, remote: {} },
  steps: [
    { apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP", "iptables -A INPUT -p tcp --dport 8082 -j DROP", "ip6tables -A INPUT -p tcp --dport 8080 -j DROP"] } },
    { expect: ["remote -> server:8080 dropped", "remote -> server:8081 open"] },
  ],
};
