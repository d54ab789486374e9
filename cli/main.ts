// `agentyard plan <stack> [options]` (`npm run plan -- <stack>` in this repo): a Pulumi project's
// program evaluated offline under the mock engine (no Pulumi CLI, no credentials), printed as
// `pulumi preview` would print it or as one JSON object; `--cost`, `--policy` and `--diff` add the
// estimate, the policy pack's findings and the comparison with another plan. `agentyard plan -h`.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { UsageError, parsePlanArgs, usage, type PlanOptions } from "./args";
import { type CapacityReport, capacityText, checkCapacity } from "./capacity/check";
import { capacityOptionsFor } from "./capacity/for-stack";
import type * as CostEstimateModule from "./cost/estimate";
import type { CostEstimate } from "./cost/estimate";
import type * as CostForStack from "./cost/for-stack";
import type * as CostRender from "./cost/render";
import type * as PolicyAdapter from "./policy/adapter";
import { type PlannedResource, evaluate } from "./plan/engine";
import { type PlanDocument, type StackDiff, diffPlan, diffText } from "./plan/diff";
import { planAtRef } from "./plan/at-ref";
import { programOf } from "./plan/program";
import { planJson } from "./plan/render";
import { type DeployRuleResult, deployRulesText, planDate, runDeployRules } from "./rules";
import { type PulumiProject, type StackFile, StackFileError, findProject, listStacks, programDir, readStackFile } from "./plan/stack-file";
import { countByType, diagnosticsLines, shortType, summaryLines, treeLines } from "./plan/tree";

/** One finding of a check run after evaluation (a policy of the pack; deploy rules report the same way). */
export interface Finding {
  /** What raised it: `policy` (the policy pack) or a rule set's name. */
  readonly source: string;
  readonly policy: string;
  readonly level: string;
  readonly urn: string | undefined;
  readonly message: string;
}

/** A check over the evaluated plan. Checks run in order, after evaluation and before printing. */
export type Check = (resources: readonly PlannedResource[], context: { readonly stack: StackFile; readonly project: PulumiProject }) => Promise<readonly Finding[]>;

