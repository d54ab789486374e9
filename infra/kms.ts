import type * as pulumi from "@pulumi/pulumi";
import * as kms from "@pulumi/aws/kms";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { standardTags } from "./naming";

/** A key-policy statement, given the account id (services are admitted per account). */
export type KeyStatement = (accountId: string) => Record<string, unknown>;

/**
 * A customer key, rotated yearly, 30 days' deletion window, whose policy leaves decisions to the
 * account's IAM policies (the `Account` statement) plus the service statements given: what
 * CloudWatch, SNS, CloudWatch Logs or AWS Backup need to use it on the account's behalf.
 */
export function accountKey(
  parent: pulumi.Resource,
  name: string,
  options: { description: string; component: string; statements?: readonly KeyStatement[] },
  opts: pulumi.CustomResourceOptions = { parent },
): kms.Key {
  const account = getCallerIdentityOutput({}, { parent }).accountId;
  return new kms.Key(
    name,
    {
      description: options.description,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: account.apply((id) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Sid: "Account", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${id}:root` }, Action: "kms:*", Resource: "*" }, ...(options.statements ?? []).map((s) => s(id))],
        }),
      ),
      tags: standardTags(options.component),
    },
    opts,
  );
}
