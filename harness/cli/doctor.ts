/**
 * `fwspec doctor`: what this machine can do, each problem with its fix.
 * Kernel features are tried for real inside a throw-away lab host.
 */
import { connectEngine, currentUser, diagnoseEngine, probeEngine } from "../env/engine.ts";
import { FIREWALL_PARTS, PART_COMMANDS, snapshotHostFirewall } from "../env/host-firewall.ts";
import { imageExists, labImageTag } from "../env/images.ts";
import { ipv6SourceFor } from "../lab/ipv6-addresses.ts";
import { DockerLabProvider } from "../lab/provider.ts";
import { fwspecCommand } from "../invocation.ts";

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly fix?: string;
}

const KERNEL_CHECKS: readonly { name: string; argv: string[]; fix: string }[] = [
  { name: "iptables (nf_tables backend)", argv: ["iptables-nft", "-L", "INPUT", "-n"], fix: "the kernel needs nf_tables (CONFIG_NF_TABLES) and the nft_compat module" },
  { name: "ip6tables", argv: ["ip6tables-nft", "-L", "INPUT", "-n"], fix: "the kernel needs IPv6 netfilter (CONFIG_IP6_NF_IPTABLES); load ip6_tables" },
  { name: "iptables legacy backend", argv: ["iptables-legacy", "-L", "INPUT", "-n"], fix: "load the ip_tables module (modprobe ip_tables) or use backend: nft" },
  { name: "ip6tables legacy backend", argv: ["ip6tables-legacy", "-L", "INPUT", "-n"], fix: "load the ip6_tables module (modprobe ip6_tables) or use backend: nft" },
  { name: "conntrack", argv: ["conntrack", "-L"], fix: "the kernel needs nf_conntrack with netlink (CONFIG_NF_CONNTRACK_NETLINK)" },
  { name: "REJECT target", argv: ["sh", "-c", "iptables -A OUTPUT -d 198.18.255.254 -j REJECT && iptables -D OUTPUT -d 198.18.255.254 -j REJECT"], fix: "load xt_REJECT / nft_reject" },
  { name: "multiport and conntrack matches", argv: ["sh", "-c", "iptables -A INPUT -p tcp -m multiport --dports 1,2 -m conntrack --ctstate NEW -j ACCEPT && iptables -F INPUT"], fix: "load xt_multiport and xt_conntrack" },
];

/** Can `fwspec run` compare the machine's own firewall before and after? One check per part. */
async function hostFirewallChecks(invocation: string | undefined): Promise<Check[]> {
  const snapshot = await snapshotHostFirewall();
  return FIREWALL_PARTS.map((part) => {
    const r = snapshot[part];
    return {
      name: `machine's own ${part} rules compared by fwspec run`,
      ok: r.ok,
      detail: r.ok ? `read with ${PART_COMMANDS[part].join(" ")}` : `NOT compared: ${r.reason}`,
      fix: `run \`${fwspecCommand("setup", invocation)}\` as root (on Debian/Ubuntu it installs nftables), or apt-get install nftables iptables; run fwspec as root`,
    };
  });
}

/** Every check; `invocation` starts the commands its fixes name (cli/invocation.ts; default `npx fwspec`). */
export async function runDoctor(invocation?: string): Promise<Check[]> {
  const checks: Check[] = [...(await hostFirewallChecks(invocation))];
  const engine = await probeEngine();
  const why = engine.reachable ? undefined : diagnoseEngine(engine, currentUser(), invocation);
  checks.push({
    name: "Docker engine",
    ok: engine.reachable,
    detail: why ? why.problem : `${engine.endpoint.url} (Docker ${engine.version}, API ${engine.apiVersion})`,
    ...(why ? { fix: why.hint } : {}),
  });
  if (!engine.reachable) return checks;
  const docker = await connectEngine(undefined, invocation);
  const image = labImageTag();
  const haveImage = await imageExists(docker, image);
  checks.push({ name: "lab image", ok: haveImage, detail: image, fix: `run \`${fwspecCommand("setup", invocation)}\` to build it` });
  if (!haveImage) return checks;
  try {
    await using lab = await new DockerLabProvider({ docker, image }).start({
      name: "doctor",
      hosts: [{ name: "probe", firewall: true, backend: "nft", listen: [] }],
    });
    const host = lab.host("probe");
    // The engine's or fwspec's IPv6 address (lab/ipv6-addresses.ts): the check is that the host holds it.
    const by = ipv6SourceFor(engine.version ?? "") === "fwspec" ? "addresses by fwspec (Docker before 26)" : "addresses by the engine";
    const v6 = await host.exec(["ip", "-6", "-o", "addr", "show", "scope", "global"]);
    const holds = v6.exitCode === 0 && v6.stdout.includes(` ${host.addresses.ipv6}/`);
    checks.push({ name: "IPv6 on lab networks", ok: holds, detail: holds ? `${host.addresses.ipv4} and ${host.addresses.ipv6}, ${by}` : `the lab host does not hold ${host.addresses.ipv6} (${by}): ${(v6.stderr || v6.stdout).trim().split("\n")[0] ?? ""}` });
    for (const k of KERNEL_CHECKS) {
      const r = await host.exec(k.argv);
      checks.push({ name: k.name, ok: r.exitCode === 0, detail: r.exitCode === 0 ? "works" : (r.stderr.trim().split("\n")[0] ?? `exit ${r.exitCode}`), fix: k.fix });
    }
  } catch (error) {
    checks.push({ name: "lab host start", ok: false, detail: (error as Error).message, fix: `see \`${fwspecCommand("setup", invocation)}\`; the engine must allow NET_ADMIN and the net.ipv6.conf.all.disable_ipv6 sysctl` });
  }
  return checks;
}

export function renderChecks(checks: readonly Check[]): string {
  return `${checks
    .map((c) => `${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}${!c.ok && c.fix ? `\n    fix: ${c.fix}` : ""}`)
    .join("\n")}\n`;
}
