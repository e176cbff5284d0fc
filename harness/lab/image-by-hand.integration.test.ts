/**
 * The lab image run by hand (`docker run --rm --network none <image> iptables -V`, as a
 * person looking at it would) runs the command it is given and ends: the boot
 * sequence, which never ends, is for lab hosts, which the harness starts with
 * no command.
 */
import { randomBytes } from "node:crypto";
import { execa } from "execa";
import { afterAll, describe, expect, test } from "vitest";
import { labImageTag } from "../env/images.ts";

const name = `fwspec-image-by-hand-${randomBytes(4).toString("hex")}`;
afterAll(async () => {
  await execa("docker", ["rm", "-f", name], { reject: false });
});

describe("the lab image run by hand", () => {
  test("runs the command it is given and ends", async () => {
    const r = await execa("docker", ["run", "--rm", "--name", name, "--network", "none", labImageTag(), "iptables", "-V"], { reject: false, timeout: 20_000 });
    expect(r.timedOut, "the container did not end: its entrypoint ignored the command").toBe(false);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^iptables v\d/);
  });
});
