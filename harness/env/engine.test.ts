/** Unit tests (table-driven, no Docker) for engine.ts's diagnosis: an engine whose socket refuses this user is not "no engine". */
import { describe, expect, it } from "vitest";
import { diagnoseEngine, isPermissionDenied } from "./engine.ts";
import type { EngineStatus } from "./engine.ts";

const SOCK = { url: "unix:///var/run/docker.sock", options: { socketPath: "/var/run/docker.sock" } };

describe("isPermissionDenied: the client's error", () => {
  it.each<[string, unknown, boolean]>([
    ["connect EACCES (not in the docker group)", Object.assign(new Error("connect EACCES /var/run/docker.sock"), { code: "EACCES" }), true],
    ["EPERM", Object.assign(new Error("connect EPERM /var/run/docker.sock"), { code: "EPERM" }), true],
    ["no code, the message only", new Error("connect EACCES /run/docker.sock"), true],
    ["no socket", Object.assign(new Error("connect ENOENT /var/run/docker.sock"), { code: "ENOENT" }), false],
    ["nothing listens", Object.assign(new Error("connect ECONNREFUSED /var/run/docker.sock"), { code: "ECONNREFUSED" }), false],
    ["a timeout", new Error("timeout"), false],
    ["not an error", "EACCES", false],
  ])("%s", (_title, error, denied) => {
    expect(isPermissionDenied(error)).toBe(denied);
  });
});

describe("diagnoseEngine: facts → what is wrong and what to do", () => {
  it.each<[string, EngineStatus, RegExp, RegExp]>([
    [
      "permission denied: names the socket, says the engine runs but this user may not use it",
      { endpoint: SOCK, reachable: false, denied: true, problem: "connect EACCES /var/run/docker.sock" },
      /^permission denied on the Docker socket \/var\/run\/docker\.sock: the engine is running, but this user \(alice\) may not use it \(connect EACCES/,
      /add alice to the docker group \(sudo usermod -aG docker alice\) and log in again, or run fwspec as root \(sudo\), or set DOCKER_HOST to a socket you may use/,
    ],
    [
      "permission denied on a DOCKER_HOST socket",
      { endpoint: { url: "unix:///run/user/1000/docker.sock", options: { socketPath: "/run/user/1000/docker.sock" } }, reachable: false, denied: true, problem: "permission denied" },
      /^permission denied on the Docker socket \/run\/user\/1000\/docker\.sock/,
      /DOCKER_HOST/,
    ],
    [
      "no socket: no engine, fwspec setup",
      { endpoint: SOCK, reachable: false, problem: "no socket at /var/run/docker.sock" },
      /^no Docker engine answers at unix:\/\/\/var\/run\/docker\.sock \(no socket at \/var\/run\/docker\.sock\)$/,
      /fwspec setup/,
    ],
    [
      "DOCKER_HOST names an engine that does not answer: start it or unset it, not `set DOCKER_HOST` (tester 44c)",
      { endpoint: { url: "unix:///tmp/dead.sock", options: { socketPath: "/tmp/dead.sock" } }, reachable: false, problem: "connect ENOENT /tmp/dead.sock" },
      /^no Docker engine answers at unix:\/\/\/tmp\/dead\.sock, which DOCKER_HOST names \(connect ENOENT/,
      /^start the engine DOCKER_HOST names, point DOCKER_HOST at one that runs, or unset it to use this machine's \(`npx fwspec setup` starts one\)$/,
    ],
  ])("%s", (_title, status, problem, hint) => {
    const d = diagnoseEngine(status, "alice");
    expect(d.problem).toMatch(problem);
    expect(d.hint).toMatch(hint);
    if (status.denied) expect(`${d.problem} ${d.hint}`).not.toMatch(/dockerd|fwspec setup|start/);
  });
});
