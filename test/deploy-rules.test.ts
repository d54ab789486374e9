import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as ecs from "@pulumi/aws/ecs";
import * as eks from "@pulumi/aws/eks";
import * as lb from "@pulumi/aws/lb";
import * as secretsmanager from "@pulumi/aws/secretsmanager";
import { getSecretVersionOutput } from "@pulumi/aws/secretsmanager/getSecretVersion";
import * as wafv2 from "@pulumi/aws/wafv2";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import * as apps from "@pulumi/kubernetes/apps/v1";
import * as autoscaling from "@pulumi/kubernetes/autoscaling/v2";
import * as core from "@pulumi/kubernetes/core/v1";
import * as helm from "@pulumi/kubernetes/helm/v3";
import * as storage from "@pulumi/kubernetes/storage/v1";
import type * as pulumi from "@pulumi/pulumi";
import { type DeployRule, DEPLOY_RULES, runDeployRules } from "../cli/rules";
import { eksSupportOn } from "../cli/rules/eks-version-support";
import { EKS_CALENDAR_SOURCE, EKS_VERSION_CALENDAR } from "../infra/cluster/eks-versions";
import { type ResourceGraph, planComponent, planStack } from "./harness";

const TODAY = "2026-12-02";
const rule = (id: string): DeployRule => {
  const found = DEPLOY_RULES.find((r) => r.id === id);
  if (!found) throw new Error(`no deploy rule ${id}`);
  return found;
};
/** The messages one rule reports on a graph, on a given day. */
const violations = (graph: ResourceGraph, id: string, today = TODAY) => runDeployRules(graph.resources, { today }, [rule(id)])[0].violations.map((v) => v.message);
const build = async (create: () => void) => (await planComponent(create)).graph;

const k8sWorkload = (replicas: number | undefined, opts: pulumi.CustomResourceOptions = {}) => {
  const deployment = new apps.Deployment(
    "web",
    {
      metadata: { name: "web", namespace: "apps" },
      spec: {
        replicas,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } },
      },
    },
    opts,
  );
  new autoscaling.HorizontalPodAutoscaler("web", {
    metadata: { name: "web", namespace: "apps" },
    spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name }, minReplicas: 3, maxReplicas: 10 },
  });
};

