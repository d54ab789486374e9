import type { PlannedResource } from "../plan/engine";

/**
 * A deploy rule: a fact about AWS or Kubernetes that the mock engine cannot enforce (mocks accept
 * any ordering, value and volume), checked on the evaluated resource graph. Unlike the policy pack
 * (is it safe?), a deploy rule asks: would a real `pulumi up` of this graph work?
 */
export interface DeployRule {
  /** Stable id, as listed in `--json` under `deployRules`. */
  readonly id: string;
  /** The fact, in one sentence, as the source states it. */
  readonly fact: string;
  /** Where the fact is documented. */
  readonly source: string;
  check(graph: RuleGraph, context: RuleContext): RuleViolation[];
}

export interface RuleContext {
  /** The day the plan is made, `YYYY-MM-DD` (support windows are dated). */
  readonly today: string;
}

export interface RuleViolation {
  /** The resource that would fail (or misbehave). */
  readonly urn: string;
  /** What is wrong with it and what to do, naming the values read from the graph. */
  readonly message: string;
}

/** The evaluated resources with the lookups rules read the graph with. */
export class RuleGraph {
  private readonly urns: Map<string, PlannedResource>;
  private readonly closure = new Map<string, Set<string>>();

  constructor(readonly resources: readonly PlannedResource[]) {
    this.urns = new Map(resources.map((r) => [r.urn, r]));
  }

  ofType(type: string): PlannedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  byUrn(urn: string): PlannedResource | undefined {
    return this.urns.get(urn);
  }

  /** Every URN `urn` waits for before it is created: its dependencies, theirs, and so on. */
  waitsFor(urn: string): ReadonlySet<string> {
    const known = this.closure.get(urn);
    if (known) return known;
    const seen = new Set<string>();
    const stack = [...(this.urns.get(urn)?.dependencies ?? [])];
    while (stack.length) {
      const next = stack.pop() as string;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(this.urns.get(next)?.dependencies ?? []));
    }
    this.closure.set(urn, seen);
    return seen;
  }

  /** The resources `urn` waits for (directly or not) that satisfy `match`. */
  waitedFor(urn: string, match: (r: PlannedResource) => boolean): PlannedResource[] {
    return [...this.waitsFor(urn)].map((u) => this.urns.get(u)).filter((r): r is PlannedResource => r !== undefined && match(r));
  }

  /** Whether the graph has a resource of this type (the platform, read from the graph). */
  has(type: string): boolean {
    return this.resources.some((r) => r.type === type);
  }
}

/** A nested input by path (`spec.template.spec`), undefined where any step is missing. */
export function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A readable name for messages: `type name`. */
export function label(r: PlannedResource): string {
  return `${r.type} "${r.name}"`;
}
