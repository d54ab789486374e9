import { type DeployRule, label } from "./rule";

/**
 * Types whose name AWS keeps unique, with what replaces them while the name stays: Pulumi creates
 * the replacement first, so a fixed name collides ("already exists"). Auto-naming or a name
 * prefix gives the replacement a new name; deleteBeforeReplace deletes first.
 */
const REPLACED_BY: Readonly<Record<string, string>> = {
  "aws:lb/targetGroup:TargetGroup": "port, protocol, target type or VPC",
  "aws:rds/parameterGroup:ParameterGroup": "family or description",
  "aws:elasticache/parameterGroup:ParameterGroup": "family or description",
  "aws:ec2/securityGroup:SecurityGroup": "description or VPC",
  "aws:ecs/service:Service": "cluster, launch type or service registries",
};

export const fixedNames: DeployRule = {
  id: "replaceable-resources-not-fixed-names",
  fact: "Pulumi replaces a resource by creating the new one before deleting the old; a resource with a fixed physical name then fails with \"already exists\" unless it is auto-named, named by prefix, or deleted before replacement.",
  source: "https://www.pulumi.com/docs/iac/concepts/options/deletebeforereplace/",
  check(graph) {
    return graph.resources
      .filter((r) => r.type in REPLACED_BY && typeof r.inputs.name === "string" && !r.options.deleteBeforeReplace)
      .map((r) => ({
        urn: r.urn,
        message: `${label(r)} has the fixed name "${String(r.inputs.name)}" and is replaced when its ${REPLACED_BY[r.type]} changes: use namePrefix or auto-naming, or deleteBeforeReplace where the name must stay`,
      }));
  },
};
