// `npm run plan -- <stack> [--json] [--preview] [--cost]`: the stack's program evaluated offline
// under the mock engine (no Pulumi CLI, no credentials), printed as a resource tree or as one JSON
// object; `--cost` adds the monthly estimate from the price table in cli/cost.
import { parseStackConfig } from "../infra/config/load";
import { ConfigError } from "../infra/config/problems";
import { capacityText, checkCapacity } from "./capacity/check";
import { estimateCost } from "./cost/estimate";
import { costText } from "./cost/render";
import { evaluate } from "./plan/engine";
import { planJson, planTree } from "./plan/render";
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
  // Capacity at maximum scale (cli/capacity): a stack that cannot reach its own maximum warns on stderr.
  const capacity = checkCapacity(resources, { fargateVcpuQuota: parseStackConfig(file.config, { project: file.project, stack: file.stack }).settings.cluster.fargateVcpuQuota });
  for (const warning of capacity.warnings) console.error(`warning: ${warning}`);
  if (flags.has("--json")) {
    // The cost is a key of its own, present only with --cost: the plan's shape is unchanged without it.
    await print(`${JSON.stringify(cost ? { ...planJson(file.stack, resources), cost } : planJson(file.stack, resources), null, 2)}\n`);
  } else {
    const where = result.region ? `, region ${result.region}` : "";
    const header = `Plan of stack ${file.stack} (platform ${result.platform}, preset ${result.preset}${where}): ${resources.length} resources, evaluated in ${ms.toFixed(0)} ms`;
    await print(`${planTree(header, resources)}\n\n${capacityText(capacity)}\n${cost ? `\n${costText(cost)}\n` : ""}`);
  }
  return 0;
}

/**
 * Writes to stdout and resolves once the text is handed to the OS. main() ends in process.exit,
 * which drops whatever a pipe has not taken yet: a reader slower than the plan (a loaded machine)
 * got a JSON cut off mid-string before this waited.
 */
function print(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
}

function estimateFor(file: ReturnType<typeof readStackFile>, resources: Parameters<typeof estimateCost>[0]) {
  const config = parseStackConfig(file.config, { project: file.project, stack: file.stack });
  // A stack with no AWS region (kubernetes) has no AWS bill; its estimate is empty, not invented.
  return estimateCost(resources, config.region ?? "us-east-1", config.settings.cost);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const expected = error instanceof ConfigError || error instanceof StackFileError;
    console.error(expected ? error.message : `plan failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
