import type { PlannedResource } from "./engine";

/** The `--json` contract: other tools (the pull-request plan diff) read it, so keep it stable. */
export interface PlanJson {
  readonly stack: string;
  readonly resources: ReadonlyArray<{
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** The parent's URN, or null at the top of the program. */
    readonly parent: string | null;
    readonly inputs: Record<string, unknown>;
    /** URNs this resource waits for (dependsOn and the resources its inputs come from), sorted. */
    readonly dependencies: readonly string[];
  }>;
}

export function planJson(stack: string, resources: readonly PlannedResource[]): PlanJson {
  const sorted = [...resources].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return {
    stack,
    resources: sorted.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent ?? null, inputs: sortKeys(r.inputs) as Record<string, unknown>, dependencies: [...r.dependencies].sort() })),
  };
}

/** Key order follows the code that built the inputs; sorting makes two plans diff cleanly. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}
