import { evaluate, type PlannedResource } from "../cli/plan/engine";
import { readStackFile, toConfigMap } from "../cli/plan/stack-file";
import { program } from "../stacks/program";

/** A registered resource graph with the queries tests read like the spec with. */
export class ResourceGraph {
  constructor(readonly resources: readonly PlannedResource[]) {}

  ofType(type: string): PlannedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The one resource of a type and logical name; throws with what exists when absent. */
  get(type: string, name: string): PlannedResource {
    const found = this.resources.find((r) => r.type === type && r.name === name);
    if (!found) {
      const names = this.ofType(type).map((r) => r.name);
      throw new Error(`no ${type} named ${name}; have: ${names.join(", ") || "none of that type"}`);
    }
    return found;
  }

  byUrn(urn: string): PlannedResource | undefined {
    return this.resources.find((r) => r.urn === urn);
  }

  childrenOf(parent: PlannedResource): PlannedResource[] {
    return this.resources.filter((r) => r.parent === parent.urn);
  }

  /** The subgraph of one component (the only one of its type): itself and everything under it. */
  within(componentType: string): ResourceGraph {
    const roots = this.ofType(componentType);
    if (roots.length !== 1) throw new Error(`expected one ${componentType}, found ${roots.length}`);
    const inside = new Set([roots[0].urn]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const r of this.resources) {
        if (r.parent !== undefined && inside.has(r.parent) && !inside.has(r.urn)) {
          inside.add(r.urn);
          grew = true;
        }
      }
    }
    return new ResourceGraph(this.resources.filter((r) => inside.has(r.urn)));
  }

  /** Resources whose tags the policy checks: every custom AWS resource that has a `tags` input. */
  awsResources(): PlannedResource[] {
    return this.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
  }
}

export interface StackRunOptions {
  /** Config to set over the stack file's, by key as in the file (`agentyard:network`). */
  readonly override?: Record<string, unknown>;
  readonly preview?: boolean;
}

/** Evaluates a shipped stack (`stacks/Pulumi.<stack>.yaml`) the way `npm run plan` does. */
export async function planStack(stack: string, options: StackRunOptions = {}): Promise<ResourceGraph> {
  const file = readStackFile(stack);
  const extra = toConfigMap(options.override ?? {}, file.project);
  const { resources } = await evaluate(program, {
    project: file.project,
    stack,
    config: { ...file.config, ...extra.config },
    secretKeys: [...file.secretKeys, ...extra.secretKeys],
    preview: options.preview,
  });
  return new ResourceGraph(resources);
}

export interface ComponentRunOptions {
  readonly stack?: string;
  readonly config?: Record<string, unknown>;
  readonly preview?: boolean;
}

/** Evaluates any code that creates resources (one component, a whole topology) under the mocks. */
export async function planComponent<T>(create: () => T, options: ComponentRunOptions = {}): Promise<{ graph: ResourceGraph; result: T }> {
  const { config } = toConfigMap({ "aws:region": "us-east-1", ...(options.config ?? {}) }, "agentyard");
  const { resources, result } = await evaluate(create, {
    project: "agentyard",
    stack: options.stack ?? "test",
    config,
    preview: options.preview,
  });
  return { graph: new ResourceGraph(resources), result };
}
