import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { PlannedResource } from "../cli/plan/engine";
import { gvisorUserData } from "../infra/cluster/gvisor-nodes";
import { KARPENTER_CHART, KARPENTER_DISCOVERY_TAG } from "../infra/cluster/karpenter";
import { INTERRUPTION_EVENT_PATTERNS, KARPENTER_SOURCE } from "../infra/cluster/karpenter-policy";
import { validateObject } from "./crd-schema";
import { waitsFor } from "./eks-graph";
import { type ResourceGraph, planStack } from "./harness";
import { EC2NODECLASS, NODEPOOL, unknownValueKeys } from "./karpenter-chart";

const T = {
  release: "kubernetes:helm.sh/v3:Release",
  nodePool: "kubernetes:karpenter.sh/v1:NodePool",
  nodeClass: "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
  policy: "aws:iam/policy:Policy",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  role: "aws:iam/role:Role",
  accessEntry: "aws:eks/accessEntry:AccessEntry",
  queue: "aws:sqs/queue:Queue",
  queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
  tag: "aws:ec2/tag:Tag",
  subnet: "aws:ec2/subnet:Subnet",
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  cluster: "aws:eks/cluster:Cluster",
};

/** The object as the API server gets it (apiVersion and kind are inputs of a CustomResource). */
const manifest = (r: PlannedResource) => r.inputs;
const spec = (r: PlannedResource) => r.inputs.spec as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe(`Karpenter ${KARPENTER_SOURCE.version} on the prod stack (with gVisor sandboxes)`, () => {
  let graph: ResourceGraph;
  let cluster: ResourceGraph;
  before(async () => {
    graph = await planStack("prod", { override: { "agentyard:sandbox": { gvisor: true } } });
    cluster = graph.within("agentyard:infra:EksCluster");
  });

  it("installs the pinned chart from Karpenter's OCI registry, with value keys the chart has (our record of its values.yaml)", () => {
    const release = cluster.get(T.release, "cluster-karpenter-release");
    assert.equal(release.inputs.chart, "oci://public.ecr.aws/karpenter/karpenter");
    assert.match(String(release.inputs.version), /^\d+\.\d+\.\d+$/, "a pinned version, not a range");
    assert.equal(release.inputs.version, KARPENTER_CHART.version);
    const values = release.inputs.values as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual(unknownValueKeys(values), []);
    const clusterName = String(cluster.ofType(T.cluster)[0].inputs.name);
    assert.equal(values.settings.clusterName, clusterName);
    assert.equal(values.settings.interruptionQueue, cluster.get(T.queue, "cluster-karpenter-interruption-queue").inputs.name);
    assert.equal(values.replicas, 2);
    assert.equal(values.serviceAccount.name, "karpenter");
    assert.match(values.serviceAccount.annotations["eks.amazonaws.com/role-arn"], /^arn:aws:iam::\d{12}:role\//);
  });

  it("detects a value key the chart does not have (the check can fail)", () => {
    assert.deepEqual(unknownValueKeys({ settings: { clusterName: "x", interuptionQueue: "typo" }, replica: 2, controller: { resources: { requests: { cpu: "1" } } } }), ["settings.interuptionQueue", "replica"]);
  });

  it("gives the controller's service account (kube-system/karpenter) a role with the six controller policies, scoped to this cluster, its node role and its queue", () => {
    const role = cluster.get(T.role, "cluster-karpenter-controller-role");
    const trust = JSON.parse(String(role.inputs.assumeRolePolicy));
    assert.deepEqual(Object.values(trust.Statement[0].Condition.StringEquals)[0], "system:serviceaccount:kube-system:karpenter");
    const policies = cluster.ofType(T.policy).filter((p) => p.name.startsWith("cluster-karpenter-"));
    assert.deepEqual(policies.map((p) => p.inputs.description).sort(), ["EKSIntegration", "IAMIntegration", "Interruption", "NodeLifecycle", "ResourceDiscovery", "ZonalShift"].map((id) => `Karpenter controller: ${id}Policy (upstream ${KARPENTER_SOURCE.tag})`));
    const attached = cluster.ofType(T.attachment).filter((a) => a.inputs.role === role.inputs.name || String(a.name).startsWith("cluster-karpenter-") && !a.name.includes("node-role"));
    assert.equal(attached.length, 6);
    const documents = policies.map((p) => String(p.inputs.policy));
    for (const d of documents) assert.doesNotMatch(d, /\$\{|undefined/, "every variable resolved");
    const statements = documents.flatMap((d) => JSON.parse(d).Statement as Array<{ Sid: string; Resource: string | string[]; Action: string | string[]; Condition?: object }>);
    for (const s of statements.filter((x) => x.Resource === "*" && !x.Condition)) {
      for (const action of [s.Action].flat()) assert.match(action, /:(Describe|Get|List)/, `${s.Sid}: only reads on any resource without a condition`);
    }
    const passRole = statements.find((s) => s.Sid === "AllowPassingInstanceRole");
    assert.ok(passRole, "iam:PassRole on the node role");
    assert.equal(passRole.Resource, cluster.get(T.role, "cluster-karpenter-node-role").outputs?.arn);
    const queueAccess = statements.find((s) => s.Sid === "AllowInterruptionQueueActions");
    assert.equal(queueAccess?.Resource, cluster.get(T.queue, "cluster-karpenter-interruption-queue").outputs?.arn);
    const clusterName = String(cluster.ofType(T.cluster)[0].inputs.name);
    assert.ok(documents.some((d) => d.includes(`"aws:ResourceTag/kubernetes.io/cluster/${clusterName}":"owned"`)), "scoped to this cluster's tag");
  });

  it("lets Karpenter's nodes join: their own role (no CNI policy: vpc-cni has its IRSA role) and an EC2_LINUX access entry", () => {
    const nodeRole = cluster.get(T.role, "cluster-karpenter-node-role");
    assert.equal(JSON.parse(String(nodeRole.inputs.assumeRolePolicy)).Statement[0].Principal.Service, "ec2.amazonaws.com");
    const managed = cluster.ofType(T.attachment).filter((a) => a.name.startsWith("cluster-karpenter-node-role-")).map((a) => String(a.inputs.policyArn).split("/").at(-1)).sort();
    assert.deepEqual(managed, ["AmazonEC2ContainerRegistryPullOnly", "AmazonEKSWorkerNodePolicy", "AmazonSSMManagedInstanceCore"]);
    const entry = cluster.get(T.accessEntry, "cluster-karpenter-node-access");
    assert.equal(entry.inputs.type, "EC2_LINUX");
    assert.equal(entry.inputs.principalArn, nodeRole.outputs?.arn);
  });

  it("feeds the interruption queue (SSE, 5 minutes, TLS only) from EventBridge rules for the five interruption events", () => {
    const queue = cluster.get(T.queue, "cluster-karpenter-interruption-queue");
    assert.equal(queue.inputs.messageRetentionSeconds, 300);
    assert.equal(queue.inputs.sqsManagedSseEnabled, true);
    const policy = JSON.parse(String(cluster.get(T.queuePolicy, "cluster-karpenter-interruption-queue-policy").inputs.policy));
    assert.ok(policy.Statement.some((s: { Effect: string; Condition?: { Bool?: Record<string, unknown> } }) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === false));
    const rules = cluster.ofType(T.rule).filter((r) => r.name.startsWith("cluster-karpenter-"));
    const patterns: Array<Record<string, string[]>> = Object.values(INTERRUPTION_EVENT_PATTERNS);
    assert.equal(rules.length, 5);
    assert.deepEqual(rules.map((r) => JSON.parse(String(r.inputs.eventPattern))).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))), patterns.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
    const detailTypes = patterns.flatMap((p) => p["detail-type"]);
    assert.ok(detailTypes.includes("EC2 Spot Instance Interruption Warning"));
    for (const target of cluster.ofType(T.target).filter((t) => t.name.startsWith("cluster-karpenter-"))) assert.equal(target.inputs.arn, queue.outputs?.arn);
  });

  it("tags every private subnet and the cluster security group for discovery, and the node classes select by that tag", () => {
    const clusterName = String(cluster.ofType(T.cluster)[0].inputs.name);
    const tags = cluster.ofType(T.tag).filter((t) => t.inputs.key === KARPENTER_DISCOVERY_TAG);
    const privateSubnets = graph.ofType(T.subnet).filter((s) => (s.inputs.tags as Record<string, string>).tier === "private");
    assert.equal(privateSubnets.length, 3);
    for (const subnet of privateSubnets) assert.ok(tags.some((t) => t.inputs.resourceId === subnet.outputs?.id && t.inputs.value === clusterName), `subnet ${subnet.name} tagged`);
    assert.ok(tags.some((t) => t.name === "cluster-karpenter-discovery-security-group"));
    for (const nodeClass of cluster.ofType(T.nodeClass)) {
      assert.deepEqual(spec(nodeClass).subnetSelectorTerms, [{ tags: { [KARPENTER_DISCOVERY_TAG]: clusterName } }]);
      assert.deepEqual(spec(nodeClass).securityGroupSelectorTerms, [{ tags: { [KARPENTER_DISCOVERY_TAG]: clusterName } }]);
      assert.equal(spec(nodeClass).role, cluster.get(T.role, "cluster-karpenter-node-role").outputs?.name ?? cluster.get(T.role, "cluster-karpenter-node-role").inputs.name);
      assert.equal(spec(nodeClass).metadataOptions.httpTokens, "required");
      assert.equal(spec(nodeClass).blockDeviceMappings[0].ebs.encrypted, true);
    }
  });

  it("validates every NodePool and EC2NodeClass against our transcription of the CRD schemas", () => {
    const objects = [...cluster.ofType(T.nodePool), ...cluster.ofType(T.nodeClass)];
    assert.equal(objects.length, 4);
    for (const r of objects) {
      const crd = r.type === T.nodePool ? NODEPOOL : EC2NODECLASS;
      assert.equal(r.inputs.apiVersion, crd.apiVersion);
      assert.equal(r.inputs.kind, crd.kind);
      assert.deepEqual(validateObject(manifest(r), crd), [], r.name);
    }
  });

  it("would catch a malformed NodePool (the schema check can fail)", () => {
    const pool = structuredClone(manifest(cluster.get(T.nodePool, "cluster-karpenter-general-node-pool"))) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    pool.spec.disruption.consolidationPolicy = "Sometimes";
    pool.spec.template.spec.expireAfterr = "720h";
    delete pool.spec.template.spec.nodeClassRef;
    const problems = validateObject(pool, NODEPOOL);
    assert.ok(problems.some((p) => p.includes("consolidationPolicy")), problems.join("\n"));
    assert.ok(problems.some((p) => p.includes("expireAfterr")));
    assert.ok(problems.some((p) => p.includes("nodeClassRef is required")));
  });

  it("creates the NodePools and EC2NodeClasses after the release that installs their CRDs", () => {
    const release = cluster.get(T.release, "cluster-karpenter-release");
    for (const r of [...cluster.ofType(T.nodePool), ...cluster.ofType(T.nodeClass)]) assert.ok(waitsFor(graph, r, release), `${r.name} waits for the release`);
    const general = graph.get(T.nodeGroup, "cluster-general-nodes");
    assert.ok(waitsFor(graph, release, general), "the controller runs on the managed node group");
  });

  it("consolidates and limits each pool; on-demand in prod; the gVisor pool tainted and labelled as the managed gVisor group, with its user data", () => {
    const general = spec(cluster.get(T.nodePool, "cluster-karpenter-general-node-pool"));
    assert.equal(general.disruption.consolidationPolicy, "WhenEmptyOrUnderutilized");
    assert.deepEqual(general.limits, { cpu: "48", memory: "192Gi" });
    const req = (s: Record<string, any>, key: string) => s.template.spec.requirements.find((r: { key: string }) => r.key === key)?.values; // eslint-disable-line @typescript-eslint/no-explicit-any
    assert.deepEqual(req(general, "karpenter.sh/capacity-type"), ["on-demand"]);
    assert.deepEqual(req(general, "kubernetes.io/arch"), ["amd64"]);
    const sandbox = spec(cluster.get(T.nodePool, "cluster-karpenter-sandbox-gvisor-node-pool"));
    const managed = graph.get(T.nodeGroup, "cluster-sandbox-nodes");
    assert.deepEqual(sandbox.template.spec.taints, [{ key: "agentyard.dev/sandbox", value: "gvisor", effect: "NoSchedule" }]);
    assert.deepEqual((managed.inputs.taints as Array<{ key: string; value: string }>).map((t) => [t.key, t.value]), [["agentyard.dev/sandbox", "gvisor"]]);
    for (const [k, v] of Object.entries(managed.inputs.labels as Record<string, string>)) assert.equal(sandbox.template.metadata.labels[k], v);
    const userData = spec(cluster.get(T.nodeClass, "cluster-karpenter-sandbox-gvisor-node-class")).userData;
    assert.equal(userData, gvisorUserData());
    assert.equal(Buffer.from(String(graph.get(T.launchTemplate, "cluster-sandbox-launch-template").inputs.userData), "base64").toString(), userData);
    assert.equal(spec(cluster.get(T.nodeClass, "cluster-karpenter-general-node-class")).userData, undefined);
  });
});

describe("Karpenter on the dev stack", () => {
  it("runs one controller replica and Graviton Spot with on-demand fallback, validated against the CRD schema", async () => {
    const graph = await planStack("dev");
    const values = graph.get(T.release, "cluster-karpenter-release").inputs.values as { replicas: number };
    assert.equal(values.replicas, 1);
    const pool = graph.get(T.nodePool, "cluster-karpenter-general-node-pool");
    const requirements = spec(pool).template.spec.requirements as Array<{ key: string; values: string[] }>;
    assert.deepEqual(requirements.find((r) => r.key === "karpenter.sh/capacity-type")?.values, ["spot", "on-demand"]);
    assert.deepEqual(requirements.find((r) => r.key === "kubernetes.io/arch")?.values, ["arm64"]);
    assert.deepEqual(validateObject(manifest(pool), NODEPOOL), []);
    assert.equal(graph.ofType(T.nodePool).length, 1, "no gVisor pool without sandbox.gvisor");
  });
});
