import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { evaluate } from "../cli/plan/engine";
import { readStackFile, toConfigMap } from "../cli/plan/stack-file";
import { CLUSTER_CHARTS } from "../infra/cluster/eks";
import { EKS_VERSION_CALENDAR, eksSupportStatus, utcDay } from "../infra/cluster/eks-versions";
import { LB_CONTROLLER_CLUSTER_TAG, LB_CONTROLLER_POLICY_SOURCE } from "../infra/cluster/lb-controller-policy";
import { DEFAULT_STORAGE_CLASS } from "../infra/cluster/storage-class";
import { estimateCost } from "../cli/cost/estimate";
import { program } from "../stacks/program";
import { type ResourceGraph, planStack } from "./harness";
import { waitsFor } from "./eks-graph";

const T = {
  cluster: "aws:eks/cluster:Cluster",
  addon: "aws:eks/addon:Addon",
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
  oidc: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  role: "aws:iam/role:Role",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  release: "kubernetes:helm.sh/v3:Release",
  storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
  accessEntry: "aws:eks/accessEntry:AccessEntry",
  accessPolicy: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  provider: "pulumi:providers:kubernetes",
};

const addon = (graph: ResourceGraph, name: string) => {
  const found = graph.ofType(T.addon).find((a) => a.inputs.addonName === name);
  if (!found) throw new Error(`no EKS add-on ${name}`);
  return found;
};
const addonNames = (graph: ResourceGraph) => graph.ofType(T.addon).map((a) => String(a.inputs.addonName));

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: unknown;
}
const actions = (policy: { Statement: Statement[] }) => new Set(policy.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));

/** Evaluates a shipped stack and resolves its outputs, as `pulumi up` would print them. */
async function stackOutputs(stack: string, override: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const file = readStackFile(stack);
  const extra = toConfigMap(override, file.project);
  const { result } = await evaluate(program, { project: file.project, stack, config: { ...file.config, ...extra.config }, secretKeys: [...file.secretKeys] });
  const resolved: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result)) {
    resolved[key] = value && typeof value === "object" && "apply" in value ? await new Promise((r) => (value as pulumi.Output<unknown>).apply(r)) : value;
  }
  return resolved;
}

