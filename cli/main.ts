// `npm run plan -- <stack> [--json] [--preview] [--cost]`: the stack's program evaluated offline
// under the mock engine (no Pulumi CLI, no credentials), printed as a resource tree or as one JSON
// object; `--cost` adds the monthly estimate from the price table in cli/cost.
import { parseStackConfig } from "../infra/config/load";
import { ConfigError } from "../infra/config/problems";
import { estimateCost } from "./cost/estimate";
import { costText } from "./cost/render";
import { evaluate } from "./plan/engine";
import { planJson, planTree } from "./plan/render";
import { deployRulesText, planDate, runDeployRules } from "./rules";
import { StackFileError, readStackFile } from "./plan/stack-file";
import { program } from "../stacks/program";

const USAGE = "usage: npm run plan -- <stack> [--json] [--preview] [--cost]";

async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith("--")));
  const positional = argv.filter((a) => !a.startsWith("--"));
  const unknown = [...flags].filter((f) => !["--json", "--preview", "--cost"].includes(f));
  if (positional.length !== 1 || unknown.length > 0) {
    console.error(unknown.length ? `unknown option ${unknown.join(", ")}\n${USAGE}` : USAGE);
    return 2;
  }
  const file = readStackFile(positional[0]);
  const started = process.hrtime.bigint();
  const { resources, result } = await evaluate(program, { ...file, preview: flags.has("--preview") });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cost = flags.has("--cost") ? estimateFor(file, resources) : undefined;
  // Whether a real `pulumi up` of this graph would work (cli/rules): a failed rule fails the plan.
  const deployRules = runDeployRules(resources, { today: planDate() });
  const rulesFailed = deployRules.some((r) => !r.passed);
  if (flags.has("--json")) {
    // The cost is a key of its own, present only with --cost: the plan's shape is unchanged without it.
    const plan = { ...planJson(file.stack, resources), deployRules, ...(cost ? { cost } : {}) };
    process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  } else {
    const where = result.region ? `, region ${result.region}` : "";
    const header = `Plan of stack ${file.stack} (platform ${result.platform}, preset ${result.preset}${where}): ${resources.length} resources, evaluated in ${ms.toFixed(0)} ms`;
    process.stdout.write(`${planTree(header, resources)}\n`);
    if (cost) process.stdout.write(`\n${costText(cost)}\n`);
  }
  if (rulesFailed) console.error(deployRulesText(deployRules));
  return rulesFailed ? 3 : 0;
}

function estimateFor(file: ReturnType<typeof readStackFile>, resources: Parameters<typeof estimateCost>[0]) {
  const config = parseStackConfig(file.config, { project: file.project, stack: file.stack });
  // A stack with no AWS region (kubernetes) has no AWS bill; its estimate is empty, not invented.
  return estimateCost(resources, config.region ?? "us-east-1", config.settings.cost);
}

/**
 * Exits once stdout and stderr have been written out: on a pipe, a write Node has queued is lost
 * at process.exit (a plan's JSON is hundreds of kilobytes, past a pipe's 64 KiB buffer).
 */
function exitAfterFlush(code: number): void {
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

main(process.argv.slice(2)).then(exitAfterFlush, (error: unknown) => {
  const expected = error instanceof ConfigError || error instanceof StackFileError;
  console.error(expected ? error.message : `plan failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitAfterFlush(1);
});
