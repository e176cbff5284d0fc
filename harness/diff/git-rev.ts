/**
 * Files as they were at a git revision, for `fwspec diff --base REV`: `git
 * rev-parse --verify` checks the revision, then `git show REV:./NAME` run in
 * each file's folder reads it (argument arrays, no shell). A revision that is
 * not one, a file not in it, or no git repository is bad input (exit 2).
 */
import path from "node:path";
import { loadExeca } from "../env/load-execa.ts";
import { InputError } from "../errors.ts";

/** One revision (a branch, tag, commit, HEAD~1): anything git could read as an option, a range or a path is refused before git runs. */
export function checkRevision(rev: string): string {
  if (!/^[A-Za-z0-9_@][A-Za-z0-9_./~^@{}+-]*$/.test(rev) || rev.includes("..")) {
    throw new InputError(`--base \`${rev}\` is not a git revision`, { hint: "name a branch, tag or commit, e.g. --base main or --base HEAD~1" });
  }
  return rev;
}

async function git(cwd: string, args: readonly string[]) {
  const { execa } = await loadExeca();
  return execa("git", ["-C", cwd, ...args], { reject: false, stripFinalNewline: false, timeout: 30_000 });
}

/**
 * How a file read at `rev` is named in titles and failures: `/w/rules.v4@main`
 * (shown relative, `rules.v4@main:4:`), so a line of the committed file is
 * never taken for that line of the working tree's.
 */
export function atRevision(file: string, rev: string): string {
  return `${file}@${rev}`;
}

/** The contents of `files` (absolute paths) at `rev`, by path. */
export async function filesAtRevision(rev: string, files: readonly string[]): Promise<Map<string, string>> {
  checkRevision(rev);
  const out = new Map<string, string>();
  for (const file of files) {
    const dir = path.dirname(file);
    const verify = await git(dir, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`]);
    if (verify.exitCode !== 0) {
      const inRepo = await git(dir, ["rev-parse", "--is-inside-work-tree"]);
      if (inRepo.exitCode !== 0) throw new InputError(`--base ${rev}: ${path.dirname(file)} is not in a git repository`, { hint: "--base reads the rules files from git history; without git, compare two files with --rules-a and --rules-b" });
      throw new InputError(`--base ${rev}: no such revision in the repository of ${file}`, { hint: "name a branch, tag or commit, e.g. --base main or --base HEAD~1 (`git log --oneline` lists them)" });
    }
    const shown = await git(dir, ["show", `${rev}:./${path.basename(file)}`]);
    if (shown.exitCode !== 0) {
      throw new InputError(`--base ${rev}: ${file} is not in that revision`, { hint: `${String(shown.stderr).trim().split("\n")[0] ?? ""}; a rules file added since ${rev} has no old side to compare` });
    }
    out.set(file, String(shown.stdout));
  }
  return out;
}
