import type * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ec2 from "@pulumi/aws/ec2";
import * as eks from "@pulumi/aws/eks";
import * as iam from "@pulumi/aws/iam";
import * as sqs from "@pulumi/aws/sqs";
import { getCallerIdentityOutput, getPartitionOutput } from "@pulumi/aws";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as helm from "@pulumi/kubernetes/helm/v3";
import type { Provider } from "@pulumi/kubernetes/provider";
import type { EnvironmentSettings } from "../config/schema";
import { serviceRole } from "../iam";
import { physicalName, standardTags } from "../naming";
import { gvisorUserData } from "./gvisor-nodes";
import { type OidcIssuer, serviceAccountRole } from "./irsa";
import { INTERRUPTION_EVENT_PATTERNS, KARPENTER_SOURCE, interruptionQueuePolicy, karpenterControllerPolicies } from "./karpenter-policy";

const COMPONENT = "cluster";

/*
 * Karpenter 1.14.1, the newest release whose chart, CRDs and CloudFormation template this repository
 * could read (aws/karpenter-provider-aws at tag v1.14.1). Karpenter supports Kubernetes 1.35 from
 * 1.9 and 1.36 from 1.13 (https://karpenter.sh/docs/upgrading/compatibility/, matrix at v1.14.1), so
 * the default cluster version and the next one are covered. v1.15 is newer (karpenter.sh lists v1.15 as latest,
 * "Release v1.15.0", 2026-10-10; 1.15.1 reported 2026-10-23), but the newest snapshot of the repository readable here
 * stops at v1.14.1 (2026-08-21): without 1.15's CRDs, values.yaml and template the pin stays (docs/versions.md).
 * Bump the chart with the policies (karpenter-policy.ts) and the tests' transcriptions of its values
 * keys and CRD schemas (test/karpenter-chart.ts), each read again at the new tag.
 * The chart is published as an OCI artifact (https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/,
 * "Install Karpenter": `helm upgrade --install karpenter oci://public.ecr.aws/karpenter/karpenter --version ...`).
 * Helm installs the chart's CRDs (crds/) on first install only: on an upgrade, apply the new tag's
 * pkg/apis/crds first (https://karpenter.sh/docs/upgrading/upgrade-guide/, CRD upgrades).
 */
export const KARPENTER_CHART = { chart: "oci://public.ecr.aws/karpenter/karpenter", version: KARPENTER_SOURCE.version } as const;

/** The tag Karpenter discovers subnets and security groups by (the getting-started guide's `karpenter.sh/discovery`). */
export const KARPENTER_DISCOVERY_TAG = "karpenter.sh/discovery";

/** Karpenter's node label for the NodePool a node belongs to. */
export const NODEPOOL_LABEL = "karpenter.sh/nodepool";

export interface KarpenterArgs {
  settings: EnvironmentSettings["cluster"];
  /** The cluster's physical name: Karpenter's settings and discovery tags name it. */
  clusterName: string;
  /** The cluster resource's name output: resources that need the cluster to exist wait on it. */
  cluster: pulumi.Output<string>;
  clusterSecurityGroupId: pulumi.Output<string>;
  privateSubnetIds: pulumi.Input<string>[];
  oidc: OidcIssuer;
  provider: Provider;
  region: string;
  /** A NodePool for sandboxes under gVisor: labelled, tainted, with the gVisor node group's user data. */
  gvisor?: { label: Readonly<Record<string, string>>; taint: { key: string; value: string } };
  /** What the controller waits for (the managed nodes it runs on, the add-ons). */
  dependsOn: pulumi.Resource[];
}

/** A NodePool Karpenter gets: what the capacity check reads back from the plan. */
export interface NodePoolSpec {
  readonly name: string;
  readonly limits: { cpu: string; memory: string };
}

/**
 * Karpenter on EKS as the getting-started guide sets it up, from `@pulumi/aws` resources: the
 * controller's IRSA role with the controller policies the guide's template grants, the node role with an EC2_LINUX
 * access entry, the SQS interruption queue fed by EventBridge, the discovery tags, the pinned chart,
 * and an EC2NodeClass and NodePool per pool (general; gVisor sandboxes when enabled).
 */
