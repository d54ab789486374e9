import type * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import { physicalName, standardTags } from "./naming";

/** A role that one AWS service (`lambda.amazonaws.com`, `monitoring.rds.amazonaws.com`) may assume, with AWS-managed policies attached. */
export function serviceRole(
  parent: pulumi.Resource,
  name: string,
  options: { physical: string; service: string; component: string; managedPolicyArns?: readonly string[] },
): { role: iam.Role; attachments: iam.RolePolicyAttachment[] } {
  const role = new iam.Role(
    name,
    {
      name: physicalName("iamRole", [options.physical]),
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: options.service }, Action: "sts:AssumeRole" }],
      }),
      tags: standardTags(options.component),
    },
    { parent },
  );
  const attachments = (options.managedPolicyArns ?? []).map(
    (policyArn) => new iam.RolePolicyAttachment(`${name}-${policyArn.split("/").at(-1)}`, { role: role.name, policyArn }, { parent }),
  );
  return { role, attachments };
}
