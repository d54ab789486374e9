import type { PlannedResource } from "../plan/engine";
import { eksVersionSupport } from "./eks-version-support";
import { fargateSpotArm64 } from "./fargate-spot-arm64";
import { fixedNames } from "./fixed-names";
import { hpaReplicas } from "./hpa-replicas";
import { customResourceOrdering, ecsServiceOrdering } from "./ordering";
import { type DeployRule, type RuleContext, RuleGraph, type RuleViolation } from "./rule";
import { secretValues } from "./secret-values";
import { storageClass } from "./storage-class";
import { wafBodySize } from "./waf-body-size";

export type { DeployRule, RuleContext, RuleViolation } from "./rule";

/** Every deploy rule `plan` runs after evaluation. */
export const DEPLOY_RULES: readonly DeployRule[] = [
  fargateSpotArm64,
  eksVersionSupport,
  storageClass,
  hpaReplicas,
  wafBodySize,
  fixedNames,
  ecsServiceOrdering,
  customResourceOrdering,
  secretValues,
];

/** One rule's outcome, as `--json` lists it under `deployRules`. */
export interface DeployRuleResult {
  readonly id: string;
  readonly fact: string;
  readonly source: string;
  readonly passed: boolean;
  readonly violations: readonly RuleViolation[];
}

export function runDeployRules(resources: readonly PlannedResource[], context: RuleContext, rules: readonly DeployRule[] = DEPLOY_RULES): DeployRuleResult[] {
  const graph = new RuleGraph(resources);
  return rules.map((rule) => {
    const violations = [...rule.check(graph, context)].sort((a, b) => (a.urn + a.message < b.urn + b.message ? -1 : 1));
    return { id: rule.id, fact: rule.fact, source: rule.source, passed: violations.length === 0, violations };
  });
}

/** The failed rules as text for stderr: the rule, its fact and source, then each resource. */
export function deployRulesText(results: readonly DeployRuleResult[]): string {
  const failed = results.filter((r) => !r.passed);
  const count = failed.reduce((n, r) => n + r.violations.length, 0);
  const lines = [`Deploy rules: ${failed.length} of ${results.length} failed (${count} problem${count === 1 ? "" : "s"}); a real pulumi up would fail or misbehave:`];
  for (const rule of failed) {
    lines.push(`  ${rule.id}: ${rule.fact}`, `    source: ${rule.source}`);
    for (const v of rule.violations) lines.push(`    - ${v.message}`, `      (${v.urn})`);
  }
  return lines.join("\n");
}

/**
 * The day support windows are read against: `AGENTYARD_PLAN_DATE` (`YYYY-MM-DD`, to see how a
 * stack fares on a later day) or today in UTC.
 */
export function planDate(env: NodeJS.ProcessEnv = process.env, now: Date = new Date()): string {
  const given = env.AGENTYARD_PLAN_DATE;
  if (given === undefined || given === "") return now.toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(given)) throw new Error(`AGENTYARD_PLAN_DATE: got "${given}", expected a date such as 2027-01-31`);
  return given;
}
