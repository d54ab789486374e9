import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam";
import type { EksCluster } from "../../infra/cluster/eks";
import { serviceAccountRole } from "../../infra/cluster/irsa";
import type { AlertTopic } from "./kubernetes";

/**
 * Alertmanager's role on `eks` (IRSA, service account `kps-alertmanager` of the chart with
 * `fullnameOverride: kps`): publish to the alert topic, and use its key (SNS encrypts with it on
 * publish, so the publisher needs kms:GenerateDataKey* and kms:Decrypt:
 * https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#sns-what-permissions-for-sse).
 */
export function alertmanagerSnsRole(parent: pulumi.Resource, name: string, cluster: EksCluster, namespace: pulumi.Input<string>, topic: AlertTopic): iam.Role {
  const role = serviceAccountRole(parent, `${name}-alertmanager-role`, cluster.oidc, { namespace, name: "kps-alertmanager" }, "monitoring", "alertmanager");
  new iam.RolePolicy(
    `${name}-alertmanager-role-policy`,
    {
      role: role.id,
      policy: pulumi.all([topic.arn, topic.keyArn]).apply(([topicArn, keyArn]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "sns:Publish", Resource: topicArn },
            { Effect: "Allow", Action: ["kms:GenerateDataKey*", "kms:Decrypt"], Resource: keyArn },
          ],
        }),
      ),
    },
    { parent },
  );
  return role;
}
