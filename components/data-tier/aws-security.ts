import type * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as vpc from "@pulumi/aws/vpc";
import { namedTags } from "../../infra/naming";
import { applyTransform, type Transform } from "../../infra/transform";

export const COMPONENT = "data-tier";

/** A security group with no rules of its own: every rule is a separate resource, added per client. */
export function storeSecurityGroup(
  parent: pulumi.Resource,
  name: string,
  vpcId: pulumi.Input<string>,
  description: string,
  transform: Transform<ec2.SecurityGroupArgs> | undefined,
): ec2.SecurityGroup {
  return new ec2.SecurityGroup(
    ...applyTransform(transform, name, { vpcId, description, revokeRulesOnDelete: true, tags: namedTags(COMPONENT, name) }, { parent }),
  );
}

/** Admits one client security group on one port. */
export function admit(parent: pulumi.Resource, name: string, store: ec2.SecurityGroup, port: number, client: pulumi.Input<string>, description: string) {
  return new vpc.SecurityGroupIngressRule(
    name,
    { securityGroupId: store.id, referencedSecurityGroupId: client, ipProtocol: "tcp", fromPort: port, toPort: port, description, tags: namedTags(COMPONENT, name) },
    { parent },
  );
}
