import * as pulumi from "@pulumi/pulumi";
import { type PolicyStatement, actions, requestTag, resourceTag } from "../iam-statement";

/*
 * Karpenter's controller permissions, interruption queue policy and EventBridge rules, written here
 * from reading the pinned release (aws/karpenter-provider-aws tag v1.14.1, commit bde00654): the
 * AWS clients the controller calls (pkg/providers/, pkg/controllers/) and the CloudFormation
 * template its getting-started guide deploys for that version
 * (website/content/en/docs/getting-started/getting-started-with-karpenter/cloudformation.yaml).
 * Same permissions as that template's six controller policies, split the same way. Bump with
 * KARPENTER_CHART: read the new tag's template and clients and change what changed.
 */
export const KARPENTER_SOURCE = {
  version: "1.14.1",
  tag: "v1.14.1",
  commit: "bde00654cd316fddb3dccfba3f5ac07039865429",
  cloudformation: "https://github.com/aws/karpenter-provider-aws/blob/v1.14.1/website/content/en/docs/getting-started/getting-started-with-karpenter/cloudformation.yaml",
} as const;

/** What the controller's policies name: resolved at deploy time. */
export interface KarpenterPolicyVariables {
  clusterName: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  region: pulumi.Input<string>;
  accountId: pulumi.Input<string>;
  interruptionQueueArn: pulumi.Input<string>;
  nodeRoleArn: pulumi.Input<string>;
}

type Resolved = { [K in keyof KarpenterPolicyVariables]: string };

/** Tags Karpenter puts on what it launches, and conditions on them. */
const NODEPOOL_TAG = "karpenter.sh/nodepool";
const NODECLASS_TAG = "karpenter.k8s.aws/ec2nodeclass";
const EKS_CLUSTER_NAME_TAG = "eks:eks-cluster-name";
const REGION_TAG = "topology.kubernetes.io/region";
const clusterTag = (cluster: string) => `kubernetes.io/cluster/${cluster}`;
/** The set operator: every value in the request (here every tag key) is one of those listed. */
const EVERY_VALUE_EQUALS = "ForAllValues:StringEquals";