/* eslint-disable @typescript-eslint/no-require-imports */
/** Modules only some options need, loaded when asked for: a bare plan does not pay for them. */
const lazy = {
  policy: () => require("./policy/adapter") as typeof PolicyAdapter,
  costInputs: () => require("./cost/for-stack") as typeof CostForStack,
  estimate: () => require("./cost/estimate") as typeof CostEstimateModule,
  costText: () => require("./cost/render") as typeof CostRender,
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** The policy pack's policies through the in-process adapter (loaded only with --policy). */
const policyPack: Check = async (resources) => {
  const { runPolicies } = lazy.policy();
  return (await runPolicies(resources)).map((v) => ({ source: "policy", ...v }));
};

/** The checks the options ask for. Deploy rules (cli/rules/) are added here. */
export function checksFor(options: PlanOptions): Check[] {
  const checks: Check[] = [];
  if (options.policy) checks.push(policyPack);
  return checks;
}

/** The evaluation's wall and CPU time of the last plan, for `npm run bench:plan` (AGENTYARD_PLAN_TIMING). */
export const timing = { evaluationMs: 0, evaluationCpuMs: 0 };

/** Findings that fail the plan (exit 1), as a mandatory policy fails `pulumi preview`. */
const blocking = (f: Finding) => f.level === "mandatory";

interface Output {
  write(text: string): void;
}

/** The error classes a user fixes without a stack trace (matched by name: the program may load its own copy). */
const EXPECTED_ERRORS = new Set(["ConfigError", "StackFileError", "UsageError", "UnpricedRegionError"]);

export async function plan(argv: readonly string[], out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  let options: PlanOptions;
  try {
    options = parsePlanArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err.write(`${error.message}\nusage: agentyard plan <stack> [options]  (-h lists the options)\n`);
    return 2;
  }
  if (options.help) {
    out.write(`${usage()}\n`);
    return 0;
  }
  try {
    return await planStack(options, out, err);
  } catch (error) {
    const expected = error instanceof Error && EXPECTED_ERRORS.has(error.name);
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
    // Errors raised while evaluating carry no frames unless asked for (see the engine).
    const hint = error instanceof Error && !/\n\s+at /.test(stack) ? "\n(run with AGENTYARD_STACK_TRACES=1 to see where)" : "";
    err.write(`${expected ? (error as Error).message : `plan failed: ${stack}${hint}`}\n`);
    return 1;
  }
}

async function planStack(options: PlanOptions, out: Output, err: Output): Promise<number> {
  const project = findProject(options.cwd ?? process.cwd());
  if (options.stack === undefined) {
    const stacks = listStacks(project);
    err.write(`Which stack? Project ${project.name} has ${stacks.length ? `these stacks: ${stacks.join(", ")}` : `no stack files in ${project.stacksDir}`}.\n\n${usage()}\n`);
    return 2;
  }
  const file = readStackFile(options.stack, project);
  // What can fail without evaluating fails first: an unpriced region, an unreadable saved plan.
  const costInputs = options.cost ? lazy.costInputs().costInputsFor(file.config, project.name, file.stack) : undefined;
  const base = options.diff !== undefined ? readSavedPlan(path.resolve(options.diff)) : options.diffRef !== undefined ? planAtRef(options.diffRef, project, file.stack, options) : undefined;

  // Pulumi runs the program in the project's folder: relative paths in its inputs resolve the same.
  process.chdir(programDir(project));
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const { resources, warnings } = await evaluate(programOf(project), { ...file, preview: options.preview });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  Object.assign(timing, { evaluationMs: ms, evaluationCpuMs: (used.user + used.system) / 1000 });

  // After evaluation, in this order: the estimate, the checks, the output, the exit code.
  let cost: CostEstimate | undefined;
  if (costInputs) {
    cost = lazy.estimate().estimateCost(resources, costInputs.region, costInputs.assumptions);
  }
  // Capacity at maximum scale (cli/capacity): a stack that cannot reach its own maximum warns (Diagnostics,
  // or stderr with --json); a warning, not a failure: the quota or the limits may be raised after the plan.
  const capacity = checkCapacity(resources, capacityOptionsFor(file.config, project.name, file.stack));
  const allWarnings = [...warnings, ...capacity.warnings];
  // Whether a real `pulumi up` of this graph would work (cli/rules): a failed rule fails the plan.
  const deployRules = runDeployRules(resources, { today: planDate() });
  const findings: Finding[] = [];
  for (const check of checksFor(options)) findings.push(...(await check(resources, { stack: file, project })));
  const planned = planJson(file.stack, resources);
  const diff = base ? diffPlan(base, cost ? { ...planned, cost } : planned) : undefined;

  if (options.json) {
    out.write(`${JSON.stringify(jsonOutput(planned, deployRules, cost, findings, diff, options), null, 2)}\n`);
    for (const w of allWarnings) err.write(`warning: ${w}\n`);
  } else {
    out.write(`${textOutput({ file, project, resources, warnings: allWarnings, capacity, ms, cost, findings, diff, options })}\n`);
  }
  const rulesFailed = deployRules.some((r) => !r.passed);
  if (rulesFailed) err.write(`${deployRulesText(deployRules)}\n`);
  if (findings.some(blocking)) return 1;
  return rulesFailed ? 3 : 0;
}

function readSavedPlan(file: string): PlanDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new StackFileError(`--diff ${file}: not a saved plan (${(error as Error).message})`);
  }
  const plan = doc as Partial<PlanDocument> | null;
  if (!plan || typeof plan.stack !== "string" || !Array.isArray(plan.resources)) throw new StackFileError(`--diff ${file}: not a saved plan (expected the object \`plan <stack> --json\` prints)`);
  return plan as PlanDocument;
}