describe("deploy rules: each states its fact and source, and fails a graph that breaks it", () => {
  it("every rule has an id, a fact and an https source", () => {
    assert.ok(DEPLOY_RULES.length >= 9);
    assert.equal(new Set(DEPLOY_RULES.map((r) => r.id)).size, DEPLOY_RULES.length);
    for (const r of DEPLOY_RULES) {
      assert.match(r.source, /^https:\/\//, r.id);
      assert.ok(r.fact.length > 40, r.id);
    }
  });

  it("fails an ARM64 task definition placed on FARGATE_SPOT, passes it on FARGATE", async () => {
    const service = (provider: string) => () => {
      const task = new ecs.TaskDefinition("task", { family: "t", containerDefinitions: "[]", cpu: "256", memory: "512", requiresCompatibilities: ["FARGATE"], networkMode: "awsvpc", runtimePlatform: { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" } });
      new ecs.Service("svc", { cluster: "c", taskDefinition: task.arn, capacityProviderStrategies: [{ capacityProvider: provider, weight: 1 }] });
    };
    assert.match(violations(await build(service("FARGATE_SPOT")), "fargate-spot-x86-only").join("\n"), /FARGATE_SPOT but its task definition task is ARM64/);
    assert.deepEqual(violations(await build(service("FARGATE")), "fargate-spot-x86-only"), []);
  });

  it("fails an EKS version out of standard support, unless extended support is asked for and still lasts", async () => {
    const cluster = (version: string, supportType?: string) => () => {
      new eks.Cluster("k8s", { roleArn: "arn:aws:iam::123456789012:role/eks", version, upgradePolicy: supportType ? { supportType } : undefined, vpcConfig: { subnetIds: ["subnet-a"] } });
    };
    assert.match(violations(await build(cluster("1.33")), "eks-version-in-standard-support").join(""), /version 1\.33 left standard support on 2026-07-29.*in standard support on 2026-12-02: 1\.35/);
    // 1.34 leaves standard support today: the calendar's date is the first day out.
    assert.equal(violations(await build(cluster("1.34")), "eks-version-in-standard-support").length, 1);
    assert.deepEqual(violations(await build(cluster("1.35")), "eks-version-in-standard-support"), []);
    assert.deepEqual(violations(await build(cluster("1.33", "EXTENDED")), "eks-version-in-standard-support"), []);
    assert.match(violations(await build(cluster("1.33", "EXTENDED")), "eks-version-in-standard-support", "2027-07-29").join(""), /left extended support on 2027-07-29/);
    assert.match(violations(await build(cluster("1.99")), "eks-version-in-standard-support").join(""), /not in the support calendar/);
  });

  it("reads the EKS calendar as dated: each version 14 months standard, 12 extended", () => {
    for (const [version, v] of Object.entries(EKS_VERSION_CALENDAR)) {
      const months = (a: string, b: string) => (Number(b.slice(0, 4)) - Number(a.slice(0, 4))) * 12 + Number(b.slice(5, 7)) - Number(a.slice(5, 7));
      assert.equal(months(v.endOfStandardSupport, v.endOfExtendedSupport), 12, version);
    }
    assert.match(EKS_CALENDAR_SOURCE, /^https:\/\/docs\.aws\.amazon\.com\/eks\//);
    assert.equal(eksSupportOn("1.35", TODAY), "standard");
    assert.equal(eksSupportOn("1.33", TODAY), "extended");
    assert.equal(eksSupportOn("1.31", TODAY), "unsupported");
  });

  it("fails a volume claim with no storage class on EKS with no default class, and passes once a default exists or off EKS", async () => {
    const eksCluster = () => new eks.Cluster("k8s", { roleArn: "arn:aws:iam::123456789012:role/eks", version: "1.35", vpcConfig: { subnetIds: ["subnet-a"] } });
    const claim = () => new core.PersistentVolumeClaim("data", { metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } } });
    const chart = () => new helm.Release("prom", { chart: "kube-prometheus-stack", version: "81.6.2", values: { prometheus: { prometheusSpec: { storageSpec: { volumeClaimTemplate: { spec: { resources: { requests: { storage: "10Gi" } } } } } } } } });
    assert.equal(violations(await build(() => (eksCluster(), claim(), chart())), "volume-claims-name-a-class").length, 2);
    const withDefault = () => {
      eksCluster();
      claim();
      new storage.StorageClass("gp3", { metadata: { name: "gp3", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } }, provisioner: "ebs.csi.aws.com", parameters: { type: "gp3", encrypted: "true" } });
    };
    assert.deepEqual(violations(await build(withDefault), "volume-claims-name-a-class"), []);
    assert.deepEqual(violations(await build(claim), "volume-claims-name-a-class"), [], "kind and minikube ship a default class");
  });

  it("fails a Deployment that sets replicas under an HPA, unless updates ignore them", async () => {
    assert.match(violations(await build(() => k8sWorkload(3)), "hpa-owns-replicas").join(""), /sets spec\.replicas \(3\) and is scaled by the HPA web/);
    assert.deepEqual(violations(await build(() => k8sWorkload(3, { ignoreChanges: ["spec.replicas"] })), "hpa-owns-replicas"), []);
    assert.deepEqual(violations(await build(() => k8sWorkload(undefined)), "hpa-owns-replicas"), []);
  });

  it("fails a web ACL whose common rule set blocks bodies over 8 KB, passes it with SizeRestrictions_BODY counted", async () => {
    const acl = (overrides?: Array<{ name: string; actionToUse: { count: Record<string, never> } }>) => () =>
      new wafv2.WebAcl("waf", {
        scope: "REGIONAL",
        defaultAction: { allow: {} },
        visibilityConfig: { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: "waf" },
        rules: [{ name: "common", priority: 0, overrideAction: { none: {} }, statement: { managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet", ruleActionOverrides: overrides } }, visibilityConfig: { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName: "c" } }],
      });
    assert.match(violations(await build(acl()), "waf-allows-large-bodies").join(""), /rule common blocks bodies over 8 KB/);
    assert.deepEqual(violations(await build(acl([{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }])), "waf-allows-large-bodies"), []);
  });

  it("fails a fixed name on a replaceable resource, passes auto-naming, a prefix or deleteBeforeReplace", async () => {
    const tg = (args: Partial<lb.TargetGroupArgs>, opts: pulumi.CustomResourceOptions = {}) => () => new lb.TargetGroup("tg", { port: 8080, protocol: "HTTP", targetType: "ip", vpcId: "vpc-1", ...args }, opts);
    assert.match(violations(await build(tg({ name: "agentyard-prod-agents" })), "replaceable-resources-not-fixed-names").join(""), /fixed name "agentyard-prod-agents"/);
    assert.deepEqual(violations(await build(tg({})), "replaceable-resources-not-fixed-names"), []);
    assert.deepEqual(violations(await build(tg({ namePrefix: "agt-" })), "replaceable-resources-not-fixed-names"), []);
    assert.deepEqual(violations(await build(tg({ name: "fixed" }, { deleteBeforeReplace: true })), "replaceable-resources-not-fixed-names"), []);
  });

  it("fails an ECS service that does not wait for its listener rule and the cluster's capacity providers", async () => {
    const topology = (wait: boolean) => () => {
      const capacity = new ecs.ClusterCapacityProviders("cap", { clusterName: "c", capacityProviders: ["FARGATE"] });
      const tg = new lb.TargetGroup("tg", { port: 8080, protocol: "HTTP", targetType: "ip", vpcId: "vpc-1" });
      const rule = new lb.ListenerRule("rule", { listenerArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/x/1/2", priority: 10, actions: [{ type: "forward", targetGroupArn: tg.arn }], conditions: [{ pathPattern: { values: ["/*"] } }] });
      new ecs.Service(
        "svc",
        { cluster: "c", taskDefinition: "td", capacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1 }], loadBalancers: [{ targetGroupArn: tg.arn, containerName: "app", containerPort: 8080 }] },
        { dependsOn: wait ? [rule, capacity] : [] },
      );
    };
    const found = violations(await build(topology(false)), "ecs-service-after-listener-rule-and-capacity");
    assert.equal(found.length, 2);
    assert.match(found.join("\n"), /does not wait for the listener rule that forwards to it \(rule\)/);
    assert.match(found.join("\n"), /does not wait for the cluster's ClusterCapacityProviders/);
    assert.deepEqual(violations(await build(topology(true)), "ecs-service-after-listener-rule-and-capacity"), []);
  });

  it("fails a custom resource that does not wait for the release installing its CRD", async () => {
    const topology = (wait: boolean) => () => {
      const release = new helm.Release("prom", { chart: "kube-prometheus-stack", version: "81.6.2" });
      new apiextensions.CustomResource("monitor", { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "m" }, spec: {} }, { dependsOn: wait ? [release] : [] });
    };
    assert.match(violations(await build(topology(false)), "custom-resources-after-their-crd").join(""), /monitoring\.coreos\.com\) that waits for no Helm release/);
    assert.deepEqual(violations(await build(topology(true)), "custom-resources-after-their-crd"), []);
  });

  it("fails a reader of a secret that does not wait for the secret's value", async () => {
    const topology = (byVersion: boolean) => () => {
      const secret = new secretsmanager.Secret("s", { name: "s" });
      const value = new secretsmanager.SecretVersion("v", { secretId: secret.id, secretString: "x" });
      const read = getSecretVersionOutput({ secretId: byVersion ? value.arn : secret.arn });
      new core.Secret("copy", { metadata: { name: "copy" }, stringData: { value: read.secretString } });
    };
    assert.match(violations(await build(topology(false)), "secret-readers-after-value").join(""), /reads secret s but does not wait for its value \(v\)/);
    assert.deepEqual(violations(await build(topology(true)), "secret-readers-after-value"), []);
  });
});

describe("deploy rules on the shipped stacks (with an agent, so routes and secrets exist)", () => {
  const agent = { "agentyard:agents": { image: "ghcr.io/acme/agent:1.0.0" } };
  const graphs = new Map<string, ResourceGraph>();
  before(async () => {
    for (const stack of ["dev", "dev-ecs", "staging", "prod", "prod-ecs", "local"]) graphs.set(stack, await planStack(stack, { override: agent }));
  });
  const failed = (stack: string) =>
    runDeployRules((graphs.get(stack) as ResourceGraph).resources, { today: TODAY })
      .filter((r) => !r.passed)
      .map((r) => `${r.id}: ${r.violations.map((v) => v.message).join("; ")}`);

  for (const stack of ["dev", "dev-ecs", "staging", "prod", "prod-ecs", "local"]) {
    it(`${stack} passes every deploy rule`, () => assert.deepEqual(failed(stack), []));
  }

  it("orders ECS services after their listener rule and the capacity providers", () => {
    const graph = graphs.get("prod-ecs") as ResourceGraph;
    const service = graph.get("aws:ecs/service:Service", "agents-service");
    const rule = graph.get("aws:lb/listenerRule:ListenerRule", "public-agents");
    const capacity = graph.get("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "ecs-capacity");
    assert.ok(service.dependencies.includes(rule.urn), "the agents' service waits for its listener rule");
    for (const name of ["agents-service", "sandbox-service", "monitoring-collector-service"]) {
      assert.ok(graph.get("aws:ecs/service:Service", name).dependencies.includes(capacity.urn), `${name} waits for the capacity providers`);
    }
  });

  it("runs the schema bootstrap after the database and the app secret's value", () => {
    for (const stack of ["prod", "prod-ecs"]) {
      const graph = graphs.get(stack) as ResourceGraph;
      const run = graph.get("aws:lambda/invocation:Invocation", "data-db-bootstrap-run");
      assert.ok(run.dependencies.includes(graph.get("aws:rds/instance:Instance", "data-db").urn), stack);
      assert.ok(run.dependencies.includes(graph.get("aws:secretsmanager/secretVersion:SecretVersion", "data-db-app-secret-value").urn), stack);
    }
  });

  it("creates the monitoring custom resources after the kube-prometheus-stack release", () => {
    const graph = graphs.get("prod") as ResourceGraph;
    const release = graph.get("kubernetes:helm.sh/v3:Release", "monitoring-kube-prometheus-stack");
    for (const type of ["kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "kubernetes:monitoring.coreos.com/v1:PrometheusRule"]) {
      for (const cr of graph.ofType(type)) assert.ok(cr.dependencies.includes(release.urn), `${cr.name} waits for the release`);
    }
    const binding = graph.ofType("kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding");
    assert.equal(binding.length, 1);
    const controller = graph.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && JSON.stringify(r.inputs).includes("aws-load-balancer-controller"));
    assert.ok(controller && binding[0].dependencies.includes(controller.urn), "the TargetGroupBinding waits for the Load Balancer Controller's release");
  });

  it("fills the agents' Kubernetes Secret only after the data tier has written its secrets' values", () => {
    const graph = graphs.get("prod") as ResourceGraph;
    const secret = graph.get("kubernetes:core/v1:Secret", "agents-secrets");
    for (const value of ["data-db-app-secret-value", "data-cache-secret-value"]) {
      assert.ok(secret.dependencies.includes(graph.get("aws:secretsmanager/secretVersion:SecretVersion", value).urn), value);
    }
  });
});