/** The controller policies by name (the template's logical ids), each a list of statements. */
export function karpenterControllerStatements(v: Resolved): Record<string, PolicyStatement[]> {
  const ec2 = (resource: string, account = "*") => `arn:${v.partition}:ec2:${v.region}:${account}:${resource}`;
  const instanceProfiles = `arn:${v.partition}:iam::${v.accountId}:instance-profile/*`;
  const clusterArn = `arn:${v.partition}:eks:${v.region}:${v.accountId}:cluster/${v.clusterName}`;
  /** What a launch creates: CreateFleet makes a fleet, instances, their volumes and ENIs, maybe spot requests; and Karpenter's launch templates. */
  const launched = ["fleet/*", "instance/*", "volume/*", "network-interface/*", "launch-template/*", "spot-instances-request/*"].map((r) => ec2(r));
  const ownedByNodePool = { StringEquals: { [resourceTag(clusterTag(v.clusterName))]: "owned" }, StringLike: { [resourceTag(NODEPOOL_TAG)]: "*" } };
  const taggedForCluster = { [requestTag(clusterTag(v.clusterName))]: "owned", [requestTag(EKS_CLUSTER_NAME_TAG)]: v.clusterName };
  const profileOfThisCluster = { [resourceTag(clusterTag(v.clusterName))]: "owned", [resourceTag(REGION_TAG)]: v.region };
  const profileTaggedForCluster = { ...taggedForCluster, [requestTag(REGION_TAG)]: v.region };
  return {
    NodeLifecyclePolicy: [
      // A launch (pkg/providers/instance/: CreateFleet; RunInstances as the template grants it) reads
      // the AMI and its snapshots, the security groups, subnets, capacity reservations and
      // placement groups the EC2NodeClass selects: any of these in the region.
      {
        Sid: "AllowScopedEC2InstanceAccessActions",
        Effect: "Allow",
        Resource: [ec2("image/*", ""), ec2("snapshot/*", ""), ec2("security-group/*"), ec2("subnet/*"), ec2("capacity-reservation/*"), ec2("placement-group/*")],
        Action: actions("ec2", ["RunInstances", "CreateFleet"]),
      },
      // ... from a launch template Karpenter made for this cluster's NodePools.
      { Sid: "AllowScopedEC2LaunchTemplateAccessActions", Effect: "Allow", Resource: ec2("launch-template/*"), Action: actions("ec2", ["RunInstances", "CreateFleet"]), Condition: ownedByNodePool },
      // What a launch creates, and the launch templates (pkg/providers/launchtemplate/), only when
      // the request tags them for this cluster and a NodePool.
      {
        Sid: "AllowScopedEC2InstanceActionsWithTags",
        Effect: "Allow",
        Resource: launched,
        Action: actions("ec2", ["RunInstances", "CreateFleet", "CreateLaunchTemplate"]),
        Condition: { StringEquals: taggedForCluster, StringLike: { [requestTag(NODEPOOL_TAG)]: "*" } },
      },
      // The tags those creations carry (tag-on-create is CreateTags with ec2:CreateAction).
      {
        Sid: "AllowScopedResourceCreationTagging",
        Effect: "Allow",
        Resource: launched,
        Action: "ec2:CreateTags",
        Condition: { StringEquals: { ...taggedForCluster, "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"] }, StringLike: { [requestTag(NODEPOOL_TAG)]: "*" } },
      },
      // After launch, the tagging controller (pkg/controllers/nodeclaim/tagging/) names the
      // instance and records its NodeClaim: those three tag keys, on its own instances only.
      {
        Sid: "AllowScopedResourceTagging",
        Effect: "Allow",
        Resource: ec2("instance/*"),
        Action: "ec2:CreateTags",
        Condition: {
          ...ownedByNodePool,
          StringEqualsIfExists: { [requestTag(EKS_CLUSTER_NAME_TAG)]: v.clusterName },
          [EVERY_VALUE_EQUALS]: { "aws:TagKeys": [EKS_CLUSTER_NAME_TAG, "karpenter.sh/nodeclaim", "Name"] },
        },
      },
      // Termination of its nodes' instances, and cleanup of its launch templates.
      {
        Sid: "AllowScopedDeletion",
        Effect: "Allow",
        Resource: [ec2("instance/*"), ec2("launch-template/*")],
        Action: actions("ec2", ["TerminateInstances", "DeleteLaunchTemplate"]),
        Condition: ownedByNodePool,
      },
    ],
    IAMIntegrationPolicy: [
      // The node role goes into the instance profile an instance is launched with: PassRole to EC2 only.
      { Sid: "AllowPassingInstanceRole", Effect: "Allow", Resource: v.nodeRoleArn, Action: "iam:PassRole", Condition: { StringEquals: { "iam:PassedToService": ["ec2.amazonaws.com", "ec2.amazonaws.com.cn"] } } },
      // Karpenter makes one instance profile per EC2NodeClass `role` (pkg/providers/instanceprofile/),
      // tagged for this cluster, region and node class ...
      {
        Sid: "AllowScopedInstanceProfileCreationActions",
        Effect: "Allow",
        Resource: instanceProfiles,
        Action: ["iam:CreateInstanceProfile"],
        Condition: { StringEquals: profileTaggedForCluster, StringLike: { [requestTag(NODECLASS_TAG)]: "*" } },
      },
      // ... tags it (on create, and again on its own profiles) ...
      {
        Sid: "AllowScopedInstanceProfileTagActions",
        Effect: "Allow",
        Resource: instanceProfiles,
        Action: ["iam:TagInstanceProfile"],
        Condition: { StringEquals: { ...profileOfThisCluster, ...profileTaggedForCluster }, StringLike: { [resourceTag(NODECLASS_TAG)]: "*", [requestTag(NODECLASS_TAG)]: "*" } },
      },
      // ... puts the role in, swaps it when the node class's role changes, and deletes the profile with the node class.
      {
        Sid: "AllowScopedInstanceProfileActions",
        Effect: "Allow",
        Resource: instanceProfiles,
        Action: actions("iam", ["AddRoleToInstanceProfile", "RemoveRoleFromInstanceProfile", "DeleteInstanceProfile"]),
        Condition: { StringEquals: profileOfThisCluster, StringLike: { [resourceTag(NODECLASS_TAG)]: "*" } },
      },
    ],
    EKSIntegrationPolicy: [
      // The cluster's endpoint, CA, service CIDR and version for node bootstrap (pkg/providers/launchtemplate/, version/): this cluster only.
      { Sid: "AllowAPIServerEndpointDiscovery", Effect: "Allow", Resource: clusterArn, Action: "eks:DescribeCluster" },
    ],
    InterruptionPolicy: [
      // The interruption controller polls the queue and deletes what it handled (pkg/providers/sqs/).
      { Sid: "AllowInterruptionQueueActions", Effect: "Allow", Resource: v.interruptionQueueArn, Action: actions("sqs", ["DeleteMessage", "GetQueueUrl", "ReceiveMessage"]) },
    ],
    ZonalShiftPolicy: [
      // Whether an ARC zonal shift moved this cluster out of a zone, so it launches elsewhere (pkg/providers/arczonalshift/).
      {
        Sid: "AllowZonalShiftStatusReadOnly",
        Effect: "Allow",
        Resource: "*",
        Action: actions("arc-zonal-shift", ["GetManagedResource"]),
        Condition: { StringEquals: { "arc-zonal-shift:ResourceIdentifier": clusterArn } },
      },
    ],
    ResourceDiscoveryPolicy: [
      // What a node class selects and what can be launched: capacity reservations, AMIs, its
      // instances, their scheduled events (interruption/instancestatus_controller.go), instance
      // types and where they are offered, launch templates, placement groups, security groups,
      // spot prices (pkg/providers/pricing/), subnets. Describe calls take no resource ARN: in this region only.
      {
        Sid: "AllowRegionalReadActions",
        Effect: "Allow",
        Resource: "*",
        Action: actions("ec2", [
          "DescribeCapacityReservations",
          "DescribeImages",
          "DescribeInstances",
          "DescribeInstanceStatus",
          "DescribeInstanceTypeOfferings",
          "DescribeInstanceTypes",
          "DescribeLaunchTemplates",
          "DescribePlacementGroups",
          "DescribeSecurityGroups",
          "DescribeSpotPriceHistory",
          "DescribeSubnets",
        ]),
        Condition: { StringEquals: { "aws:RequestedRegion": v.region } },
      },
      // AMI aliases (`al2023@latest`) resolve through AWS's public SSM parameters (pkg/providers/ssm/).
      { Sid: "AllowSSMReadActions", Effect: "Allow", Resource: `arn:${v.partition}:ssm:${v.region}::parameter/aws/service/*`, Action: "ssm:GetParameter" },
      // On-demand prices for cost-aware launch and consolidation (pkg/providers/pricing/).
      { Sid: "AllowPricingReadActions", Effect: "Allow", Resource: "*", Action: "pricing:GetProducts" },
      // Its instance profiles, listed (garbage collection) and read (pkg/providers/instanceprofile/).
      { Sid: "AllowUnscopedInstanceProfileListAction", Effect: "Allow", Resource: "*", Action: "iam:ListInstanceProfiles" },
      { Sid: "AllowInstanceProfileReadActions", Effect: "Allow", Resource: instanceProfiles, Action: "iam:GetInstanceProfile" },
    ],
  };
}

