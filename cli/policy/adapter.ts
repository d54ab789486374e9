import type { Policies, PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import type { PlannedResource } from "../plan/engine";
import { policies as packPolicies } from "../../policy/policies";

export interface Violation {
  readonly policy: string;
  readonly level: string;
  readonly urn: string | undefined;
  readonly message: string;
}

class NotApplicable extends Error {}

const unsupported = (what: string) => () => {
  throw new Error(`policy adapter: ${what} is not available under the mock engine; compare args.type instead`);
};

/**
 * The policy pack's policies (policy/policies.ts) run in-process, without the Pulumi CLI: `plan
 * --policy` and the tests use this. Runs the policy array against a mock resource graph as the Pulumi engine would: resource
 * policies see each custom resource's inputs, stack policies every resource's outputs.
 */
export async function runPolicies(resources: readonly PlannedResource[], policies: Policies = packPolicies): Promise<Violation[]> {
  const violations: Violation[] = [];
  const custom = resources.filter((r) => r.custom);
  const opts = (r: PlannedResource) => ({
    protect: r.options.protect,
    ignoreChanges: [...r.options.ignoreChanges],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    parent: r.parent,
  });
  const stackTags = new Map<string, string>();

  for (const policy of policies) {
    const level = policy.enforcementLevel ?? "advisory";
    const report = (urn: string | undefined) => (message: string, reportedUrn?: string) => violations.push({ policy: policy.name, level, urn: reportedUrn ?? urn, message });
    try {
      if ("validateResource" in policy) {
        const validate = (policy as ResourceValidationPolicy).validateResource;
        const validators = validate === undefined ? [] : Array.isArray(validate) ? validate : [validate];
        for (const r of custom) {
          for (const fn of validators) {
            const args = {
              type: r.type,
              props: r.inputs,
              urn: r.urn,
              name: r.name,
              opts: opts(r),
              stackTags,
              isType: unsupported("isType"),
              asType: unsupported("asType"),
              getConfig: () => ({}),
              notApplicable: (reason?: string) => {
                throw new NotApplicable(reason);
              },
            } as unknown as ResourceValidationArgs;
            await fn(args, report(r.urn));
          }
        }
      } else {
        const byUrn = new Map<string, PolicyResource>();
        for (const r of resources) {
          byUrn.set(r.urn, {
            type: r.type,
            props: { ...r.inputs, ...(r.outputs ?? {}), ...(r.id ? { id: r.id } : {}) },
            urn: r.urn,
            name: r.name,
            opts: opts(r),
            dependencies: [],
            propertyDependencies: {},
            isType: unsupported("isType"),
            asType: unsupported("asType"),
          } as unknown as PolicyResource);
        }
        for (const r of resources) {
          const policyResource = byUrn.get(r.urn) as PolicyResource & { parent?: PolicyResource; dependencies: PolicyResource[] };
          policyResource.parent = r.parent ? byUrn.get(r.parent) : undefined;
          policyResource.dependencies = r.dependencies.map((d) => byUrn.get(d)).filter((d): d is PolicyResource => d !== undefined);
        }
        const args = {
          resources: [...byUrn.values()],
          stackTags,
          getConfig: () => ({}),
          notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
          },
        } as unknown as StackValidationArgs;
        await (policy as StackValidationPolicy).validateStack(args, report(undefined));
      }
    } catch (error) {
      if (!(error instanceof NotApplicable)) throw error;
    }
  }
  return violations;
}

export function mandatory(violations: readonly Violation[]): Violation[] {
  return violations.filter((v) => v.level === "mandatory");
}
