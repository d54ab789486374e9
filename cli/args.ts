/** The options of `agentyard plan`, parsed from argv with nothing but what is listed here. */
export interface PlanOptions {
  readonly stack: string | undefined;
  readonly json: boolean;
  readonly preview: boolean;
  readonly details: boolean;
  readonly cost: boolean;
  readonly policy: boolean;
  /** A saved plan (`--json` output) to compare with. */
  readonly diff: string | undefined;
  /** A git commit, branch or tag whose plan of the same stack to compare with. */
  readonly diffRef: string | undefined;
  /** The folder to find the Pulumi project from (default: the working directory). */
  readonly cwd: string | undefined;
  readonly help: boolean;
}

interface OptionSpec {
  readonly flag: string;
  readonly value?: string;
  readonly help: string;
}

export const OPTIONS: readonly OptionSpec[] = [
  { flag: "--json", help: "print one JSON object on stdout (the plan; `cost`, `policy`, `diff` keys with those options)" },
  { flag: "--preview", help: "as `pulumi preview` sees it: outputs not known before `pulumi up` are \"[unknown]\" and listed under each resource" },
  { flag: "--details", help: "each resource's inputs under it, and a count per type" },
  { flag: "--cost", help: "the monthly estimate: per component, per resource, the unpriced resources and the usage assumed" },
  { flag: "--policy", help: "run the policy pack (policy/policies.ts) against the plan; a mandatory violation exits 1" },
  { flag: "--diff", value: "<plan.json>", help: "compare with a saved plan (`--json` output): + create, ~ update, - delete, each changed property" },
  { flag: "--diff-ref", value: "<git ref>", help: "compare with the plan of the same stack at a git commit, branch or tag (planned in a temporary worktree)" },
  { flag: "--cwd", value: "<dir>", help: "find the Pulumi project (Pulumi.yaml) from this folder instead of the working directory" },
  { flag: "--help", help: "this text (also -h)" },
];

export function usage(program = "agentyard plan"): string {
  const width = Math.max(...OPTIONS.map((o) => `${o.flag}${o.value ? ` ${o.value}` : ""}`.length));
  return [
    `usage: ${program} <stack> [options]`,
    "",
    "Evaluates the Pulumi project's program (Pulumi.yaml in this folder or above: main, stackConfigDir) for",
    "<stack> with its Pulumi.<stack>.yaml config under Pulumi's mock engine: no Pulumi CLI, no cloud credentials.",
    "",
    "options:",
    ...OPTIONS.map((o) => `  ${`${o.flag}${o.value ? ` ${o.value}` : ""}`.padEnd(width)}  ${o.help}`),
  ].join("\n");
}

export class UsageError extends Error {
  override name = "UsageError";
}

export function parsePlanArgs(argv: readonly string[]): PlanOptions {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h") {
      flags.add("--help");
      continue;
    }
    if (!arg.startsWith("-")) {
      positional.push(arg);
      continue;
    }
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const spec = OPTIONS.find((o) => o.flag === flag);
    if (!spec) throw new UsageError(`unknown option ${arg}; the options are ${OPTIONS.map((o) => o.flag).join(", ")}, -h`);
    if (spec.value) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === "") throw new UsageError(`${flag} needs a value: ${flag} ${spec.value}`);
      values.set(flag, value);
    } else {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
      flags.add(flag);
    }
  }
  if (positional.length > 1) throw new UsageError(`one stack at a time: got ${positional.join(", ")}`);
  if (values.has("--diff") && values.has("--diff-ref")) throw new UsageError("--diff and --diff-ref: one or the other");
  return {
    stack: positional[0],
    json: flags.has("--json"),
    preview: flags.has("--preview"),
    details: flags.has("--details"),
    cost: flags.has("--cost"),
    policy: flags.has("--policy"),
    diff: values.get("--diff"),
    diffRef: values.get("--diff-ref"),
    cwd: values.get("--cwd"),
    help: flags.has("--help"),
  };
}
