// `npm run plan:diff -- <base dir> <head dir>`: compares the `<stack>.json` plans (from
// `agentyard plan <stack> --json --cost`) of two commits and prints the pull-request comment,
// each stack's changes drawn by the same renderer as `plan --diff`.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";
import { type PlanDocument, diffPlan, renderDiffMarkdown } from "./plan/diff";

function load(dir: string, file: string): PlanDocument | undefined {
  const full = path.join(dir, file);
  return existsSync(full) ? (JSON.parse(readFileSync(full, "utf8")) as PlanDocument) : undefined;
}

function main(argv: string[]): number {
  if (argv.length !== 2) {
    console.error("usage: npm run plan:diff -- <base dir> <head dir>");
    return 2;
  }
  const [base, head] = argv;
  const files = [...new Set([...readdirSync(base), ...readdirSync(head)].filter((f) => f.endsWith(".json")))].sort();
  process.stdout.write(renderDiffMarkdown(files.map((f) => diffPlan(load(base, f), load(head, f)))));
  return 0;
}

// exitCode, not exit(): the comment is written in full before the process ends.
process.exitCode = main(process.argv.slice(2));
