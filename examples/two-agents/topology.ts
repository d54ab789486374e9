// Someone else's topology, built from agentyard as a package: two agent services (a planner and a
// researcher) sharing one data tier and one sandbox, on ECS Fargate behind one load balancer.
import { AgentService, DataTier, EcsCluster, LoadBalancer, Network, PRESETS, SandboxHost } from "agentyard";

export function defineTopology() {
  const preset = "dev" as const;
  const network = new Network("net", { preset, cidr: "10.70.0.0/16", natGateways: "instance" });
  // Fargate Spot runs x86_64 tasks only: the dev preset's Spot share with its arm64 would place nothing.
  const cluster = new EcsCluster("fargate", { settings: { ...PRESETS.dev.cluster, architecture: "x86_64" }, vpcId: network.vpcId, privateSubnetIds: network.privateSubnetIds });
  const lb = new LoadBalancer("edge", { platform: "ecs", preset, vpcId: network.vpcId, publicSubnetIds: network.publicSubnetIds });
  const data = new DataTier("memory", {
    platform: "ecs",
    preset,
    vpcId: network.vpcId,
    isolatedSubnetIds: network.isolatedSubnetIds,
    privateSubnetIds: network.privateSubnetIds,
    embeddingDimensions: 1024,
  });
  const sandbox = new SandboxHost("exec", { platform: "ecs", preset, ecsCluster: cluster, settings: { maxConcurrent: 8 } });

  const shared = { platform: "ecs" as const, preset, ecsCluster: cluster, dataTier: data, sandbox, loadBalancer: lb };
  const planner = new AgentService("planner", { ...shared, image: "ghcr.io/acme/planner:2.3.0", route: { priority: 100, pathPatterns: ["/plan/*"] }, env: { MODEL: "large" } });
  const researcher = new AgentService("researcher", { ...shared, image: "ghcr.io/acme/researcher:1.8.1", route: { priority: 110, pathPatterns: ["/research/*"] }, settings: { maxReplicas: 4 } });
  return { url: lb.url, planner: planner.url, researcher: researcher.url, sandbox: sandbox.url };
}
