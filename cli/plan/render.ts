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

export function countByType(resources: readonly PlannedResource[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** The resource tree by component, then a count per type: what a reviewer reads first. */
export function planTree(header: string, resources: readonly PlannedResource[]): string {
  const children = new Map<string | undefined, PlannedResource[]>();
  for (const r of resources) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const lines = [header, ""];
  const walk = (parent: string | undefined, depth: number) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => (a.custom === b.custom ? (a.type + a.name < b.type + b.name ? -1 : 1) : a.custom ? 1 : -1));
    for (const r of list) {
      lines.push(`${"  ".repeat(depth)}${r.custom ? "-" : "+"} ${r.type}  ${r.name}`);
      walk(r.urn, depth + 1);
    }
  };
  walk(undefined, 0);
  const counts = countByType(resources);
  const width = Math.max(...counts.map(([t]) => t.length), 4);
  lines.push("", `Resources by type (${resources.length} in all):`);
  for (const [type, count] of counts) lines.push(`  ${type.padEnd(width)}  ${String(count).padStart(4)}`);
  return lines.join("\n");
}
