/** Unit tests (table-driven, no Docker) for allow entries checked against the scenario (allow.ts). */
import { describe, expect, test } from "vitest";
import { InputError } from "../errors.ts";
import type { Scenario } from "../scenario/model.ts";
import { checkAllowHosts, parseAllow } from "./allow.ts";

const scenario = { name: "web", hosts: [{ name: "client" }, { name: "server" }] } as unknown as Scenario;

describe("allow entries name the scenario's hosts", () => {
  test.each([
    "client -> server:8080 open->dropped",
    "server -> localhost:8080/tcp4 open->blocked",
    "client -> server:9999 *->open", // a port no flow has is known only after the run
  ])("%s is kept", (text) => {
    expect(() => checkAllowHosts([parseAllow(text)], scenario)).not.toThrow();
  });

  test.each([
    ["clinet -> server:8080 open->dropped", "--allow: the allow entry `clinet -> server:8080 open->dropped` names source host `clinet`, which web does not have", "did you mean `client`? the scenario's hosts are `client` and `server`"],
    ["client -> sever:8080/tcp6 dropped->open", "--allow: the allow entry `client -> sever:8080/tcp6 dropped->open` names target host `sever`, which web does not have", "did you mean `server`? the scenario's hosts are `client` and `server`"],
    ["db -> server:5432 dropped->open", "--allow: the allow entry `db -> server:5432 dropped->open` names source host `db`, which web does not have", "the scenario's hosts are `client` and `server`"],
  ])("%s is refused before any lab", (text, message, hint) => {
    let error: unknown;
    try {
      checkAllowHosts([parseAllow(text)], scenario);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(message);
    expect((error as InputError).hint).toBe(hint);
  });
});