/** The `--json` object: the plan's contract, plus a key per option that adds something (only then). */
function jsonOutput(planned: ReturnType<typeof planJson>, deployRules: readonly DeployRuleResult[], cost: CostEstimate | undefined, findings: readonly Finding[], diff: StackDiff | undefined, options: PlanOptions): object {
  return {
    ...planned,
    deployRules,
    ...(cost ? { cost } : {}),
    ...(options.policy ? { policy: { violations: findings.filter((f) => f.source === "policy").map(({ source: _source, ...v }) => v) } } : {}),
    ...(diff
      ? {
          diff: {
            against: options.diff ?? options.diffRef,
            create: diff.rows.filter((r) => r.op === "create").map((r) => r.resource.urn).sort(),
            update: diff.rows
              .filter((r) => r.op === "update")
              .map((r) => ({ urn: r.resource.urn, changes: r.changes ?? [] }))
              .sort((a, b) => (a.urn < b.urn ? -1 : 1)),
            delete: diff.rows.filter((r) => r.op === "delete").map((r) => r.resource.urn).sort(),
            costBefore: diff.costBefore ?? null,
            costAfter: diff.costAfter ?? null,
          },
        }
      : {}),
  };
}

interface TextInputs {
  readonly file: StackFile;
  readonly project: PulumiProject;
  readonly resources: readonly PlannedResource[];
  readonly warnings: readonly string[];
  readonly capacity: CapacityReport;
  readonly ms: number;
  readonly cost: CostEstimate | undefined;
  readonly findings: readonly Finding[];
  readonly diff: StackDiff | undefined;
  readonly options: PlanOptions;
}

function textOutput(t: TextInputs): string {
  const c = t.file.config;
  const about = [`project ${t.project.name}`, c["agentyard:platform"] && `platform ${c["agentyard:platform"]}`, c["agentyard:preset"] && `preset ${c["agentyard:preset"]}`, c["aws:region"] && `region ${c["aws:region"]}`].filter(Boolean).join(", ");
  const what = t.diff ? `Changes to stack ${t.file.stack} against ${t.options.diff ?? t.options.diffRef}` : `Plan of stack ${t.file.stack}`;
  const lines = [`${what} (${about}): ${t.resources.length} resources, evaluated offline in ${t.ms.toFixed(0)} ms${t.options.preview ? ", as a preview" : ""}`, ""];
  if (t.diff) {
    lines.push(diffText(t.diff, t.warnings));
  } else {
    const rows = t.resources.map((r) => ({ resource: r, op: "create" as const }));
    lines.push(...treeLines(rows, { details: t.options.details, unknowns: t.options.preview }), "", capacityText(t.capacity), "", ...diagnosticsLines(t.warnings));
    if (t.findings.length) lines.push(...findingLines(t.findings), "");
    lines.push(...summaryLines(rows));
  }
  if (t.diff && t.findings.length) lines.push("", ...findingLines(t.findings));
  if (t.options.details) {
    const counts = countByType(t.resources);
    const width = Math.max(...counts.map(([type]) => shortType(type).length), 4);
    lines.push("", `Resources by type (${t.resources.length} in all):`, ...counts.map(([type, n]) => `    ${shortType(type).padEnd(width)}  ${String(n).padStart(4)}`));
  }
  if (t.options.policy && t.findings.length === 0) lines.push("", "Policies: no violations.");
  if (t.cost) {
    lines.push("", lazy.costText().costText(t.cost));
  }
  return lines.join("\n");
}

function findingLines(findings: readonly Finding[]): string[] {
  const lines = ["Policy violations:"];
  for (const f of findings) lines.push(`    [${f.level}]  ${f.policy}  ${f.urn ? `(${f.urn.split("::").pop()}) ` : ""}${f.message}`);
  return lines;
}
