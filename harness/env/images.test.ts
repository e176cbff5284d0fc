/** Unit tests (pure) for images.ts: what a failed lab image build tells the user to do. */
import { expect, test } from "vitest";
import { buildFailureHint, DOCKER_DIR } from "./images.ts";

test.each([
  ["a package download that failed: the network", ["E: Failed to fetch http://deb.example/pool/main/n/nmap.deb  Temporary failure resolving 'deb.example'"], /apt mirror/],
  ["apt cannot find a package: the mirror", ["E: Unable to locate package nmap"], /apt mirror/],
  // Tester 44c: a Dockerfile step that failed was told to check the apt mirror.
  ["a step's own command failed: the build step, not the network", ["The command '/bin/sh -c true && false' returned a non-zero code: 1"], new RegExp(`names the build step that failed; the lab image is built from fwspec's own ${DOCKER_DIR}/Dockerfile`)],
  ["no message at all", [], /names the build step that failed/],
])("%s", (_what, errors, hint) => {
  expect(buildFailureHint(errors)).toMatch(hint);
});
