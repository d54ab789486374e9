// `agentyard/plan`: the offline plan as a library, for a consumer's own tests. Runs a program
// under the mock engine (no Pulumi CLI, no credentials) and renders it as `agentyard plan` does.
export { evaluate, type EvaluateOptions, type Evaluation, type PlannedResource, SECRET_MARK, UNKNOWN_MARK } from "./engine";
export { planJson, type PlanJson } from "./render";
export { shortType, summaryLines, treeLines } from "./tree";
