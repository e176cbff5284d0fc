import { expect, test } from "vitest";
import type { Step } from "../scenario/model.ts";
import { stepTitle } from "./titles.ts";

const run = (command: string[]) => ({ kind: "run", host: "server", command, exit: 0, location: { file: "s.yaml", line: 3 } }) as unknown as Step;

test.each([
  [["iptables", "-S", "INPUT"], "step 1: run `iptables -S INPUT` on server (exit 0)"],
  // Words with blanks or shell syntax are quoted, so the title reads as the command that ran.
  [["sh", "-c", "echo hi; exit 1"], "step 1: run `sh -c 'echo hi; exit 1'` on server (exit 0)"],
  [["echo", "a b", ""], "step 1: run `echo 'a b' ''` on server (exit 0)"],
])("stepTitle of run %j", (command, title) => expect(stepTitle(run(command), 0)).toBe(title));