export function karpenter(parent: pulumi.Resource, name: string, args: KarpenterArgs): { release: helm.Release; nodePools: NodePoolSpec[]; ready: pulumi.Resource[] } {
  const child = { parent };
  const s = args.settings;
  const tags = standardTags(COMPONENT);

  // Discovery: Karpenter launches into the subnets and security groups carrying this tag
  // (EC2NodeClass subnetSelectorTerms / securityGroupSelectorTerms below). The cluster security group is
  // EKS's own (it admits node-to-node and control-plane traffic), tagged here as the guide does with `aws ec2 create-tags`.
  const discovery = { key: KARPENTER_DISCOVERY_TAG, value: args.clusterName };
  args.privateSubnetIds.forEach((subnetId, i) => new ec2.Tag(`${name}-discovery-subnet-${i + 1}`, { resourceId: subnetId, ...discovery }, child));
  new ec2.Tag(`${name}-discovery-security-group`, { resourceId: args.clusterSecurityGroupId, ...discovery }, child);

  // The interruption queue: Spot interruptions, rebalance recommendations, scheduled health events and
  // instance state changes reach Karpenter here, so it drains a node before EC2 takes it
  // (https://karpenter.sh/docs/concepts/disruption/#interruption). Settings and policy as the guide's template has them.
  const queue = new sqs.Queue(`${name}-interruption-queue`, { name: physicalName("sqsQueue", ["karpenter"]), messageRetentionSeconds: 300, sqsManagedSseEnabled: true, tags }, child);
  new sqs.QueuePolicy(
    `${name}-interruption-queue-policy`,
    {
      queueUrl: queue.url,
      policy: queue.arn.apply((arn) => JSON.stringify(interruptionQueuePolicy(arn))),
    },
    child,
  );
  for (const [slug, pattern] of Object.entries(INTERRUPTION_EVENT_PATTERNS)) {
    const rule = new cloudwatch.EventRule(`${name}-${slug}`, { name: physicalName("eventRule", ["karpenter", slug]), eventPattern: JSON.stringify(pattern), tags }, child);
    new cloudwatch.EventTarget(`${name}-${slug}-target`, { rule: rule.name, arn: queue.arn, targetId: "KarpenterInterruptionQueueTarget" }, child);
  }

  // The nodes' role. Upstream's template also attaches AmazonEKS_CNI_Policy; here vpc-cni has its own IRSA
  // role (eks.ts), which AWS recommends over the node role (https://docs.aws.amazon.com/eks/latest/userguide/cni-iam-role.html).
  const nodeRole = serviceRole(parent, `${name}-node-role`, {
    physical: "eks-karpenter-node",
    service: "ec2.amazonaws.com",
    component: COMPONENT,
    managedPolicyArns: [
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly",
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    ],
  });
  // Nodes Karpenter launches join through an access entry of type EC2_LINUX (managed node groups get theirs
  // from EKS; these do not): https://karpenter.sh/docs/getting-started/migrating-from-cas/ ("access entries"),
  // https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html (type EC2_LINUX, no policy).
  const accessEntry = new eks.AccessEntry(`${name}-node-access`, { clusterName: args.cluster, principalArn: nodeRole.role.arn, type: "EC2_LINUX", tags }, child);

  // The controller's role through IRSA (the OIDC provider exists; Pod Identity would need its agent add-on),
  // for the chart's service account kube-system/karpenter, with the controller policies (karpenter-policy.ts).
  const controllerRole = serviceAccountRole(parent, `${name}-controller-role`, args.oidc, { namespace: "kube-system", name: "karpenter" }, COMPONENT, "eks-karpenter");
  const identity = getCallerIdentityOutput({}, child);
  const partition = getPartitionOutput({}, child);
  const policies = karpenterControllerPolicies({
    clusterName: args.clusterName,
    partition: partition.partition,
    region: args.region,
    accountId: identity.accountId,
    interruptionQueueArn: queue.arn,
    nodeRoleArn: nodeRole.role.arn,
  });
  const attachments = Object.entries(policies).map(([id, document]) => {
    const slug = kebab(id.replace(/Policy$/, ""));
    const policy = new iam.Policy(`${name}-${slug}-policy`, { name: physicalName("iamPolicy", ["karpenter", slug]), description: `Karpenter controller: ${id} (upstream ${KARPENTER_SOURCE.tag})`, policy: document, tags }, child);
    return new iam.RolePolicyAttachment(`${name}-${slug}-policy`, { role: controllerRole.name, policyArn: policy.arn }, child);
  });

  const dev = s.capacityType === "SPOT";
  const release = new helm.Release(
    `${name}-release`,
    {
      name: "karpenter",
      chart: KARPENTER_CHART.chart,
      version: KARPENTER_CHART.version,
      namespace: "kube-system",
      atomic: true,
      // Keys as in charts/karpenter/values.yaml at the pinned tag (a test checks them against our record of them).
      values: {
        settings: { clusterName: args.clusterName, interruptionQueue: queue.name },
        serviceAccount: { create: true, name: "karpenter", annotations: { "eks.amazonaws.com/role-arn": controllerRole.arn } },
        // Two replicas with the chart's hostname anti-affinity and zone spread need two managed nodes; dev has one.
        replicas: dev ? 1 : 2,
        // The guide's 1 vCPU / 1 GiB; dev's single t4g.medium gets a quarter of that.
        controller: { resources: dev ? { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } } : { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } } },
      },
    },
    { parent, provider: args.provider, dependsOn: [...args.dependsOn, ...attachments, accessEntry] },
  );

  const k8s = { parent, provider: args.provider, dependsOn: [release, accessEntry, ...nodeRole.attachments] };
  const arch = s.architecture === "arm64" ? "arm64" : "amd64";
  const nodeClass = (id: string, userData?: string) =>
    new apiextensions.CustomResource(
      `${name}-${id}-node-class`,
      {
        apiVersion: "karpenter.k8s.aws/v1",
        kind: "EC2NodeClass",
        metadata: { name: id },
        spec: {
          role: nodeRole.role.name,
          // The EKS-optimized AL2023 AMI for the cluster's version; a newer one is drift and replaces nodes
          // within disruption budgets (https://karpenter.sh/docs/concepts/nodeclasses/#specamiselectorterms).
          amiSelectorTerms: [{ alias: "al2023@latest" }],
          subnetSelectorTerms: [{ tags: { [KARPENTER_DISCOVERY_TAG]: args.clusterName } }],
          securityGroupSelectorTerms: [{ tags: { [KARPENTER_DISCOVERY_TAG]: args.clusterName } }],
          // IMDSv2 only, hop limit 1: pods off the host network cannot reach the node role's credentials (as eks.ts).
          metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpPutResponseHopLimit: 1, httpTokens: "required" },
          blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: "40Gi", volumeType: "gp3", encrypted: true, deleteOnTermination: true } }],
          // AL2023 user data is MIME multi-part; Karpenter merges its own NodeConfig into it
          // (https://karpenter.sh/docs/concepts/nodeclasses/#al2023-1), as EKS does for managed node groups.
          userData,
          tags,
        },
      },
      k8s,
    );
  const ready: pulumi.Resource[] = [release];
  const nodePool = (id: string, nodeClassName: string, pool: { requirements: object[]; limits: NodePoolSpec["limits"]; labels?: Record<string, string>; taints?: object[] }, dependsOn: pulumi.Resource) => {
    const resource = new apiextensions.CustomResource(
      `${name}-${id}-node-pool`,
      {
        apiVersion: "karpenter.sh/v1",
        kind: "NodePool",
        metadata: { name: id },
        spec: {
          template: {
            metadata: { labels: { "agentyard.dev/pool": id, ...pool.labels } },
            spec: {
              nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: nodeClassName },
              requirements: pool.requirements,
              taints: pool.taints,
              // Nodes are replaced within 30 days (fresh AMIs and patches).
              expireAfter: "720h",
            },
          },
          // Consolidation on: empty and underused nodes are removed or replaced by cheaper ones
          // (https://karpenter.sh/docs/concepts/disruption/#consolidation); at most 10 % of nodes at a time.
          disruption: { consolidationPolicy: "WhenEmptyOrUnderutilized", consolidateAfter: "1m", budgets: [{ nodes: "10%" }] },
          limits: pool.limits,
        },
      },
      { ...k8s, dependsOn: [...k8s.dependsOn, dependsOn] },
    );
    ready.push(resource);
    return { name: id, limits: pool.limits };
  };

  // Instance shapes by well-known labels (https://karpenter.sh/docs/concepts/scheduling/#well-known-labels):
  // general-purpose, compute- and memory-optimized families of generation 6 or later, on the cluster's architecture.
  const shape = [
    { key: "kubernetes.io/arch", operator: "In", values: [arch] },
    { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
    { key: "karpenter.k8s.aws/instance-category", operator: "In", values: ["c", "m", "r"] },
    { key: "karpenter.k8s.aws/instance-generation", operator: "Gt", values: ["5"] },
  ];
  // dev: Spot first, on-demand when Spot has none (Karpenter prefers Spot when both are allowed:
  // https://karpenter.sh/docs/concepts/nodepools/#capacity-type). staging and prod: on-demand only; zones follow
  // the pods' topology spread (AgentService and the sandbox spread over zones), and Karpenter launches across
  // every discovered subnet's zone to satisfy it.
  const capacity = { key: "karpenter.sh/capacity-type", operator: "In", values: dev ? ["spot", "on-demand"] : ["on-demand"] };
  const general = nodeClass("general");
  const pools = [nodePool("general", "general", { requirements: [...shape, capacity], limits: { cpu: String(s.karpenterMaxVcpu), memory: `${s.karpenterMaxMemoryGb}Gi` } }, general)];
  if (args.gvisor) {
    const sandboxClass = nodeClass("sandbox-gvisor", gvisorUserData());
    pools.push(
      nodePool(
        "sandbox-gvisor",
        "sandbox-gvisor",
        {
          requirements: [...shape, capacity],
          limits: { cpu: String(s.karpenterMaxVcpu), memory: `${s.karpenterMaxMemoryGb}Gi` },
          labels: { ...args.gvisor.label },
          taints: [{ key: args.gvisor.taint.key, value: args.gvisor.taint.value, effect: "NoSchedule" }],
        },
        sandboxClass,
      ),
    );
  }
  return { release, nodePools: pools, ready };
}

/** A policy's name as a name part: `EKSIntegration` -> `eks-integration`. */
function kebab(id: string): string {
  return id.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/([A-Z])([A-Z][a-z])/g, "$1-$2").toLowerCase();
}

