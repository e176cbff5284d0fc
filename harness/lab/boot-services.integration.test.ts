/**
 * What a reboot restores, as a Debian host's boot does it, with real
 * containers: ifupdown's interfaces (docker/fwspec-ifupdown: the Debian
 * wiki's /etc/network/if-pre-up.d script, stanzas in a file `source`d from
 * interfaces.d, only interfaces marked auto or allow-hotplug, a failing
 * script said with what it printed), and services only when enabled
 * (netfilter-persistent disabled restores nothing; nftables.service).
 */
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { connectEngine } from "../env/engine.ts";
import { firewallHost, listeners, peer } from "../testing/lab.ts";
import type { StartedHost } from "./host.ts";
import type { StartedLab } from "./lab.ts";
import { DockerLabProvider } from "./provider.ts";
import { newRunId, removeRun } from "./resources.ts";

let docker: Dockerode;
let lab: StartedLab;
const runId = newRunId();

beforeAll(async () => {
  docker = await connectEngine();
  const labs = new DockerLabProvider({ docker, image: inject("fwspecImage"), runId, ownerPid: inject("fwspecOwnerPid") });
  lab = await labs.start({ name: "boot", networks: ["lan"], hosts: [firewallHost("server", listeners("tcp/8080")), peer("client", listeners("tcp/8080"))] });
});

afterAll(async () => {
  await lab?.[Symbol.asyncDispose]();
  await removeRun(docker, runId);
});

async function sh(host: StartedHost, script: string): Promise<string> {
  return (await host.run(["sh", "-c", script], script)).stdout;
}

