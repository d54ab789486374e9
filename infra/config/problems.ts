/** One bad config value, reported as `key: got X, expected Y`. */
export interface ConfigProblem {
  readonly key: string;
  readonly got: unknown;
  readonly expected: string;
}

export const UNKNOWN_KEY = Symbol("unknown key");

export function describeValue(value: unknown): string {
  if (value === UNKNOWN_KEY) return "an unknown key";
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

export function formatProblem(problem: ConfigProblem): string {
  return `${problem.key}: got ${describeValue(problem.got)}, expected ${problem.expected}`;
}

/**
 * Thrown before any resource is registered. Its message lists every problem, one per line,
 * so a user fixes a stack file in one pass rather than one error per `pulumi up`.
 */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  /** `subject` names what was configured: `stack "prod"`, `Network "net"`. */
  constructor(subject: string, problems: readonly ConfigProblem[]) {
    const lines = problems.map((p) => `  - ${formatProblem(p)}`);
    super(`Invalid configuration for ${subject} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}
