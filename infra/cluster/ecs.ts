import * as pulumi from "@pulumi/pulumi";
import * as ecs from "@pulumi/aws/ecs";
import * as servicediscovery from "@pulumi/aws/servicediscovery";
import type { EnvironmentSettings } from "../config/schema";
import { physicalName, standardTags } from "../naming";

const COMPONENT = "cluster";

export interface EcsClusterArgs {
  settings: EnvironmentSettings["cluster"];
  vpcId: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<string>[];
  /** Security group of the VPC's interface endpoints, when the network has them. */
  endpointSecurityGroupId?: pulumi.Input<string>;
}

/** Which capacity a service's tasks run on: FARGATE_SPOT for the preset's share, FARGATE for the rest. */
export function capacityStrategy(spotPercent: number): Array<{ capacityProvider: string; weight: number; base?: number }> {
  if (spotPercent >= 100) return [{ capacityProvider: "FARGATE_SPOT", weight: 1 }];
  if (spotPercent <= 0) return [{ capacityProvider: "FARGATE", weight: 1 }];
  // One on-demand task always (base), the rest split by weight.
  return [
    { capacityProvider: "FARGATE", weight: 100 - spotPercent, base: 1 },
    { capacityProvider: "FARGATE_SPOT", weight: spotPercent },
  ];
}

/**
 * An ECS cluster for Fargate: Container Insights, FARGATE and FARGATE_SPOT capacity providers,
 * and a Cloud Map namespace in which services find each other (and Prometheus finds them).
 */
export class EcsCluster extends pulumi.ComponentResource {
  readonly arn: pulumi.Output<string>;
  readonly name: pulumi.Output<string>;
  readonly namespaceId: pulumi.Output<string>;
  readonly namespaceName: pulumi.Output<string>;
  readonly settings: EnvironmentSettings["cluster"];
  readonly vpcId: pulumi.Input<string>;
  readonly privateSubnetIds: pulumi.Input<string>[];
  /** The FARGATE and FARGATE_SPOT providers' association: services naming them wait for it. */
  readonly capacityProviders: ecs.ClusterCapacityProviders;

  constructor(name: string, args: EcsClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("agentyard:infra:EcsCluster", name, {}, opts);
    const child = { parent: this };
    const cluster = new ecs.Cluster(
      `${name}-cluster`,
      {
        name: physicalName("ecsCluster", ["ecs"]),
        settings: [{ name: "containerInsights", value: "enabled" }],
        configuration: { executeCommandConfiguration: { logging: "DEFAULT" } },
        tags: standardTags(COMPONENT),
      },
      child,
    );
    this.capacityProviders = new ecs.ClusterCapacityProviders(
      `${name}-capacity`,
      { clusterName: cluster.name, capacityProviders: ["FARGATE", "FARGATE_SPOT"], defaultCapacityProviderStrategies: capacityStrategy(args.settings.fargateSpotPercent) },
      child,
    );
    const namespace = new servicediscovery.PrivateDnsNamespace(
      `${name}-namespace`,
      { name: `${physicalName("cloudMapNamespace", [])}.internal`, vpc: args.vpcId, description: "agentyard services", tags: standardTags(COMPONENT) },
      child,
    );
    this.arn = cluster.arn;
    this.name = cluster.name;
    this.namespaceId = namespace.id;
    this.namespaceName = namespace.name;
    this.settings = args.settings;
    this.vpcId = args.vpcId;
    this.privateSubnetIds = args.privateSubnetIds;
    this.registerOutputs({ arn: this.arn, name: this.name, namespaceName: this.namespaceName });
  }
}