describe("a reboot replays ifupdown and the enabled services", () => {
  it("runs the wiki's if-pre-up.d script with the image's interfaces file (ifupdown brings lo up unasked); a CRLF file, a comment ending in a backslash, a loop of sources read as ifupdown reads them", async () => {
    const server = lab.host("server");
    await sh(server, [
      "iptables -A INPUT -p tcp --dport 8080 -j DROP && iptables-save > /etc/iptables.up.rules && iptables -F",
      "printf '#!/bin/sh\\n/sbin/iptables-restore < /etc/iptables.up.rules\\n' > /etc/network/if-pre-up.d/iptables && chmod +x /etc/network/if-pre-up.d/iptables",
    ].join(" && "));
    expect((await lab.reboot("server")).bootProblems).toEqual([]);
    expect(await sh(server, "iptables -S INPUT")).toContain("-A INPUT -p tcp -m tcp --dport 8080 -j DROP");

    await sh(server, [
      "printf 'auto eth0\\r\\niface eth0 inet manual\\r\\n    pre-up ip6tables -A INPUT -p tcp --dport 8080 -j DROP\\r\\n' > /etc/network/interfaces.d/crlf",
      "printf '# my firewall \\\\\\nauto eth1\\niface eth1 inet manual\\n    up touch /run/eth1-up\\n' > /etc/network/interfaces.d/comment",
      "printf 'source /etc/network/interfaces.d/loop-b\\n' > /etc/network/interfaces.d/loop-a && printf 'source /etc/network/interfaces.d/loop-a\\n' > /etc/network/interfaces.d/loop-b",
    ].join(" && "));
    expect((await lab.reboot("server")).bootProblems).toEqual([]);
    expect(await sh(server, "iptables -S INPUT | grep -c 'dport 8080 -j DROP'; ip6tables -S INPUT | grep -c 'dport 8080 -j DROP'; ls /run")).toMatch(/^1\n1\n[\s\S]*eth1-up/);
    await sh(server, "rm -f /etc/network/if-pre-up.d/iptables /etc/network/interfaces.d/* /etc/iptables.up.rules");
  });

  it("goes on past a daemon a post-up line leaves running (its output is no pipe the boot waits on); an option outside any stanza of the interfaces file itself brings nothing up, and says so", async () => {
    const server = lab.host("server");
    await sh(server, "printf 'auto eth0\\niface eth0 inet manual\\n    post-up sleep 600 &\\n    post-up touch /run/after-daemon\\n' > /etc/network/interfaces.d/eth0");
    expect((await lab.reboot("server")).bootProblems).toEqual([]);
    expect(await sh(server, "ls /run; pgrep -x sleep >/dev/null && echo sleeping")).toMatch(/after-daemon[\s\S]*sleeping/);
    await sh(server, "cp /etc/network/interfaces /root/interfaces.orig && echo '    post-up touch /run/misplaced' >> /etc/network/interfaces && rm /etc/network/interfaces.d/eth0");
    const refused = await lab.reboot("server");
    expect(refused.bootProblems).toEqual(["ifup refused /etc/network/interfaces: misplaced option outside any iface stanza: post-up touch /run/misplaced"]);
    expect(await sh(server, "ls /run")).not.toContain("misplaced");
    await sh(server, "cp /root/interfaces.orig /etc/network/interfaces");
  });

  it("starts with /run and /tmp empty (a script's once-per-boot marker is gone); a stray option at the top of an included file makes ifup read no more of it; EXCLUDE_INTERFACES is read", async () => {
    const server = lab.host("server");
    await sh(server, "touch /run/firewall.loaded /tmp/scratch && printf 'auto eth0\\niface eth0 inet manual\\n    up touch /run/eth0-up\\n' > /etc/network/interfaces.d/eth0");
    expect((await lab.reboot("server")).bootProblems).toEqual([]);
    const listed = await sh(server, "ls /run /tmp");
    expect(listed).not.toMatch(/firewall\.loaded|scratch/);
    expect(listed).toContain("eth0-up");
    // As Debian's tmpfiles make it again: /var/lock is there for a hook's lock file.
    expect(await sh(server, "stat -c %a /run/lock && readlink -f /var/lock")).toBe("1777\n/run/lock\n");

    // `iface NAME FAMILY inherits BASE`: the base stanza's commands run for it.
    await sh(server, "printf 'iface base inet manual\\n    up touch /run/base-up\\nauto eth0\\niface eth0 inet inherits base\\n' > /etc/network/interfaces.d/eth0");
    expect((await lab.reboot("server")).bootProblems).toEqual([]);
    expect(await sh(server, "ls /run")).toContain("base-up");

    await sh(server, "printf '    dns-nameservers 198.18.0.53\\nauto eth0\\niface eth0 inet manual\\n    up touch /run/eth0-up\\n' > /etc/network/interfaces.d/eth0");
    expect((await lab.reboot("server")).bootProblems).toEqual(["ifup read no more of /etc/network/interfaces.d/eth0: misplaced option outside any iface stanza: dns-nameservers 198.18.0.53"]);
    expect(await sh(server, "ls /run")).not.toContain("eth0-up");

    await sh(server, "printf 'auto eth0\\niface eth0 inet manual\\n    up touch /run/eth0-up\\n' > /etc/network/interfaces.d/eth0 && cp /etc/default/networking /root/networking.orig && echo 'EXCLUDE_INTERFACES=\"eth0\"' >> /etc/default/networking");
    expect((await lab.reboot("server")).bootProblems).toEqual([]);
    expect(await sh(server, "ls /run")).not.toContain("eth0-up");
    await sh(server, "cp /root/networking.orig /etc/default/networking; rm -f /etc/network/interfaces.d/eth0");
  });

  it("runs the wiki's if-pre-up.d script for an interface a sourced file marks auto, not a stanza nothing marks; a failing script is said", async () => {
    const server = lab.host("server");
    await sh(server, [
      "iptables -A INPUT -p tcp --dport 8080 -j DROP && iptables-save > /etc/iptables.up.rules && iptables -F",
      "printf '#!/bin/sh\\n/sbin/iptables-restore < /etc/iptables.up.rules\\n' > /etc/network/if-pre-up.d/iptables && chmod +x /etc/network/if-pre-up.d/iptables",
      // The image's interfaces file sources interfaces.d/*; a stanza no auto line names is not brought up at boot.
      "printf 'auto eth0\\niface eth0 inet dhcp\\n    pre-up touch /run/eth0-pre-up \\\\\\n      /run/eth0-joined\\niface eth5 inet manual\\n    pre-up touch /run/eth5-pre-up\\n' > /etc/network/interfaces.d/eth0",
    ].join(" && "));
    const outcome = await lab.reboot("server");
    expect(outcome.bootProblems).toEqual([]);
    expect(await sh(server, "iptables -S INPUT")).toContain("-A INPUT -p tcp -m tcp --dport 8080 -j DROP");
    expect(await sh(server, "ls /run")).toMatch(/eth0-joined[\s\S]*eth0-pre-up/);
    expect(await sh(server, "ls /run")).not.toContain("eth5-pre-up");
    // A dhcp stanza is brought up as manual: no DHCP client, the engine's address kept.
    expect(await sh(server, "ip -4 -o addr show dev eth0")).toContain(server.addressOn("lan", "ipv4")!);

    await sh(server, "rm /etc/iptables.up.rules");
    const failed = await lab.reboot("server");
    expect(failed.bootProblems).toEqual([expect.stringMatching(/^run-parts: \/etc\/network\/if-pre-up\.d\/iptables exited with return code \d+ \(.*iptables\.up\.rules/)]);
    expect(await sh(server, "iptables -S INPUT")).not.toContain("8080");
    await sh(server, "rm -f /etc/network/if-pre-up.d/iptables /etc/network/interfaces.d/eth0");
  });

  it("restores netfilter-persistent's files only while it is enabled, and loads /etc/nftables.conf once nftables.service is", async () => {
    const server = lab.host("server");
    await sh(server, "iptables -A INPUT -p tcp --dport 8080 -j DROP && netfilter-persistent save >/dev/null 2>&1 && iptables -F && systemctl disable netfilter-persistent");
    expect((await lab.reboot("server")).bootProblems).toEqual([]);
    expect(await sh(server, "iptables -S INPUT")).not.toContain("8080");
    await sh(server, "systemctl enable netfilter-persistent");
    await lab.reboot("server");
    expect(await sh(server, "iptables -S INPUT")).toContain("--dport 8080 -j DROP");
    // Masked (its unit linked to /dev/null): never started, though still wanted.
    await sh(server, "systemctl mask netfilter-persistent");
    await lab.reboot("server");
    expect(await sh(server, "iptables -S INPUT")).not.toContain("8080");
    await sh(server, "systemctl unmask netfilter-persistent && systemctl enable netfilter-persistent");
    // A rules file iptables-restore refuses: netfilter-persistent exits 0 all the same; what it printed fails the boot.
    await sh(server, "sed -i 's/-j DROP/-j DROP --bogus/' /etc/iptables/rules.v4");
    expect((await lab.reboot("server")).bootProblems).toEqual([expect.stringMatching(/^netfilter-persistent start failed \(.*bogus/)]);
    await sh(server, "rm /etc/iptables/rules.v4 /etc/iptables/rules.v6 && printf 'table inet boot_test {\\n  chain input { type filter hook input priority 0; tcp dport 8080 drop; }\\n}\\n' > /etc/nftables.conf");

    await lab.reboot("server");
    expect(await sh(server, "nft list tables")).not.toContain("boot_test");
    await sh(server, "systemctl enable nftables");
    expect((await lab.reboot("server")).bootProblems).toEqual([]);
    expect(await sh(server, "nft list tables")).toContain("table inet boot_test");

    await sh(server, "echo 'table inet boot_test { chain input { tcp dport 8080 nonsense; }; }' > /etc/nftables.conf");
    const failed = await lab.reboot("server");
    expect(failed.bootProblems).toEqual([expect.stringMatching(/^nftables\.service start failed \(\/etc\/nftables\.conf:1:.*Error/)]);
    // Both enabled, and nftables.conf flushes the ruleset: loaded first here, said as a note (a real boot has no order).
    await sh(server, "printf 'flush ruleset\\ntable inet boot_test {\\n  chain input { type filter hook input priority 0; tcp dport 8081 drop; }\\n}\\n' > /etc/nftables.conf && iptables -A INPUT -p tcp --dport 8080 -j DROP && netfilter-persistent save >/dev/null 2>&1");
    const both = await lab.reboot("server");
    expect(both.bootProblems).toEqual([]);
    expect(both.bootNotes).toEqual([expect.stringMatching(/^nftables\.service and netfilter-persistent are both enabled and \/etc\/nftables\.conf flushes the ruleset/)]);
    expect(await sh(server, "iptables -S INPUT")).toContain("--dport 8080 -j DROP");
    await sh(server, "rm /etc/iptables/rules.v4 /etc/iptables/rules.v6; systemctl disable nftables");
  });
});
