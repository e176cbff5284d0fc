/**
 * Generated: do not edit. The target extensions the lab image's iptables can
 * load, per family (the upper-case modules of its xtables folder), read from fwspec-lab:d1226092be98.
 * Regenerate: node harness/cli/main.ts setup && node harness/rules/image-targets-gen.ts
 * (image-targets.integration.test.ts compares it with the image).
 */
import type { Family } from "../model/types.ts";

export const IMAGE_TARGETS: Readonly<Record<Family, readonly string[]>> = {
  ipv4: ["AUDIT", "CHECKSUM", "CLASSIFY", "CLUSTERIP", "CONNMARK", "CONNSECMARK", "CT", "DNAT", "DSCP", "ECN", "HMARK", "IDLETIMER", "LED", "LOG", "MARK", "MASQUERADE", "NAT", "NETMAP", "NFLOG", "NFQUEUE", "NOTRACK", "RATEEST", "REDIRECT", "REJECT", "SECMARK", "SET", "SNAT", "SYNPROXY", "TCPMSS", "TCPOPTSTRIP", "TEE", "TOS", "TPROXY", "TRACE", "TTL", "ULOG"],
  ipv6: ["AUDIT", "CHECKSUM", "CLASSIFY", "CONNMARK", "CONNSECMARK", "CT", "DNAT", "DNPT", "DSCP", "HL", "HMARK", "IDLETIMER", "LED", "LOG", "MARK", "MASQUERADE", "NAT", "NETMAP", "NFLOG", "NFQUEUE", "NOTRACK", "RATEEST", "REDIRECT", "REJECT", "SECMARK", "SET", "SNAT", "SNPT", "SYNPROXY", "TCPMSS", "TCPOPTSTRIP", "TEE", "TOS", "TPROXY", "TRACE"],
};
