import * as pulumi from "@pulumi/pulumi";
import type { Platform, PresetName } from "../../infra/config/schema";
import { EcsCluster } from "../../infra/cluster/ecs";
import { EksCluster } from "../../infra/cluster/eks";
import { Network } from "../../infra/network/network";
import type { AgentServiceArgs } from "../agent-service/args";
import { DataTier } from "../data-tier";
import { LoadBalancer } from "../load-balancer";
import { MonitoringStack } from "../monitoring-stack";
import type { SandboxHostArgs } from "../sandbox-host";
import { type AgentPlatformArgs, normalizeAgentPlatformArgs } from "./args";

export { type AgentPlatformArgs, type AgentPlatformChildNames, DEFAULT_CHILD_NAMES } from "./args";
export { readSiteConfig, type SiteConfig } from "./site";

/** Where AgentService runs on this platform: spread it into the service's args. */
export type AgentPlacement = Required<Pick<AgentServiceArgs, "platform" | "preset">> & Pick<AgentServiceArgs, "cluster" | "ecsCluster">;

/** Where SandboxHost runs on this platform: spread it into the host's args. */
export type SandboxPlacement = Required<Pick<SandboxHostArgs, "platform" | "preset">> & Pick<SandboxHostArgs, "cluster" | "ecsCluster" | "monitoringNamespace" | "awsEndpoints">;

/**
 * The platform an agent app stands on, from a preset: on `eks` and `ecs` a VPC (Network), the
 * cluster (EksCluster or ECS Fargate), the HTTPS load balancer, the data tier (PostgreSQL with
 * pgvector and Redis) and the monitoring stack watching it; on `kubernetes` the load balancer's
 * ingresses, the in-cluster data tier and monitoring. Every arg and every child's args are checked
 * before the first resource is registered. AgentService and SandboxHost take `agentPlacement` and
 * `sandboxPlacement`, the data tier and the load balancer.
 *
 * The children keep the names (and, through aliases, the URNs) they had when the seed examples
 * built them by hand at the stack's root, so adopting the component replaces nothing; `names`
 * keeps other names (the reference stacks'). With `settings`, the validated stack config, every
 * child is sized from it; without, from the preset.
 *
 * @example
 * ```ts
 * const platform = new AgentPlatform("platform", { platform: "eks", preset: "prod", region: "us-east-1", cidr: "10.83.0.0/16", apiPrivateCidrs: ["10.83.0.0/16"], domain: "agents.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ", alertEmails: ["oncall@example.com"] });
 * new AgentService("app", { ...platform.agentPlacement, image, dataTier: platform.dataTier, loadBalancer: platform.loadBalancer, route: { priority: 100, pathPatterns: ["/*"] } });
 * ```
 */
export class AgentPlatform<WithData extends boolean = true> extends pulumi.ComponentResource {
  readonly platform: Platform;
  readonly preset: PresetName;
  /** The VPC (`eks`, `ecs`). */
  readonly network: Network | undefined;
  /** The EKS cluster (`eks`). */
  readonly cluster: EksCluster | undefined;
  /** The ECS Fargate cluster (`ecs`). */
  readonly ecsCluster: EcsCluster | undefined;
  readonly loadBalancer: LoadBalancer;
  /** PostgreSQL and Redis; undefined with `dataTier: false` (the type says so when the flag is a literal). */
  readonly dataTier: WithData extends false ? undefined : DataTier;
  readonly monitoring: MonitoringStack;
  /** The load balancer's public URL. */
  readonly url: pulumi.Output<string>;
  /** `platform`, `preset` and the cluster AgentService runs in. */
  readonly agentPlacement: AgentPlacement;
  /** `platform`, `preset`, the cluster SandboxHost runs in and what it needs there: the monitoring namespace (eks, kubernetes), the VPC endpoints (ecs). */
  readonly sandboxPlacement: SandboxPlacement;

  constructor(name: string, args: AgentPlatformArgs & { dataTier?: WithData }, opts: pulumi.ComponentResourceOptions = {}) {
    const config = normalizeAgentPlatformArgs(name, args);
    super("agentyard:components:AgentPlatform", name, {}, opts);
    const { platform, preset, names } = config;
    this.platform = platform;
    this.preset = preset;
    // The seed examples and the reference stacks built these at the stack's root before this component existed: the alias
    // carries their URNs (and, by Pulumi's inherited aliases, their children's) over, so nothing is replaced.
    // https://www.pulumi.com/docs/iac/operations/stack-management/refactoring-with-aliases/ ("wrapping
    // resources in a component: { parent: <root-stack> } on each child").
    const child: pulumi.ComponentResourceOptions = { parent: this, aliases: [{ parent: pulumi.rootStackResource }] };

    const network = config.network ? new Network(names.network, config.network, child) : undefined;
    const cluster =
      config.eks && network
        ? new EksCluster(names.cluster, { ...config.eks, vpcId: network.vpcId, privateSubnetIds: network.privateSubnetIds }, child)
        : undefined;
    const ecsCluster = config.ecs && network ? new EcsCluster(names.ecsCluster, { settings: config.ecs.settings, vpcId: network.vpcId, privateSubnetIds: network.privateSubnetIds }, child) : undefined;
    const wiring = network
      ? { vpcId: network.vpcId, publicSubnetIds: network.publicSubnetIds, privateSubnetIds: network.privateSubnetIds, isolatedSubnetIds: network.isolatedSubnetIds, workloadSecurityGroupIds: cluster ? [cluster.nodeSecurityGroupId] : [] }
      : {};
    const loadBalancer = new LoadBalancer(names.loadBalancer, config.loadBalancer(wiring), child);
    const dataTier = config.dataTier ? new DataTier(names.dataTier, config.dataTier(wiring), child) : undefined;
    const onCluster = cluster && config.clusterMonitoring ? { cluster, storageClassName: cluster.storageClassName } : {};
    const monitoring = new MonitoringStack(names.monitoring, { ...config.monitoring, dataTier, provider: cluster?.provider, ecsCluster, ...onCluster }, child);

    this.network = network;
    this.cluster = cluster;
    this.ecsCluster = ecsCluster;
    this.loadBalancer = loadBalancer;
    // Built exactly when args.dataTier is not false, which is what WithData records.
    this.dataTier = dataTier as WithData extends false ? undefined : DataTier;
    this.monitoring = monitoring;
    this.url = loadBalancer.url;
    this.agentPlacement = { platform, preset, cluster, ecsCluster };
    const awsEndpoints = network?.endpointSecurityGroupId ? { securityGroupId: network.endpointSecurityGroupId, s3PrefixListId: network.s3PrefixListId } : undefined;
    this.sandboxPlacement = ecsCluster ? { platform, preset, ecsCluster, awsEndpoints } : { platform, preset, cluster, monitoringNamespace: monitoring.namespace };
    this.registerOutputs({ url: this.url });
  }
}
