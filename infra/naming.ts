import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/**
 * AWS's length limits for the physical names we set. Pulumi's auto-naming appends 8 characters
 * to a logical name, so names we leave to it are checked against the limit minus that suffix.
 */
export const AWS_NAME_LIMITS = {
  alb: 32,
  targetGroup: 32,
  dbInstance: 63,
  dbSubnetGroup: 255,
  dbParameterGroup: 255,
  cacheReplicationGroup: 40,
  cacheSubnetGroup: 255,
  cacheParameterGroup: 255,
  iamRole: 64,
  iamPolicy: 128,
  securityGroup: 255,
  logGroup: 512,
  s3Bucket: 63,
  ecrRepository: 256,
  eksCluster: 100,
  eksNodeGroup: 63,
  ecsCluster: 255,
  ecsService: 255,
  lambdaFunction: 64,
  secret: 512,
  kmsAlias: 256,
  wafWebAcl: 128,
  cloudMapNamespace: 1024,
  snsTopic: 256,
  ampWorkspaceAlias: 100,
  sqsQueue: 80,
  dbProxy: 63,
  eventRule: 64,
  backupVault: 50,
  backupPlan: 50,
} as const;

export type AwsNameKind = keyof typeof AWS_NAME_LIMITS;

/** What ALB and target group names may hold: letters, digits and inner dashes. */
export const ELB_NAME_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;

/** The project and stack every name and tag is built from; read from Pulumi unless given. */
export interface NamingScope {
  readonly project: string;
  readonly stack: string;
}

export function currentScope(): NamingScope {
  return { project: pulumi.getProject(), stack: pulumi.getStack() };
}

/** The stack's AWS region (`aws:region`), for settings that name it in text (log drivers, SigV4). */
export function stackRegion(): string {
  return new pulumi.Config("aws").get("region") ?? "us-east-1";
}

function slug(part: string): string {
  return part
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

/**
 * A deterministic physical name `<project>-<stack>-<parts>` that fits the kind's limit. A name
 * that is too long keeps its head and ends in a hash of the whole, so it stays unique and the
 * same on every run (a random suffix would make every plan differ).
 */
export function physicalName(kind: AwsNameKind, parts: readonly string[], scope: NamingScope = currentScope()): string {
  const limit = AWS_NAME_LIMITS[kind];
  const full = [scope.project, scope.stack, ...parts].map(slug).filter(Boolean).join("-");
  if (full.length <= limit) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 6);
  return `${full.slice(0, limit - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** A name the caller chose: refused, not shortened, when it does not fit, so that what they asked for is what AWS gets. */
export function requireNameFits(kind: AwsNameKind, name: string, what: string): string {
  const limit = AWS_NAME_LIMITS[kind];
  if (name.length > limit) {
    throw new Error(`${what}: "${name}" is ${name.length} characters; AWS allows at most ${limit} for a ${kind} name`);
  }
  return name;
}

/** The tags every AWS resource carries; `component` says which agentyard component owns it. */
export function standardTags(component: string, extra: Record<string, string> = {}, scope: NamingScope = currentScope()): Record<string, string> {
  return {
    project: scope.project,
    environment: scope.stack,
    component,
    "managed-by": "pulumi",
    ...extra,
  };
}

/** Tags plus the `Name` tag the AWS console shows for VPC-family resources. */
export function namedTags(component: string, name: string, extra: Record<string, string> = {}, scope: NamingScope = currentScope()) {
  return standardTags(component, { Name: `${scope.project}-${scope.stack}-${name}`, ...extra }, scope);
}

export const REQUIRED_TAG_KEYS = ["project", "environment", "component", "managed-by"] as const;

/** AWS resource types that take no tags (rules, associations, bucket sub-configurations). */
export const UNTAGGABLE_TYPES: ReadonlySet<string> = new Set([
  "aws:ec2/route:Route",
  "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketPolicy:BucketPolicy",
  "aws:wafv2/webAclAssociation:WebAclAssociation",
  "aws:acm/certificateValidation:CertificateValidation",
  "aws:route53/record:Record",
  "aws:secretsmanager/secretVersion:SecretVersion",
  "aws:sns/topicPolicy:TopicPolicy",
  "aws:ecr/lifecyclePolicy:LifecyclePolicy",
  "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
  "aws:appautoscaling/policy:Policy",
  "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
  "aws:amp/alertManagerDefinition:AlertManagerDefinition",
  "aws:kms/alias:Alias",
  "aws:lambda/invocation:Invocation",
  // Karpenter's discovery tags are tags themselves; queue policies, event targets and RDS Proxy targets take none.
  "aws:ec2/tag:Tag",
  "aws:sqs/queuePolicy:QueuePolicy",
  "aws:cloudwatch/eventTarget:EventTarget",
  "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup",
  "aws:rds/proxyTarget:ProxyTarget",
  "aws:backup/selection:Selection",
  "aws:sns/topicSubscription:TopicSubscription",
]);
