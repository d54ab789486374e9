#!/usr/bin/env node
// `agentyard plan <stack> [--json] [--preview]`: the Pulumi project in the working directory (its
// Pulumi.yaml, `main` and `stackConfigDir`) evaluated offline under the mock engine. A minimal
// entry point for the package's `bin`; the full CLI (cost, policy, unknown types) replaces it.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { evaluate } from "./plan/engine";
import { planJson, planTree } from "./plan/render";
import { toConfigMap } from "./plan/stack-file";

const USAGE = "usage: agentyard plan <stack> [--json] [--preview]";

interface ProjectFile {
  name: string;
  main?: string;
  stackConfigDir?: string;
}

async function main(argv: string[]): Promise<number> {
  const [command, stack, ...flags] = argv;
  if (command !== "plan" || stack === undefined || stack.startsWith("--") || flags.some((f) => !["--json", "--preview"].includes(f))) {
    console.error(USAGE);
    return 2;
  }
  const root = process.cwd();
  const project = yaml.load(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile;
  const stackFile = path.join(root, project.stackConfigDir ?? ".", `Pulumi.${stack}.yaml`);
  const doc = (yaml.load(readFileSync(stackFile, "utf8")) ?? {}) as { config?: Record<string, unknown> };
  const program = require.resolve(path.resolve(root, project.main ?? "."));
  if (program.endsWith(".ts")) registerTypeScript();
  // The program is the user's file, known only at run time: a require, as Pulumi's runtime loads it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { resources } = await evaluate(() => require(program) as unknown, {
    project: project.name,
    stack,
    ...toConfigMap(doc.config ?? {}, project.name),
    preview: flags.includes("--preview"),
  });
  const text = flags.includes("--json")
    ? JSON.stringify(planJson(stack, resources), null, 2)
    : planTree(`Plan of stack ${stack} (project ${project.name}): ${resources.length} resources`, resources);
  process.stdout.write(`${text}\n`);
  return 0;
}

/** TypeScript as Pulumi's Node.js runtime loads it: ts-node (the project's, else the SDK's) with the project's tsconfig. */
function registerTypeScript(): void {
  // Required from where the SDK's runtime requires them (cmd/run), so the same copies are found.
  const sdkRequire = createRequire(require.resolve("@pulumi/pulumi/cmd/run"));
  const tsutils = sdkRequire("../../tsutils") as {
    typeScriptRequireStrings(): { tsnodeRequire: string; typescriptRequire: string };
    loadTypeScriptCompilerOptions(tsconfig: string): Record<string, unknown>;
  };
  const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
  const tsNode = sdkRequire(tsnodeRequire) as { register(options: object): void };
  tsNode.register({
    compiler: typescriptRequire,
    project: "tsconfig.json",
    compilerOptions: { target: "ES2020", module: "nodenext", moduleResolution: "nodenext", sourceMap: "true", ...tsutils.loadTypeScriptCompilerOptions("tsconfig.json") },
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`agentyard: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
