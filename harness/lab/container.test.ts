/** Each lab host's kernel settings (pure): forwarding is on only for a host the scenario declares a router. */
import { describe, expect, test } from "vitest";
import { HOST_SYSCTLS, hostSysctls } from "./container.ts";
import { SWEEP_SOURCE_PORT, SWEEP_SOURCE_PORTS } from "../rules/trace-marking.ts";

describe("a lab host's kernel settings", () => {
  test.each([
    // [what, router, net.ipv4.ip_forward, net.ipv6.conf.all.forwarding]
    ["a host that is no router forwards nothing, whatever the machine's own setting", undefined, "0", "0"],
    ["router: false", false, "0", "0"],
    ["router: true forwards both families", true, "1", "1"],
  ] as const)("%s", (_what, router, v4, v6) => {
    const sysctls = hostSysctls(router === undefined ? {} : { router });
    expect(sysctls["net.ipv4.ip_forward"]).toBe(v4);
    expect(sysctls["net.ipv6.conf.all.forwarding"]).toBe(v6);
    // REJECT answers stay answers: no ICMP rate limit on any host.
    expect(sysctls["net.ipv4.icmp_ratelimit"]).toBe("0");
  });
});

test("sweeps' source ports are reserved on every lab host, inside Linux's ephemeral range (a client's ports)", () => {
  const last = SWEEP_SOURCE_PORT + SWEEP_SOURCE_PORTS - 1;
  expect(HOST_SYSCTLS["net.ipv4.ip_local_reserved_ports"]).toBe(`${SWEEP_SOURCE_PORT}-${last}`);
  expect(SWEEP_SOURCE_PORT >= 32768 && last <= 60999).toBe(true);
});
