/**
 * The checks of a whole scenario value (from YAML or TypeScript), in one
 * straight line: the zod schema, the title texts, the topology (built once
 * into the read-only CheckContext), then the steps; the normalised Scenario
 * when nothing was found, and every problem found either way.
 */
import type { HostSpec } from "../model/types.ts";
import { spacedOnce, terminalHazard } from "../text.ts";
import { buildContext } from "./context.ts";
import type { CheckBase } from "./context.ts";
import type { Problem, Report } from "./diagnostics.ts";
import { hintFor } from "./hints.ts";
import type { Locator, Path } from "./locate.ts";
import type { DeclaredEquivalence, Scenario } from "./model.ts";
import type { ProjectRoot } from "./root.ts";
import { schemas } from "./schema.ts";
import { checkSteps } from "./steps.ts";
import { checkAddressPlan, type MachineRoute } from "./subnets.ts";
import { describeValue, isRecord, UNSAFE_TITLE, unsafeWhat } from "./values.ts";
import { issueProblems } from "./zod-issues.ts";

/** Where the scenario is (fixture paths resolve against `baseDir`, and must stay inside `projectRoot`). */
export interface CheckPlace {
  /** Absolute scenario file, or "<inline>". */
  readonly file: string;
  readonly baseDir: string;
  readonly projectRoot: ProjectRoot;
  readonly locator: Locator;
  /** The machine's routes: declared subnets must not overlap them (none given: not checked). */
  readonly machineRoutes?: readonly MachineRoute[] | undefined;
}

export interface CheckResult {
  /** Set when the scenario is valid (then `problems` is empty). */
  readonly scenario: Scenario | undefined;
  readonly problems: readonly Problem[];
}

/** Prose shown in reports: not blank, nothing that acts on a terminal or CI log. */
function checkText(problem: Report, p: Path, value: unknown, what: string): void {
  if (typeof value !== "string" || value === "") return; // zod reported it
  const hazard = terminalHazard(value);
  if (hazard) problem(p, `${what} contains ${hazard.what}`, "write plain text: reports print it to terminals and CI logs", { offset: hazard.index });
  else if (value.trim() === "") problem(p, `${what} is blank`, hintFor(p));
}

/** Expectations YAML read as mappings (`- a -> b:80: open`) get one clear problem from the expect checks, not zod's. */
function mappingExpectations(raw: Record<string, unknown>): Path[] {
  const suppressed: Path[] = [];
  if (Array.isArray(raw["steps"])) {
    raw["steps"].forEach((s: unknown, i) => {
      const list = isRecord(s) ? s["expect"] : undefined;
      if (Array.isArray(list)) {
        list.forEach((e: unknown, j) => {
          if (isRecord(e) && Object.keys(e).length === 1 && (Object.keys(e)[0] as string).includes("->")) suppressed.push(["steps", i, "expect", j]);
        });
      }
    });
  }
  return suppressed;
}

/** `mutate.equivalent`: each reason real text, each mutant declared once; the declarations with their lines. */
function declaredEquivalent(problem: Report, raw: Record<string, unknown>, locator: CheckPlace["locator"]): DeclaredEquivalence[] {
  const list = isRecord(raw["mutate"]) ? raw["mutate"]["equivalent"] : undefined;
  if (!Array.isArray(list)) return [];
  const out: DeclaredEquivalence[] = [];
  const seen = new Map<string, number>();
  list.forEach((item: unknown, i) => {
    if (!isRecord(item) || typeof item["mutant"] !== "string" || typeof item["because"] !== "string") return; // zod reported it
    const at: Path = ["mutate", "equivalent", i];
    checkText(problem, [...at, "mutant"], item["mutant"], "`mutant`");
    checkText(problem, [...at, "because"], item["because"], "`because`");
    const rule = typeof item["rule"] === "string" ? item["rule"] : undefined;
    if (rule !== undefined) checkText(problem, [...at, "rule"], rule, "`rule`");
    const { line, column } = locator.locate([...at, "mutant"]);
    const first = seen.get(item["mutant"]);
    if (first !== undefined) problem([...at, "mutant"], `mutant \`${item["mutant"]}\` is declared equivalent twice (first on line ${first})`, "declare each mutant once, with one reason");
    else seen.set(item["mutant"], line);
    out.push({ mutant: item["mutant"], because: item["because"].trim(), ...(rule !== undefined ? { rule: spacedOnce(rule) } : {}), line, column });
  });
  return out;
}

/** Every check of a scenario value, in the order its problems are reported. */
export function checkScenario(raw: unknown, place: CheckPlace): CheckResult {
  const problems: Problem[] = [];
  const problem: Report = (path, message, hint, where = {}) => {
    problems.push({ path, message, hint, ...where });
  };
  if (!isRecord(raw)) {
    problem([], `a scenario must be a mapping, got ${describeValue(raw)}`, "write `name`, `description`, `hosts` and `steps` at the top level");
    return { scenario: undefined, problems };
  }
  const parsed = schemas.scenario.safeParse(raw);
  if (!parsed.success) {
    const suppressed = mappingExpectations(raw);
    const zodProblems: Problem[] = [];
    for (const issue of parsed.error.issues) issueProblems(issue, [], raw, zodProblems);
    const under = (p: Path, prefix: Path): boolean => prefix.every((s, i) => p[i] === s);
    problems.push(...zodProblems.filter((q) => !suppressed.some((s) => under(q.path, s))));
  }
  const titleBreak = typeof raw["name"] === "string" ? unsafeWhat(raw["name"], UNSAFE_TITLE) : undefined;
  if (titleBreak) problem(["name"], `\`name\` contains ${titleBreak}`, "write the name on one line; say more in `description`");
  else checkText(problem, ["name"], raw["name"], "`name`");
  checkText(problem, ["description"], raw["description"], "`description`");
  const declared = declaredEquivalent(problem, raw, place.locator);
  const base: CheckBase = { ...place, problem };
  const ctx = buildContext(base, raw);
  const plan = checkAddressPlan(ctx, raw["subnets"], raw["hosts"], place.machineRoutes);
  const steps = checkSteps({ ...ctx, addressPlan: plan }, raw["steps"]);
  if (problems.length > 0 || !parsed.success || !steps) return { scenario: undefined, problems };
  const hosts = [...ctx.hosts.values()].map((h) => h.spec);
  if (hosts.some((h) => h === undefined)) return { scenario: undefined, problems };
  return {
    problems,
    scenario: {
      file: place.file,
      name: parsed.data.name,
      description: parsed.data.description,
      hosts: (hosts as HostSpec[]).map((h) => (plan.addresses.has(h.name) ? { ...h, addresses: plan.addresses.get(h.name)! } : h)),
      steps,
      timeoutSeconds: parsed.data.timeout,
      ...(parsed.data.networks ? { networks: [...parsed.data.networks] } : {}),
      ...(Object.keys(plan.subnets).length > 0 ? { subnets: plan.subnets } : {}),
      parity: parsed.data.parity,
      ...(declared.length > 0 ? { declaredEquivalent: declared } : {}),
    },
  };
}
