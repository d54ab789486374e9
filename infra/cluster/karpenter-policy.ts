import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CORE_SCHEMA, defineScalarTag, load } from "js-yaml";
import { PACKAGE_ROOT } from "../package-root";

/*
 * Karpenter's IAM, interruption queue and EventBridge rules come from upstream's own CloudFormation
 * template of the pinned version (the one `getting-started-with-karpenter` deploys), kept byte for
 * byte as an asset: the controller policies are read from it and their `${...}` variables
 * substituted, so that a chart bump is a template bump and nothing is retyped by hand. Bump both
 * with KARPENTER_CHART: fetch website/content/en/docs/getting-started/getting-started-with-karpenter/cloudformation.yaml
 * at the release tag.
 */
export const KARPENTER_SOURCE = {
  version: "1.14.1",
  tag: "v1.14.1",
  commit: "bde00654cd316fddb3dccfba3f5ac07039865429",
  cloudformation: "https://github.com/aws/karpenter-provider-aws/blob/v1.14.1/website/content/en/docs/getting-started/getting-started-with-karpenter/cloudformation.yaml",
} as const;

// From the package root, so the installed package (dist/ beside infra/assets/) finds it too.
const ASSETS = path.join(PACKAGE_ROOT, "infra", "assets", "karpenter");
export const KARPENTER_CLOUDFORMATION_PATH = path.join(ASSETS, `cloudformation-v${KARPENTER_SOURCE.version}.yaml`);

/** A CloudFormation intrinsic as js-yaml reads it: `!Sub "x"` becomes `{ Sub: "x" }`. */
type Intrinsic = { Sub: string } | { Ref: string } | { GetAtt: string };
interface TemplateResource {
  Type: string;
  Properties: Record<string, unknown>;
}

const intrinsic = (name: "Sub" | "Ref" | "GetAtt") => defineScalarTag(`!${name}`, { resolve: (s: string) => ({ [name]: s }), identify: () => false });

/** Upstream's template, its intrinsics kept as `{ Sub }`, `{ Ref }` and `{ GetAtt }` objects. */
export function karpenterTemplate(text: string = readFileSync(KARPENTER_CLOUDFORMATION_PATH, "utf8")): Record<string, TemplateResource> {
  const doc = load(text, { schema: CORE_SCHEMA.withTags(intrinsic("Sub"), intrinsic("Ref"), intrinsic("GetAtt")) }) as { Resources: Record<string, TemplateResource> };
  return doc.Resources;
}

/** The template's controller policies (`AWS::IAM::ManagedPolicy`), by logical id, as `!Sub` strings. */
export function controllerPolicyTemplates(resources = karpenterTemplate()): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== "AWS::IAM::ManagedPolicy") continue;
    const doc = r.Properties.PolicyDocument as Intrinsic;
    if (!("Sub" in doc)) throw new Error(`Karpenter template: ${id}'s PolicyDocument is not a !Sub string`);
    out[id] = doc.Sub;
  }
  return out;
}

/** The EventBridge rules' event patterns (the template's `AWS::Events::Rule`s), by logical id. */
export function interruptionEventPatterns(resources = karpenterTemplate()): Record<string, Record<string, string[]>> {
  return Object.fromEntries(
    Object.entries(resources)
      .filter(([, r]) => r.Type === "AWS::Events::Rule")
      .map(([id, r]) => [id, r.Properties.EventPattern as Record<string, string[]>]),
  );
}

export interface KarpenterPolicyVariables {
  clusterName: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  region: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  interruptionQueueArn: pulumi.Input<string>;
  nodeRoleArn: pulumi.Input<string>;
}

/** `${Name}` substitution as CloudFormation's `Fn::Sub` does it; a variable the template names and we lack is an error. */
export function substitute(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\$\{([\w:.]+)\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`Karpenter template: no value for \${${name}}`);
    return value;
  });
}

/** Upstream's controller policy documents, variables filled, minified (IAM counts whitespace against its size limit). */
export function karpenterControllerPolicies(v: KarpenterPolicyVariables, resources = karpenterTemplate()): Record<string, pulumi.Output<string>> {
  const templates = controllerPolicyTemplates(resources);
  return Object.fromEntries(
    Object.entries(templates).map(([id, template]) => [
      id,
      pulumi.all([v.clusterName, v.partition, v.region, v.accountId, v.interruptionQueueArn, v.nodeRoleArn]).apply(([cluster, partition, region, account, queue, nodeRole]) =>
        JSON.stringify(
          JSON.parse(
            substitute(template, {
              ClusterName: cluster,
              "AWS::Partition": partition,
              "AWS::Region": region,
              "AWS::AccountId": account,
              "KarpenterInterruptionQueue.Arn": queue,
              "KarpenterNodeRole.Arn": nodeRole,
            }),
          ),
        ),
      ),
    ]),
  );
}