describe("the EKS cluster of the prod stack, in the order AWS needs it", () => {
  let graph: ResourceGraph;
  before(async () => {
    graph = await planStack("prod", { override: { "agentyard:sandbox": { gvisor: true } } });
  });

  it("creates vpc-cni, with its IRSA role holding AmazonEKS_CNI_Policy, right after the cluster and the OIDC provider", () => {
    const cni = addon(graph, "vpc-cni");
    const cluster = graph.get(T.cluster, "cluster-cluster");
    const oidc = graph.ofType(T.oidc)[0];
    assert.ok(waitsFor(graph, cni, cluster), "vpc-cni waits for the cluster");
    assert.ok(waitsFor(graph, cni, oidc), "vpc-cni waits for the OIDC provider its role trusts");
    const role = graph.get(T.role, "cluster-vpc-cni-role");
    const trust = JSON.parse(String(role.inputs.assumeRolePolicy)) as { Statement: Array<{ Condition: { StringEquals: Record<string, string> } }> };
    assert.ok(Object.values(trust.Statement[0].Condition.StringEquals).includes("system:serviceaccount:kube-system:aws-node"));
    assert.ok(cni.dependencies.includes(role.urn), "the add-on's service account role is this role");
    assert.match(String(cni.inputs.serviceAccountRoleArn), /^arn:aws:iam::\d{12}:role\/.*eks-vpc-cni/);
    const policy = graph.get(T.attachment, "cluster-vpc-cni-policy");
    assert.equal(policy.inputs.policyArn, "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy");
    assert.ok(waitsFor(graph, cni, policy), "aws-node starts with the policy already attached");
  });

  it("makes every node group (general and gVisor) wait for vpc-cni, and vpc-cni wait for no node", () => {
    const cni = addon(graph, "vpc-cni");
    const groups = graph.ofType(T.nodeGroup);
    assert.deepEqual(groups.map((g) => g.name).sort(), ["cluster-general-nodes", "cluster-sandbox-nodes"]);
    for (const group of groups) {
      assert.ok(waitsFor(graph, group, cni), `${group.name} waits for vpc-cni`);
      assert.ok(!waitsFor(graph, cni, group), `vpc-cni must not wait for ${group.name}`);
    }
  });

  it("creates the add-ons that run Deployments (coredns, EBS CSI controller, CloudWatch observability) after the nodes they run on", () => {
    const general = graph.get(T.nodeGroup, "cluster-general-nodes");
    assert.deepEqual(addonNames(graph).sort(), ["amazon-cloudwatch-observability", "aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]);
    for (const name of ["coredns", "aws-ebs-csi-driver", "amazon-cloudwatch-observability"]) assert.ok(waitsFor(graph, addon(graph, name), general), name);
    assert.ok(waitsFor(graph, addon(graph, "aws-ebs-csi-driver"), graph.get(T.attachment, "cluster-ebs-csi-policy")));
  });

  it("makes an encrypted gp3 StorageClass the default, after the EBS CSI add-on, and Prometheus names it", () => {
    const sc = graph.get(T.storageClass, "cluster-default-storage-class");
    const metadata = sc.inputs.metadata as { name: string; annotations: Record<string, string> };
    assert.equal(metadata.name, DEFAULT_STORAGE_CLASS);
    assert.equal(metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
    assert.equal(sc.inputs.provisioner, "ebs.csi.aws.com");
    assert.deepEqual([(sc.inputs.parameters as Record<string, string>).type, (sc.inputs.parameters as Record<string, string>).encrypted], ["gp3", "true"]);
    assert.deepEqual([sc.inputs.volumeBindingMode, sc.inputs.allowVolumeExpansion], ["WaitForFirstConsumer", true]);
    assert.equal(sc.options.deleteBeforeReplace, true, "a fixed name: replaced by delete first");
    assert.ok(waitsFor(graph, sc, addon(graph, "aws-ebs-csi-driver")), "after the EBS CSI add-on");

    const prometheus = graph.get(T.release, "monitoring-kube-prometheus-stack");
    const values = prometheus.inputs.values as { prometheus: { prometheusSpec: { storageSpec: { volumeClaimTemplate: { spec: { storageClassName?: string } } } } } };
    assert.equal(values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName, DEFAULT_STORAGE_CLASS);
    assert.ok(waitsFor(graph, prometheus, sc), "the release waits for the class its claim names");
  });

  it("keeps prod's API endpoint private and admits its runner's network on 443 to the cluster security group", () => {
    const vpc = graph.get(T.cluster, "cluster-cluster").inputs.vpcConfig as Record<string, unknown>;
    assert.deepEqual([vpc.endpointPrivateAccess, vpc.endpointPublicAccess, vpc.publicAccessCidrs], [true, false, undefined]);
    const rule = graph.get(T.ingress, "cluster-api-from-private-1");
    assert.deepEqual([rule.inputs.cidrIpv4, rule.inputs.ipProtocol, rule.inputs.fromPort, rule.inputs.toPort], ["10.40.0.0/19", "tcp", 443, 443]);
    assert.match(String(rule.inputs.securityGroupId), /^sg-/);
  });

  it("signs the provider's tokens for the stack's region, whatever the deployer's default region", () => {
    const provider = graph.get(T.provider, "cluster-provider");
    const kubeconfig = JSON.parse(String(provider.inputs.kubeconfig)) as { users: Array<{ user: { exec: { args: string[] } } }> };
    const args = kubeconfig.users[0].user.exec.args;
    assert.deepEqual(args.slice(0, 4), ["eks", "get-token", "--region", "us-east-1"]);
  });

  it("gives the Load Balancer Controller what it calls, and changes or deletes only what it created (the cluster tag)", () => {
    const attached = JSON.parse(String(graph.get(T.rolePolicy, "cluster-lb-controller-policy").inputs.policy)) as { Version: string; Statement: Statement[] };
    assert.equal(attached.Version, "2012-10-17");
    // The actions the hand-written policy lacked (issue #16): listener attributes, WAF and Shield association, tag on create.
    const elb = (action: string) => `elasticloadbalancing:${action}`;
    for (const action of [elb("DescribeListenerAttributes"), elb("ModifyListenerAttributes"), "wafv2:AssociateWebACL", "shield:CreateProtection", elb("AddTags")]) {
      assert.ok(actions(attached).has(action), action);
    }
    const grants = (action: string) => attached.Statement.filter((st) => [st.Action].flat().includes(action));
    const owned = { Null: { [`aws:ResourceTag/${LB_CONTROLLER_CLUSTER_TAG}`]: "false" } };
    for (const action of [elb("DeleteLoadBalancer"), elb("DeleteTargetGroup"), "ec2:DeleteSecurityGroup", elb("ModifyLoadBalancerAttributes")]) {
      assert.deepEqual(grants(action).map((st) => st.Condition), [owned], `${action} only on what carries the cluster tag`);
    }
    for (const action of [elb("CreateLoadBalancer"), elb("CreateTargetGroup")]) {
      assert.deepEqual(grants(action).map((st) => st.Condition), [{ Null: { [`aws:RequestTag/${LB_CONTROLLER_CLUSTER_TAG}`]: "false" } }], `${action} only with the cluster tag`);
    }
    // Nothing may remove the cluster tag from what it marks (that would take a resource out of the controller's scope).
    for (const st of grants("ec2:DeleteTags").concat(grants(elb("RemoveTags")))) {
      const nulls = (st.Condition as { Null?: Record<string, string> } | undefined)?.Null;
      if (nulls) assert.equal(nulls[`aws:RequestTag/${LB_CONTROLLER_CLUSTER_TAG}`], "true");
      else assert.ok([st.Resource].flat().every((r) => String(r).includes(":listener")), "untagged only on listeners and rules");
    }
  });

  it("pins the controller chart whose appVersion is the policy's source version", () => {
    // Since chart 3.0.0 the chart's version is the controller's (helm/aws-load-balancer-controller/Chart.yaml: version 3.5.0, appVersion v3.5.0).
    assert.equal(`v${CLUSTER_CHARTS.loadBalancerController.version}`, LB_CONTROLLER_POLICY_SOURCE.version);
    assert.match(LB_CONTROLLER_POLICY_SOURCE.url, new RegExp(`/blob/${LB_CONTROLLER_POLICY_SOURCE.version}/docs/install/iam_policy\\.json$`));
    const release = graph.get(T.release, "cluster-lb-controller");
    assert.equal(release.inputs.version, "3.5.0");
    const values = release.inputs.values as { region: string; controllerConfig: { featureGates: Record<string, boolean> } };
    assert.equal(values.region, "us-east-1");
    assert.deepEqual(values.controllerConfig.featureGates, { ALBGatewayAPI: false, NLBGatewayAPI: false, GatewayListenerSet: false });
  });

  it("runs Kubernetes 1.35 on the STANDARD upgrade policy", () => {
    const cluster = graph.get(T.cluster, "cluster-cluster");
    assert.deepEqual([cluster.inputs.version, cluster.inputs.upgradePolicy], ["1.35", { supportType: "STANDARD" }]);
  });
});

describe("who may deploy to the EKS cluster", () => {
  it("gives a public endpoint only to the CIDRs of cluster.endpointAccess (dev)", async () => {
    const graph = await planStack("dev");
    const vpc = graph.get(T.cluster, "cluster-cluster").inputs.vpcConfig as Record<string, unknown>;
    assert.deepEqual([vpc.endpointPrivateAccess, vpc.endpointPublicAccess, vpc.publicAccessCidrs], [true, true, ["203.0.113.0/24"]]);
    assert.equal(graph.ofType(T.ingress).filter((r) => r.name.startsWith("cluster-api-from-private")).length, 0);
  });

  it("gives the CI preview role its own access entry with cluster-admin, after the cluster", async () => {
    const ci = "arn:aws:iam::123456789012:role/github-preview";
    const graph = await planStack("staging", { override: { "agentyard:cluster": { endpointAccess: { publicCidrs: ["203.0.113.0/24"] }, ciRoleArn: ci } } });
    const entry = graph.get(T.accessEntry, "cluster-ci");
    assert.deepEqual([entry.inputs.principalArn, entry.inputs.type], [ci, "STANDARD"]);
    const association = graph.get(T.accessPolicy, "cluster-ci-policy");
    assert.equal(association.inputs.policyArn, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy");
    assert.ok(waitsFor(graph, association, entry));
    assert.ok(waitsFor(graph, entry, graph.get(T.cluster, "cluster-cluster")));
  });

  it("prints a kubeconfig command with --region, and --role-arn of the first admin role when there is one", async () => {
    const plain = await stackOutputs("dev");
    assert.equal(plain.kubeconfigCommand, "aws eks update-kubeconfig --region us-east-1 --name agentyard-dev-eks");
    const admin = "arn:aws:iam::123456789012:role/platform-admin";
    const withAdmin = await stackOutputs("dev", { "agentyard:cluster": { endpointAccess: { publicCidrs: ["203.0.113.0/24"] }, adminRoleArns: [admin] } });
    assert.equal(withAdmin.kubeconfigCommand, `aws eks update-kubeconfig --region us-east-1 --name agentyard-dev-eks --role-arn ${admin}`);
  });
});

describe("the control plane's price by upgrade policy", () => {
  it("costs $0.10 an hour on STANDARD, and $0.60 on EXTENDED once the version is past standard support", async () => {
    const standard = await planStack("staging");
    const line = (g: ResourceGraph) => estimateCost(g.resources, "us-east-1", { natGbPerGateway: 0, albLcus: 0, logGbPerGroup: 0, wafMillionRequests: 0, ecrGbPerRepository: 0, ampMillionSamples: 0, backupGbPerVault: 0, backupCopyGbPerMonth: 0 }).lines.find((l) => l.type === T.cluster);
    assert.equal(line(standard)?.monthlyUsd, 73);

    const today = utcDay();
    const aged = Object.keys(EKS_VERSION_CALENDAR).find((v) => eksSupportStatus(v, today) === "extended");
    assert.ok(aged, `the calendar lists no version in extended support on ${today}: add its newer rows`);
    const extended = await planStack("staging", { override: { "agentyard:cluster": { endpointAccess: { publicCidrs: ["203.0.113.0/24"] }, version: aged, supportType: "EXTENDED" } } });
    assert.deepEqual(extended.get(T.cluster, "cluster-cluster").inputs.upgradePolicy, { supportType: "EXTENDED" });
    assert.equal(line(extended)?.monthlyUsd, 438);
    assert.match(String(line(extended)?.basis), /extended support/);
  });
});
