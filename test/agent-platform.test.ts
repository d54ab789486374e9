import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { AgentPlatform, type AgentPlatformArgs } from "../components/agent-platform";
import { AgentService } from "../components/agent-service";
import { SandboxHost } from "../components/sandbox-host";
import { parseStackConfig } from "../infra/config/load";
import { ConfigError } from "../infra/config/problems";
import { type ResourceGraph, planComponent } from "./harness";

const PLATFORM = "agentyard:components:AgentPlatform";
const SITE = { region: "us-east-1", domain: "agents.example.com", hostedZoneId: "Z0EXAMPLEREPLACEME00", alertEmails: ["oncall@example.com"], apiPrivateCidrs: ["10.90.0.0/16"] };

/** The components directly under the platform, as `type name`. */
function partsOf(graph: ResourceGraph): string[] {
  const platform = graph.ofType(PLATFORM)[0];
  return graph
    .childrenOf(platform)
    .map((r) => `${r.type.split(":").pop()} ${r.name}`)
    .sort();
}

const resolve = <T>(value: pulumi.Output<T>): Promise<T> => new Promise((done) => value.apply(done));

describe("AgentPlatform: the platform an agent app stands on, from a preset", () => {
  describe("on eks", () => {
    let graph: ResourceGraph;
    let platform: AgentPlatform;
    before(async () => {
      ({ graph, result: platform } = await planComponent(() => new AgentPlatform("platform", { platform: "eks", preset: "prod", cidr: "10.90.0.0/16", ...SITE }), { stack: "prod" }));
    });

    it("creates the network, the EKS cluster, the load balancer, the data tier and monitoring, under itself", () => {
      assert.deepEqual(partsOf(graph), ["DataTier data", "EksCluster cluster", "LoadBalancer edge", "MonitoringStack monitoring", "Network net"]);
      assert.equal(graph.get("aws:ec2/vpc:Vpc", "net-vpc").inputs.cidrBlock, "10.90.0.0/16");
    });

    it("keeps the EKS API private to the given networks and serves HTTPS on the site's domain", () => {
      const cluster = graph.get("aws:eks/cluster:Cluster", "cluster-cluster").inputs.vpcConfig as { endpointPublicAccess: boolean };
      assert.equal(cluster.endpointPublicAccess, false);
      assert.ok(graph.ofType("aws:acm/certificate:Certificate").some((c) => c.inputs.domainName === "agents.example.com"));
    });

    it("hands monitoring the cluster: Alertmanager, the trace collector and container logs get their IAM roles", () => {
      const roles = graph.ofType("aws:iam/role:Role").map((r) => r.name);
      for (const role of ["monitoring-alertmanager-role", "monitoring-otel-collector-role", "monitoring-cloudwatch-agent-role"]) assert.ok(roles.includes(role), role);
    });

    it("gives the children the URNs they had at the stack's root (aliases), and so their children theirs", async () => {
      const network = platform.network;
      assert.ok(network);
      // What the seed examples' hand-built platform registered: Network "net" at the stack's root, its
      // VPC under it. Pulumi derives a child's aliases from its parent's (the SDK's allAliases, as it
      // registers the VPC): the old VPC URN is among them only if the network's alias is its old URN.
      const vpcAliases = await Promise.all(pulumi.allAliases([], "net-vpc", "aws:ec2/vpc:Vpc", network, "net").map(resolve));
      assert.ok(vpcAliases.includes("urn:pulumi:prod::agentyard::agentyard:infra:Network$aws:ec2/vpc:Vpc::net-vpc"), vpcAliases.join(", "));
    });
  });

  it("with clusterMonitoring: false, as the seed examples were first built, gives monitoring no IAM role on eks", async () => {
    const { graph } = await planComponent(() => new AgentPlatform("platform", { platform: "eks", preset: "prod", ...SITE, clusterMonitoring: false }), { stack: "prod" });
    assert.deepEqual(graph.ofType("aws:iam/role:Role").filter((r) => r.name.startsWith("monitoring-")).map((r) => r.name), []);
  });

  it("sizes every child from the validated config's settings when given, the args over them", async () => {
    const raw = { "agentyard:platform": "ecs", "agentyard:preset": "dev", "agentyard:cluster": JSON.stringify({ architecture: "x86_64" }), "agentyard:database": JSON.stringify({ instanceClass: "db.t4g.large" }), "agentyard:network": JSON.stringify({ azCount: 3 }), "aws:region": "us-east-1" };
    const { settings } = parseStackConfig(raw, { project: "agentyard", stack: "dev" });
    const { graph } = await planComponent(() => new AgentPlatform("platform", { platform: "ecs", preset: "dev", settings, cidr: "10.91.0.0/16" }), { stack: "dev" });
    assert.equal(graph.get("aws:rds/instance:Instance", "data-db").inputs.instanceClass, "db.t4g.large");
    assert.equal(graph.ofType("aws:ec2/subnet:Subnet").filter((s) => s.name.startsWith("net-public-")).length, 3);
    assert.equal(graph.get("aws:ec2/vpc:Vpc", "net-vpc").inputs.cidrBlock, "10.91.0.0/16");
  });

  it("on ecs creates an ECS Fargate cluster instead of EKS", async () => {
    const { graph } = await planComponent(() => new AgentPlatform("platform", { platform: "ecs", preset: "staging", ...SITE }), { stack: "staging" });
    assert.deepEqual(partsOf(graph), ["DataTier data", "EcsCluster fargate", "LoadBalancer edge", "MonitoringStack monitoring", "Network net"]);
    assert.equal(graph.ofType("aws:eks/cluster:Cluster").length, 0);
  });

  it("on kubernetes creates no VPC and no cluster: ingresses, the in-cluster data tier and monitoring", async () => {
    const { graph } = await planComponent(() => new AgentPlatform("platform", { platform: "kubernetes", preset: "dev" }), { stack: "dev" });
    assert.deepEqual(partsOf(graph), ["DataTier data", "LoadBalancer edge", "MonitoringStack monitoring"]);
    assert.equal(graph.resources.filter((r) => r.type.startsWith("aws:")).length, 0);
  });

  it("leaves the data tier out with dataTier: false, and takes other child names for a stack that used them", async () => {
    const { graph } = await planComponent(() => new AgentPlatform("platform", { platform: "ecs", preset: "staging", ...SITE, dataTier: false, names: { network: "network", loadBalancer: "public" } }), { stack: "staging" });
    assert.deepEqual(partsOf(graph), ["EcsCluster fargate", "LoadBalancer public", "MonitoringStack monitoring", "Network network"]);
  });

  it("stops a bad config before any resource, naming every problem at once", async () => {
    const bad: AgentPlatformArgs = { platform: "eks", preset: "prod", cidr: "10.90.0.0/8", domain: "agents.example.com", hostedZoneId: "Z0EXAMPLEREPLACEME00" };
    const { graph, result } = await planComponent(() => {
      try {
        return new AgentPlatform("platform", bad);
      } catch (error) {
        return error;
      }
    });
    assert.equal(graph.resources.length, 0);
    assert.ok(result instanceof ConfigError, String(result));
    const keys = result.problems.map((p) => p.key).join(" ");
    // The CIDR (Network), the API's access and region (the cluster), no alert receiver in prod (MonitoringStack).
    for (const key of ["cidr", "apiPrivateCidrs", "region", "alerts"]) assert.match(keys, new RegExp(key), keys);
  });

  describe("what AgentService and SandboxHost stand on", () => {
    it("on eks: the service routes on the platform's ALB with data-tier access, the sandbox runs in its cluster", async () => {
      const { graph } = await planComponent(
        () => {
          const p = new AgentPlatform("platform", { platform: "eks", preset: "prod", cidr: "10.90.0.0/16", ...SITE });
          const sandbox = new SandboxHost("sandbox", { ...p.sandboxPlacement });
          new AgentService("app", { ...p.agentPlacement, image: "ghcr.io/acme/app:1.0.0", dataTier: p.dataTier, sandbox, loadBalancer: p.loadBalancer, route: { priority: 100, pathPatterns: ["/*"] } });
        },
        { stack: "prod" },
      );
      assert.equal(graph.ofType("aws:lb/listenerRule:ListenerRule").length, 1);
      const ingress = graph.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.name);
      assert.ok(ingress.some((n) => n.startsWith("data-db-")), ingress.join(", "));
      assert.ok(graph.ofType("kubernetes:apps/v1:Deployment").some((d) => d.name.startsWith("sandbox")));
    });

    it("on ecs: both run as Fargate services in the platform's ECS cluster", async () => {
      const { graph } = await planComponent(
        () => {
          const p = new AgentPlatform("platform", { platform: "ecs", preset: "staging", ...SITE });
          const sandbox = new SandboxHost("sandbox", { ...p.sandboxPlacement });
          new AgentService("app", { ...p.agentPlacement, image: "ghcr.io/acme/app:1.0.0", dataTier: p.dataTier, sandbox, loadBalancer: p.loadBalancer, route: { priority: 100, pathPatterns: ["/*"] } });
        },
        { stack: "staging" },
      );
      const clusterArn = graph.get("aws:ecs/cluster:Cluster", "fargate-cluster").urn;
      const services = graph.ofType("aws:ecs/service:Service");
      assert.equal(services.length, 2);
      for (const s of services) assert.ok(s.dependencies.includes(clusterArn), `${s.name} is not in the platform's cluster`);
    });
  });
});