/** Variables for listing the policies' names before the real ones resolve. */
const PLACEHOLDERS: Resolved = { clusterName: "", partition: "", region: "", accountId: "", interruptionQueueArn: "", nodeRoleArn: "" };

/** The controller policy documents, variables resolved, minified (IAM counts whitespace against its size limit). */
export function karpenterControllerPolicies(v: KarpenterPolicyVariables): Record<string, pulumi.Output<string>> {
  const resolved = pulumi.all([v.clusterName, v.partition, v.region, v.accountId, v.interruptionQueueArn, v.nodeRoleArn]).apply(
    ([clusterName, partition, region, accountId, interruptionQueueArn, nodeRoleArn]): Resolved => ({ clusterName, partition, region, accountId, interruptionQueueArn, nodeRoleArn }),
  );
  const names = Object.keys(karpenterControllerStatements(PLACEHOLDERS));
  return Object.fromEntries(names.map((name) => [name, resolved.apply((r) => JSON.stringify({ Version: "2012-10-17", Statement: karpenterControllerStatements(r)[name] }))]));
}

/**
 * The interruption queue's policy: EventBridge (and SQS) may send to it; nothing reaches it
 * without TLS. Written as the template has it, without a Version element (it uses no policy variables).
 */
export function interruptionQueuePolicy(queueArn: string): { Id: string; Statement: PolicyStatement[] } {
  return {
    Id: "EC2InterruptionPolicy",
    Statement: [
      { Effect: "Allow", Principal: { Service: ["events.amazonaws.com", "sqs.amazonaws.com"] }, Action: "sqs:SendMessage", Resource: queueArn },
      { Sid: "DenyHTTP", Effect: "Deny", Action: "sqs:*", Resource: queueArn, Condition: { Bool: { "aws:SecureTransport": false } }, Principal: "*" },
    ],
  };
}

/**
 * The EventBridge rules that feed the interruption queue, by the name part of their resources: the events Karpenter's
 * interruption controller parses (pkg/controllers/interruption/messages/: scheduled change, spot
 * interruption, rebalance recommendation, state change, capacity reservation interruption).
 */
export const INTERRUPTION_EVENT_PATTERNS: Readonly<Record<string, { source: string[]; "detail-type": string[] }>> = {
  "scheduled-change": { source: ["aws.health"], "detail-type": ["AWS Health Event"] },
  "spot-interruption": { source: ["aws.ec2"], "detail-type": ["EC2 Spot Instance Interruption Warning"] },
  rebalance: { source: ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"] },
  "instance-state-change": { source: ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"] },
  "capacity-reservation-interruption": { source: ["aws.ec2"], "detail-type": ["EC2 Capacity Reservation Instance Interruption Warning"] },
};
