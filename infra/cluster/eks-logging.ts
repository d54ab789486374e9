import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import { accountKey } from "../kms";
import { standardTags, stackRegion } from "../naming";
import type { EksCluster } from "./eks";
import { serviceAccountRole } from "./irsa";

const COMPONENT = "logging";

/**
 * The log groups the amazon-cloudwatch-observability add-on's Fluent Bit writes to: pods'
 * stdout and stderr to `application`, kubelet and container runtime to `dataplane`, node system
 * logs to `host`; `performance` holds Container Insights' metric events:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-setup-logs-FluentBit.html
 */
export const CONTAINER_LOG_GROUPS = ["application", "dataplane", "host", "performance"] as const;

export interface EksContainerLogs {
  readonly addon: eks.Addon;
  readonly logGroups: cloudwatch.LogGroup[];
  readonly keyArn: pulumi.Output<string>;
}

/**
 * Container logs of every pod on `eks` to CloudWatch Logs: the amazon-cloudwatch-observability
 * add-on (Fluent Bit as a DaemonSet, and the CloudWatch agent for Container Insights), with its
 * role through IRSA (CloudWatchAgentServerPolicy), and its log groups made here first, so that
 * they carry the stack's retention and a KMS key instead of being created by the agent to be kept
 * for ever, unencrypted:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/install-CloudWatch-Observability-EKS-addon.html
 */
export function createEksContainerLogs(parent: pulumi.Resource, name: string, cluster: EksCluster, retentionDays: number): EksContainerLogs {
  const child = { parent };
  const region = stackRegion();
  // CloudWatch Logs encrypts with a customer key only when the key policy lets the regional logs
  // service use it, for this account's log groups (the encryption context condition):
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
  const key = accountKey(parent, `${name}-container-logs-key`, {
    description: "agentyard container logs (CloudWatch Logs)",
    component: COMPONENT,
    statements: [
      (id) => ({
        Sid: "CloudWatchLogs",
        Effect: "Allow",
        Principal: { Service: `logs.${region}.amazonaws.com` },
        Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
        Resource: "*",
        Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${region}:${id}:log-group:*` } },
      }),
    ],
  });
  const logGroups = CONTAINER_LOG_GROUPS.map(
    (kind) =>
      new cloudwatch.LogGroup(
        `${name}-container-logs-${kind}`,
        { name: pulumi.interpolate`/aws/containerinsights/${cluster.name}/${kind}`, retentionInDays: retentionDays, kmsKeyId: key.arn, tags: standardTags(COMPONENT) },
        child,
      ),
  );
  const role = serviceAccountRole(parent, `${name}-cloudwatch-agent-role`, cluster.oidc, { namespace: "amazon-cloudwatch", name: "cloudwatch-agent" }, COMPONENT, "eks-cloudwatch-agent");
  const policy = new iam.RolePolicyAttachment(`${name}-cloudwatch-agent-policy`, { role: role.name, policyArn: "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy" }, child);
  const addon = new eks.Addon(
    `${name}-addon-amazon-cloudwatch-observability`,
    {
      clusterName: cluster.name,
      addonName: "amazon-cloudwatch-observability",
      serviceAccountRoleArn: role.arn,
      configurationValues: JSON.stringify({ containerLogs: { enabled: true } }),
      resolveConflictsOnCreate: "OVERWRITE",
      resolveConflictsOnUpdate: "PRESERVE",
      tags: standardTags(COMPONENT),
    },
    // After the nodes (its controller is a Deployment: an add-on with no node to run on never becomes
    // ACTIVE) and after the groups, so none is made by the agent.
    { parent, dependsOn: [cluster.generalNodes, ...cluster.addons, ...logGroups, policy] },
  );
  return { addon, logGroups, keyArn: key.arn };
}
