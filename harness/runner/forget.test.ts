/** Unit tests for forget.ts: what a previous scenario may have left on a host, and the script that undoes it (its /run and /tmp part run by sh on folders of the test's own). */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { defineScenario } from "../scenario/load.ts";
import { END_CONNECTIONS, everyHost, forgetScript, hostShown, layerDigest, leftBy, parseForget, scratchScript, shownFor, writtenSince } from "./forget.ts";
import { LabNotReusableError } from "../rules/host-reset.ts";
import { STRAY_SCRIPT } from "./stray-processes.ts";

const hosts = { server: { firewall: true, listen: ["tcp/22"] }, client: {} };
const scenario = (steps: unknown[]) => defineScenario({ name: "s", description: "d", hosts, steps } as never);
const probe = { expect: ["client -> server:22 open"] };

describe("leftBy", () => {
  test.each([
    ["iptables commands only: no files", [{ apply: { host: "server", commands: ["iptables -A INPUT -p tcp --dport 8080 -j DROP"] } }, probe], "server", { held: false, files: false }],
    ["a run step on the host: files", [{ run: { host: "server", command: "netfilter-persistent save" } }, probe], "server", { held: false, files: true }],
    ["a run step on another host: not this one's files", [{ run: { host: "client", command: "true" } }, probe], "server", { held: false, files: false }],
    ["an apply of more than iptables input (a shell construct): files", [{ apply: { host: "server", commands: ["sh -c 'iptables-save > /etc/iptables/rules.v4'"] } }, probe], "server", { held: false, files: true }],
    ["a hold step: held connections", [{ hold: { name: "h", from: "client", to: "server", port: 22 } }, { expect: ["held h open"] }], "server", { held: true, files: false }],
  ])("%s", (_what, steps, host, want) => {
    expect(leftBy(scenario(steps as unknown[]), host)).toEqual({ ...want, as: host });
  });
});

describe("hostShown", () => {
  test.each([
    ["the lab host played a host of its own name", "srva", "srva", "srva"],
    ["it played another name: the scenario's first, the lab's beside it", "srva", "srvb", "srvb (lab host srva)"],
    ["no previous scenario (a warm lab taken)", "srva", undefined, "srva"],
  ])("%s", (_what, lab, played, want) => {
    expect(hostShown(lab, played)).toBe(want);
  });
});

