/** Unit tests (table-driven, no Docker) for the pure parts of apply.ts. */
import { describe, expect, test } from "vitest";
import { CommandError, LabError } from "../errors.ts";
import { restoreRefusal } from "./apply.ts";

const source = { kind: "restore", family: "ipv4", path: "/repo/firewall/rules.v4", content: "" } as const;
const refused = (stderr: string, exitCode = 2) =>
  new CommandError("checking /repo/firewall/rules.v4 with iptables-restore --test failed on web", { command: ["iptables-restore", "--test", "/tmp/fwspec/web-1.rules.v4"], exitCode, stdout: "", stderr, where: "web" });

describe("a restore file refused by the tool", () => {
  test.each([
    {
      stderr: 'iptables-restore v1.8.9 (nf_tables): unknown option "--dprot"\nError occurred at line: 8\nTry `iptables-restore -h\' or \'iptables-restore --help\' for more information.\n',
      message: '/repo/firewall/rules.v4:8: ipv4: iptables-restore v1.8.9 (nf_tables): unknown option "--dprot" (iptables-restore --test)',
    },
    { stderr: "iptables-restore: line 3 failed\n", message: "/repo/firewall/rules.v4:3: ipv4: rejected (no message) (iptables-restore --test)" },
  ])("is named as the user's file and line: $message", ({ stderr, message }) => {
    const original = refused(stderr);
    const e = restoreRefusal(original, source, "iptables-restore --test") as CommandError;
    expect(e).toBeInstanceOf(CommandError);
    expect(e.message).toBe(message);
    expect(e.failure).toBe(original.failure);
    expect(e.hint).toMatch(/fwspec validate --rules/);
    // The same line as data, for CI annotations on the rules file (report/github.ts).
    expect(e.rejected).toEqual([{ file: "/repo/firewall/rules.v4", line: Number(/:(\d+):/.exec(message)![1]), family: "ipv4", tool: "iptables-restore --test", message: message.replace(/^[^ ]+ ipv4: /, "").replace(/ \(iptables-restore --test\)$/, "") }]);
  });

  test.each([
    [undefined, "`npx fwspec validate --rules` (or `npx fwspec run --check-rules`)"],
    ["/opt/fwspec/bin/fwspec", "`/opt/fwspec/bin/fwspec validate --rules` (or `/opt/fwspec/bin/fwspec run --check-rules`)"],
  ])("its hint's commands start as the user runs fwspec (%s)", (invocation, commands) => {
    const e = restoreRefusal(refused("iptables-restore: line 3 failed\n"), source, "iptables-restore", invocation) as CommandError;
    expect(e.hint).toBe(`${commands} names every bad line of every rules file before any lab starts`);
  });

  test.each([
    ["a failure naming no line", refused("iptables-restore: unable to initialize table 'filter'\n")],
    ["an error that is not a command's", new LabError("cannot run it: the channel closed")],
  ])("%s is kept as it was", (_, error) => {
    expect(restoreRefusal(error, source, "iptables-restore")).toBe(error);
  });
});

describe("a restore file refused for a jump to nothing", () => {
  const content = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCPET\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n";
  const typo = { ...source, content };
  test.each([
    {
      backend: "nft (the load names the COMMIT)",
      stderr: "iptables-restore v1.8.9 (nf_tables): Chain 'ACCPET' does not exist\nError occurred at line: 7\nTry `iptables-restore -h' or 'iptables-restore --help' for more information.\n",
      message: "/repo/firewall/rules.v4:5: ipv4: -j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?); iptables-restore v1.8.9 (nf_tables): Chain 'ACCPET' does not exist (reported at line 7, the table's COMMIT) (iptables-restore)",
    },
    {
      backend: "legacy (--test names the rule)",
      stderr: "iptables-restore v1.8.9 (legacy): Couldn't load target `ACCPET':No such file or directory\n\nError occurred at line: 5\nTry `iptables-restore -h' or 'iptables-restore --help' for more information.\n",
      message: "/repo/firewall/rules.v4:5: ipv4: -j ACCPET: no chain or target named ACCPET (did you mean ACCEPT?); iptables-restore v1.8.9 (legacy): Couldn't load target `ACCPET':No such file or directory (iptables-restore)",
    },
  ])("$backend: named at the rule's own line", ({ stderr, message }) => {
    const e = restoreRefusal(refused(stderr), typo, "iptables-restore", undefined, new Set(["LOG", "REJECT"])) as CommandError;
    expect(e.message).toBe(message);
    expect(e.rejected?.map((r) => `${r.file}:${r.line} ${r.tool}`)).toEqual(["/repo/firewall/rules.v4:5 iptables-restore"]);
  });
});
