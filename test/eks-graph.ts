import type { PlannedResource } from "../cli/plan/engine";
import type { ResourceGraph } from "./harness";

/**
 * Whether `later` waits for `earlier` before it is created: a path through the recorded
 * dependencies (dependsOn and resources its inputs came from), which is the order the engine
 * creates resources in. Parents are not followed: a parent does not make its children wait.
 */
export function waitsFor(graph: ResourceGraph, later: PlannedResource, earlier: PlannedResource): boolean {
  const seen = new Set<string>();
  const stack = [...later.dependencies];
  while (stack.length > 0) {
    const urn = stack.pop() as string;
    if (urn === earlier.urn) return true;
    if (seen.has(urn)) continue;
    seen.add(urn);
    stack.push(...(graph.byUrn(urn)?.dependencies ?? []));
  }
  return false;
}