describe("forgetScript", () => {
  // What the engine and fwspec change under /etc on every host is left out of the comparison by path, nothing else.
  test.each([
    ["Files /usr/share/fwspec/boot-files/etc/hosts and /etc/hosts differ", false],
    ["Files /usr/share/fwspec/boot-files/etc/resolv.conf and /etc/resolv.conf differ", false],
    ["Only in /etc/fwspec: interfaces", false],
    ["Symbolic links /usr/share/fwspec/boot-files/etc/alternatives/iptables and /etc/alternatives/iptables differ", false],
    ["Only in /etc: nftables.d", true],
    ["Only in /etc/nftables.d: hosts", true],
    ["Files /usr/share/fwspec/boot-files/etc/hosts.allow and /etc/hosts.allow differ", true],
  ])("%s: compared %s", (line, compared) => {
    const pattern = /grep -Ev '([^']+)'/.exec(forgetScript(true))![1]!;
    expect(!new RegExp(pattern).test(line)).toBe(compared);
  });

  test("with files: compares the boot files by contents and copies them back when they differ, flushes IPsec, ends by listing listeners; without: connections and neighbours only", () => {
    const withFiles = forgetScript(true);
    for (const p of ["iptables", "network", "default/netfilter-persistent", "nftables.conf", "systemd/system"]) {
      expect(withFiles).toContain(`cp -a /usr/share/fwspec/boot-files/etc/${p} /etc/${p}`);
    }
    expect(withFiles).toMatch(/rm -rf \/etc\/iptables \/etc\/network \/etc\/default\/netfilter-persistent \/etc\/nftables.conf \/etc\/systemd\/system && cp -a /);
    // The engine's files written back in place (bind mounts) from the copy the first boot kept.
    expect(withFiles).toContain("for f in hosts hostname resolv.conf; do [ ! -e /etc/fwspec/engine-etc/$f ] || cmp -s /etc/fwspec/engine-etc/$f /etc/$f || cat /etc/fwspec/engine-etc/$f > /etc/$f || exit 1; done");
    // /etc against the image's, but for what the engine and fwspec write on every host: once, and again after the boot files are copied back.
    const diff = "diff -rq --no-dereference /usr/share/fwspec/boot-files/etc /etc 2>&1 | grep -Ev ' /etc/(hosts|hostname|resolv\\.conf)( |$)| /etc/(fwspec|alternatives)(/|:| |$)'";
    expect(withFiles.split(diff)).toHaveLength(3);
    expect(withFiles).toMatch(/^\{ e=\$\(ss -K .* && ip neigh flush all nud all && .* && ss -H -ltun$/s);
    expect(forgetScript(false)).not.toContain("boot-files");
    // The processes none of fwspec's own: only where the previous scenario ran a command of its own.
    expect(forgetScript(true)).toContain(STRAY_SCRIPT);
    expect(forgetScript(false)).not.toContain(STRAY_SCRIPT);
    expect(withFiles).toContain("ip xfrm policy flush");
    // No command of the previous scenario's own there: nothing but its rules can have left anything.
    expect(forgetScript(false)).toMatch(/^\{ e=\$\(ss -K [^\n]* && ip neigh flush all nud all$/);
    // With saves: each family's rules read last, after lines of their own.
    expect(forgetScript(false, true)).toMatch(/ && ip neigh flush all nud all && \{ printf .*; iptables-save -c && printf .* && ip6tables-save -c && printf .*; true; \}$/);
    expect(forgetScript(true, true)).toMatch(/ && ss -H -ltun && \{ printf .*; iptables-save -c && printf .* && ip6tables-save -c && printf .*; true; \}$/);
    expect(forgetScript(true)).not.toContain("iptables-save");
  });
});

describe("END_CONNECTIONS, run by this machine's sh with an ss of the test's own", () => {
  // The fake ss prints on stdout what it ended, then on stderr what it is given, and exits as told.
  const ended = (stderr: string, exit: number) => {
    const bin = mkdtempSync(path.join(tmpdir(), "fwspec-ss-"));
    try {
      writeFileSync(path.join(bin, "ss"), `#!/bin/sh\necho "ESTAB 0 0 198.18.0.2:22 198.18.0.3:4000"\nprintf '%s' '${stderr}' >&2\nexit ${exit}\n`, { mode: 0o755 });
      const r = spawnSync("sh", ["-c", `${END_CONNECTIONS} && echo next`], { env: { PATH: `${bin}:/usr/bin:/bin` }, encoding: "utf8" });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  };
  test.each([
    ["ended (exit 0, nothing on stderr): goes on, what ss printed not shown", "", 0, { status: 0, stdout: "next\n", stderr: "" }],
    ["exit 0 with a note that is no refusal: goes on", "ss: note\n", 0, { status: 0, stdout: "next\n", stderr: "" }],
    ["exit 0 but SOCK_DESTROY refused (no NET_ADMIN): exit 8, its words on stderr", "SOCK_DESTROY answers: Operation not permitted\n", 0, { status: 8, stdout: "", stderr: "SOCK_DESTROY answers: Operation not permitted\n" }],
    ["ss failed: exit 8, its words on stderr", "ss: bad filter\n", 1, { status: 8, stdout: "", stderr: "ss: bad filter\n" }],
    ["ss failed saying nothing: exit 8, its own exit status on stderr", "", 3, { status: 8, stdout: "", stderr: "ss -K exited 3\n" }],
  ])("%s", (_what, stderr, exit, want) => {
    expect(ended(stderr, exit)).toEqual(want);
  });
});

describe("parseForget", () => {
  const M = "@@fwspec-forget-saves";
  test.each([
    ["no saves asked: all of it is the listening sockets", "tcp LISTEN 0 4096 0.0.0.0:22 0.0.0.0:*\n", { listening: "tcp LISTEN 0 4096 0.0.0.0:22 0.0.0.0:*\n" }],
    ["sockets and both readings, each as printed", `tcp LISTEN 0 4096 0.0.0.0:22 0.0.0.0:*\n\n${M}\n*filter\nCOMMIT\n\n${M}\n*raw\nCOMMIT\n\n${M}\n`, { listening: "tcp LISTEN 0 4096 0.0.0.0:22 0.0.0.0:*\n", saved: { ipv4: "*filter\nCOMMIT\n", ipv6: "*raw\nCOMMIT\n" } }],
    ["no socket, an empty reading: each empty", `\n${M}\n\n${M}\n*filter\nCOMMIT\n\n${M}\n`, { listening: "", saved: { ipv4: "", ipv6: "*filter\nCOMMIT\n" } }],
    ["ip6tables-save failed (no last mark): no reading", `\n${M}\n*filter\nCOMMIT\n\n${M}\n*filter\n`, { listening: "" }],
    ["a rule's comment ending in the mark is no mark", `\n${M}\n-A INPUT -m comment --comment ${M}\n\n${M}\n\n${M}\n`, { listening: "", saved: { ipv4: `-A INPUT -m comment --comment ${M}\n`, ipv6: "" } }],
  ])("%s", (_what, stdout, want) => {
    expect(parseForget(stdout)).toEqual(want);
  });
});

describe("scratchScript, run by this machine's sh on folders of its own", () => {
  test("removes what the boot did not leave in the folders, at any depth; keeps what it did, fwspec's own and the iptables lock", () => {
    const root = mkdtempSync(path.join(tmpdir(), "fwspec-scratch-"));
    try {
      const run = path.join(root, "run");
      const tmp = path.join(root, "tmp");
      for (const d of [run, tmp, path.join(run, "lock"), path.join(run, "network")]) mkdirSync(d, { recursive: true });
      writeFileSync(path.join(run, "network", "ifstate.eth0"), "eth0\n");
      const list = path.join(root, "entries");
      writeFileSync(list, `${path.join(run, "lock")}\n${path.join(run, "network")}\n${path.join(run, "network", "ifstate.eth0")}\n`);
      // A stamp inside a folder the boot made, and a new folder in it.
      writeFileSync(path.join(run, "lock", "fw.applied"), "x");
      mkdirSync(path.join(run, "network", "new", "deeper"), { recursive: true });
      // What a scenario's commands left: a stamp, a folder of scratch files, a name with a blank; fwspec's own beside them.
      writeFileSync(path.join(run, "firewall.applied"), "x");
      mkdirSync(path.join(tmp, "work", "deep"), { recursive: true });
      writeFileSync(path.join(tmp, "my file"), "x");
      // A name with a line break: read as two lines, neither removed (the second, relative, would name a folder elsewhere).
      mkdirSync(path.join(root, "cwd", "etc"), { recursive: true });
      writeFileSync(path.join(tmp, "x\netc"), "x");
      for (const own of [path.join(run, "fwspec-listeners"), path.join(tmp, "fwspec"), path.join(tmp, "fwspec-agent.8.1"), path.join(run, "xtables.lock")]) writeFileSync(own, "");
      execFileSync("sh", ["-c", scratchScript([run, tmp], list)], { cwd: path.join(root, "cwd") });
      expect([readdirSync(run).sort(), readdirSync(tmp).sort(), readdirSync(path.join(run, "network")), readdirSync(path.join(run, "lock")), readdirSync(path.join(root, "cwd"))]).toEqual([
        ["fwspec-listeners", "lock", "network", "xtables.lock"],
        ["fwspec", "fwspec-agent.8.1", "x\netc"],
        ["ifstate.eth0"],
        [],
        ["etc"],
      ]);
      // No list (an image before it): nothing removed.
      writeFileSync(path.join(tmp, "kept"), "");
      execFileSync("sh", ["-c", scratchScript([run, tmp], path.join(root, "none"))]);
      expect(readdirSync(tmp)).toContain("kept");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("in forgetScript with files only", () => {
    expect(forgetScript(true)).toContain(scratchScript());
    expect(forgetScript(false)).not.toContain(scratchScript());
  });
});

describe("writtenSince", () => {
  // A lab host's writable layer as a handoff left it (writable-layer.ts, as on Debian's engine 20.10), an HTTP listener's files written.
  const booted: [string, string][] = [["/etc", "folder 16877"], ["/etc/fwspec", "folder 16877"], ["/etc/fwspec/engine-etc/hosts", "f1"], ["/run", "folder 16877"], ["/run/fwspec-boot-entries", "f2"], ["/tmp", "folder 17407"], ["/usr", "folder 16877"], ["/usr/sbin", "folder 16877"], ["/usr/sbin/docker-init", "f3"], ["/srv", "folder 16877"], ["/srv/http", "folder 16877"], ["/srv/http/8080", "folder 16877"], ["/srv/http/8080/cgi-bin", "folder 16877"], ["/srv/http/8080/cgi-bin/fwspec", "f4"]];
  const before = new Map(booted);
  const with_ = (changes: Record<string, string | null>) => {
    const m = new Map(booted);
    for (const [p, what] of Object.entries(changes)) what === null ? m.delete(p) : m.set(p, what);
    return m;
  };
  test.each<[string, Record<string, string | null>, string[]]>([
    ["nothing changed", {}, []],
    ["under /etc, /run and /tmp: forgetScript's to reset", { "/etc/iptables": "folder 16877", "/etc/iptables/rules.v4": "f9", "/run/firewall.applied": "f9", "/tmp/fwspec/server-1.sh": "f9", "/etc/fwspec/engine-etc/hosts": "f10" }, []],
    ["a wrapper in /usr/local/sbin: the file, not the folders made on the way", { "/usr/local": "folder 16877", "/usr/local/sbin": "folder 16877", "/usr/local/sbin/iptables": "f9" }, ["/usr/local/sbin/iptables"]],
    ["a stamp in /var/lib and one in /root, sorted", { "/var": "folder 16877", "/var/lib": "folder 16877", "/var/lib/fw": "folder 16877", "/var/lib/fw/applied": "f9", "/root": "folder 16832", "/root/.fw": "f9" }, ["/root/.fw", "/var/lib/fw/applied"]],
    ["an empty folder made", { "/srv/fw": "folder 16877" }, ["/srv/fw"]],
    ["a file of the handoff's replaced (tester 37a: a symlink in the listener's CGI's place)", { "/srv/http/8080/cgi-bin/fwspec": "f4 again" }, ["/srv/http/8080/cgi-bin/fwspec"]],
    ["a stamp beside a listener's files", { "/srv/http/stamp": "f9" }, ["/srv/http/stamp"]],
    ["a file the layer held deleted", { "/srv/http/8080/cgi-bin/fwspec": null }, ["/srv/http/8080/cgi-bin/fwspec"]],
    ["a folder's mode changed", { "/usr/sbin": "folder 16832" }, ["/usr/sbin"]],
    ["a path that only starts like a reset one", { "/etcetera": "f9", "/tmpfiles": "f9" }, ["/etcetera", "/tmpfiles"]],
  ])("%s", (_what, changes, want) => {
    expect(writtenSince(before, with_(changes))).toEqual(want);
  });

  test("layerDigest: the same for the same layer whatever the order, other for a change outside the reset folders only", () => {
    const shuffled = new Map([...booted].reverse());
    expect(layerDigest(shuffled)).toBe(layerDigest(before));
    expect(layerDigest(with_({ "/tmp/x": "f9", "/run/y": "f9" }))).toBe(layerDigest(before));
    expect(layerDigest(with_({ "/usr/local/sbin/iptables": "f9" }))).not.toBe(layerDigest(before));
  });
});

describe("what is not reusable, said for every host under the previous scenario's names (tester 37a)", () => {
  test.each([
    ["the lab host's reason, the scenario's name for it", "srvx", "srva", "srva (lab host srvx): links or addresses changed"],
    ["the same name: as it was", "srvx", "srvx", "srvx: links or addresses changed"],
    ["a reason about another host: as it was", "client", "srva", "srvx: links or addresses changed"],
  ])("shownFor: %s", (_what, lab, played, want) => {
    expect(shownFor(new LabNotReusableError("srvx: links or addresses changed"), lab, played).message).toBe(want);
  });

  test("everyHost: every host's reason in one, once all settled", async () => {
    let settled = false;
    const slow = new Promise<void>((resolve) => setTimeout(() => { settled = true; resolve(); }, 20));
    await expect(everyHost([Promise.reject(new LabNotReusableError("srva: /var/lib/x written")), slow, Promise.reject(new LabNotReusableError("client: /root/y written"))])).rejects.toThrow("srva: /var/lib/x written; client: /root/y written");
    expect(settled).toBe(true);
  });

  test("everyHost: one reason as it was; another failure before any reason; nothing when all went well", async () => {
    const one = new LabNotReusableError("srva: x");
    await expect(everyHost([Promise.reject(one), Promise.resolve()])).rejects.toBe(one);
    const broken = new Error("the agent is gone");
    await expect(everyHost([Promise.reject(new LabNotReusableError("srva: x")), Promise.reject(broken)])).rejects.toBe(broken);
    await expect(everyHost([Promise.resolve(), Promise.resolve()])).resolves.toBeUndefined();
  });
});
