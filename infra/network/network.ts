import * as pulumi from "@pulumi/pulumi";
import * as cloudwatch from "@pulumi/aws/cloudwatch";
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import { getAvailabilityZonesOutput } from "@pulumi/aws/getAvailabilityZones";
import { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
import { getRegionOutput } from "@pulumi/aws/getRegion";
import { ConfigError } from "../config/problems";
import { type NAT_MODES, type PresetName, networkSection } from "../config/schema";
import { zodProblems } from "../config/zod-problems";
import { PRESETS } from "../../infra/config/presets";
import { namedTags, standardTags } from "../naming";
import { applyTransform, type Transform } from "../transform";
import { INTERFACE_ENDPOINT_SERVICES, endpointSlug } from "./endpoints";
import { subnetLayout } from "./layout";
import { createNatInstance } from "./nat-instance";

const COMPONENT = "network";

export type NatMode = (typeof NAT_MODES)[number];

export interface NetworkArgs {
  /**
   * The environment preset that fills every arg not given here.
   * @default "prod"
   * @example
   * ```ts
   * new Network("net", { preset: "dev" });
   * ```
   */
  preset?: PresetName;
  /**
   * The VPC's IPv4 block, /16 to /20. Subnets are carved from it: a private /19 per AZ (for a
   * /16), and a /22 per AZ for public and isolated subnets.
   * @default the preset's (prod: "10.40.0.0/16")
   * @example
   * ```ts
   * { cidr: "10.50.0.0/16" }
   * ```
   */
  cidr?: string;
  /**
   * How many availability zones to span, 2 to 6.
   * @default the preset's (prod: 3, dev: 2)
   * @example
   * ```ts
   * { azCount: 3 }
   * ```
   */
  azCount?: number;
  /**
   * `perAz`: one NAT gateway per AZ, so losing a zone does not cut the others off the internet.
   * `single`: one NAT shared by all AZs. `instance`: one t4g.nano NAT instance (dev: about $7 a
   * month against $37; one AZ, no failover). `none`: private subnets get no egress.
   * @default the preset's (prod: "perAz", dev: "single")
   * @example
   * ```ts
   * { natGateways: "single" }
   * ```
   */
  natGateways?: NatMode;
  /**
   * Interface endpoints for ECR (api, dkr), Secrets Manager, CloudWatch Logs and STS in the
   * private subnets. The S3 gateway endpoint is always created (it is free).
   * @default the preset's (prod: true, dev: false)
   * @example
   * ```ts
   * { interfaceEndpoints: true }
   * ```
   */
  interfaceEndpoints?: boolean;
  /**
   * VPC flow logs (all traffic) to a CloudWatch log group.
   * @default true
   * @example
   * ```ts
   * { flowLogs: false }
   * ```
   */
  flowLogs?: boolean;
  /**
   * Retention of the flow log group, in days (a value CloudWatch accepts).
   * @default the preset's log retention (prod: 365, dev: 7)
   * @example
   * ```ts
   * { flowLogRetentionDays: 30 }
   * ```
   */
  flowLogRetentionDays?: number;
  /**
   * Edits any child resource's args before it is created.
   * @example
   * ```ts
   * { transform: { vpc: { enableNetworkAddressUsageMetrics: true } } }
   * ```
   */
  transform?: {
    vpc?: Transform<ec2.VpcArgs>;
    subnet?: Transform<ec2.SubnetArgs>;
    natGateway?: Transform<ec2.NatGatewayArgs>;
    routeTable?: Transform<ec2.RouteTableArgs>;
    flowLog?: Transform<ec2.FlowLogArgs>;
    flowLogGroup?: Transform<cloudwatch.LogGroupArgs>;
    endpoint?: Transform<ec2.VpcEndpointArgs>;
    endpointSecurityGroup?: Transform<ec2.SecurityGroupArgs>;
  };
}

interface NormalizedNetworkArgs {
  readonly cidr: string;
  readonly azCount: number;
  readonly natGateways: NatMode;
  readonly interfaceEndpoints: boolean;
  readonly flowLogs: boolean;
  readonly flowLogRetentionDays: number;
}

/** Fills args from the preset and validates them with the stack config's own rules. */
export function normalizeNetworkArgs(name: string, args: NetworkArgs): NormalizedNetworkArgs {
  const preset = PRESETS[args.preset ?? "prod"];
  const merged = {
    cidr: args.cidr ?? preset.network.cidr,
    azCount: args.azCount ?? preset.network.azCount,
    natGateways: args.natGateways ?? preset.network.natGateways,
    interfaceEndpoints: args.interfaceEndpoints ?? preset.network.interfaceEndpoints,
    flowLogs: args.flowLogs ?? preset.network.flowLogs,
  };
  const parsed = networkSection.safeParse(merged);
  if (!parsed.success) throw new ConfigError(`Network "${name}"`, zodProblems(parsed.error, merged, `Network ${name}`));
  return { ...parsed.data, flowLogRetentionDays: args.flowLogRetentionDays ?? preset.logs.retentionDays };
}

/**
 * A VPC with public, private (workload) and isolated (data) subnets in each AZ, NAT by preset,
 * flow logs, a locked-down default security group, the S3 gateway endpoint and optional
 * interface endpoints. Subnets carry the tags the AWS Load Balancer Controller discovers.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpc: ec2.Vpc;
  readonly vpcId: pulumi.Output<string>;
  readonly cidr: string;
  readonly availabilityZones: pulumi.Output<string[]>;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  readonly isolatedSubnetIds: pulumi.Output<string>[];
  readonly natGatewayIds: pulumi.Output<string>[];
  /** The security group of the interface endpoints, when created. */
  readonly endpointSecurityGroupId: pulumi.Output<string> | undefined;
  /** The S3 gateway endpoint's prefix list, for security-group egress to S3 (ECR image layers) only. */
  readonly s3PrefixListId: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs = {}, opts: pulumi.ComponentResourceOptions = {}) {
    // Validated before the component itself is registered: bad args leave nothing behind.
    const config = normalizeNetworkArgs(name, args);
    super("agentyard:infra:Network", name, {}, opts);
    const transform = args.transform ?? {};
    const layout = subnetLayout(config.cidr, config.azCount);
    const child = { parent: this };

    const zones = getAvailabilityZonesOutput(
      { state: "available", filters: [{ name: "opt-in-status", values: ["opt-in-not-required"] }] },
      child,
    ).names.apply((names) => {
      if (names.length < config.azCount) {
        throw new Error(`Network "${name}": azCount is ${config.azCount} but the region has only ${names.length} available zones`);
      }
      return names.slice(0, config.azCount);
    });
    const zone = (i: number) => zones.apply((names) => names[i]);

    const vpc = new ec2.Vpc(
      ...applyTransform(
        transform.vpc,
        `${name}-vpc`,
        { cidrBlock: config.cidr, enableDnsHostnames: true, enableDnsSupport: true, tags: namedTags(COMPONENT, "vpc") },
        child,
      ),
    );

    // The default security group admits all traffic between its members; nothing should use it.
    new ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: vpc.id, tags: namedTags(COMPONENT, "default-locked") }, child);

    const subnet = (tier: "public" | "private" | "isolated", i: number, cidrBlock: string, roleTag: Record<string, string>) =>
      new ec2.Subnet(
        ...applyTransform(
          transform.subnet,
          `${name}-${tier}-${i}`,
          {
            vpcId: vpc.id,
            cidrBlock,
            availabilityZone: zone(i),
            mapPublicIpOnLaunch: false,
            tags: namedTags(COMPONENT, `${tier}-${i}`, { tier, ...roleTag }),
          },
          child,
        ),
      );
    const publicSubnets = layout.public.map((c, i) => subnet("public", i, c, { "kubernetes.io/role/elb": "1" }));
    const privateSubnets = layout.private.map((c, i) => subnet("private", i, c, { "kubernetes.io/role/internal-elb": "1" }));
    const isolatedSubnets = layout.isolated.map((c, i) => subnet("isolated", i, c, {}));

    const igw = new ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: namedTags(COMPONENT, "igw") }, child);
    const routeTable = (suffix: string) =>
      new ec2.RouteTable(
        ...applyTransform(transform.routeTable, `${name}-${suffix}-rt`, { vpcId: vpc.id, tags: namedTags(COMPONENT, suffix) }, child),
      );

    const publicRt = routeTable("public");
    new ec2.Route(`${name}-public-default`, { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id }, child);
    publicSubnets.forEach((s, i) => new ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: s.id, routeTableId: publicRt.id }, child));

    const natCount = config.natGateways === "perAz" ? config.azCount : config.natGateways === "single" ? 1 : 0;
    const natGateways = Array.from({ length: natCount }, (_, i) => {
      const eip = new ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: namedTags(COMPONENT, `nat-${i}`) }, { parent: this, dependsOn: [igw] });
      return new ec2.NatGateway(
        ...applyTransform(
          transform.natGateway,
          `${name}-nat-${i}`,
          { allocationId: eip.id, subnetId: publicSubnets[i].id, connectivityType: "public", tags: namedTags(COMPONENT, `nat-${i}`) },
          { parent: this, dependsOn: [igw] },
        ),
      );
    });

    const natInstance =
      config.natGateways === "instance" ? createNatInstance(this, name, { vpcId: vpc.id, vpcCidr: config.cidr, subnetId: publicSubnets[0].id, component: COMPONENT }) : undefined;

    // One private route table per AZ, even with a single NAT, so moving to NAT-per-AZ edits routes instead of replacing tables.
    const privateRts = privateSubnets.map((s, i) => {
      const rt = routeTable(`private-${i}`);
      new ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: s.id, routeTableId: rt.id }, child);
      if (natGateways.length > 0) {
        const nat = natGateways[Math.min(i, natGateways.length - 1)];
        new ec2.Route(`${name}-private-${i}-default`, { routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: nat.id }, child);
      } else if (natInstance) {
        new ec2.Route(`${name}-private-${i}-default`, { routeTableId: rt.id, destinationCidrBlock: "0.0.0.0/0", networkInterfaceId: natInstance.primaryNetworkInterfaceId }, child);
      }
      return rt;
    });

    const isolatedRt = routeTable("isolated");
    isolatedSubnets.forEach((s, i) => new ec2.RouteTableAssociation(`${name}-isolated-${i}`, { subnetId: s.id, routeTableId: isolatedRt.id }, child));

    const region = getRegionOutput({}, child).region;
    const s3Endpoint = new ec2.VpcEndpoint(
      ...applyTransform(
        transform.endpoint,
        `${name}-s3`,
        {
          vpcId: vpc.id,
          serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
          vpcEndpointType: "Gateway",
          routeTableIds: [...privateRts, isolatedRt].map((rt) => rt.id),
          tags: namedTags(COMPONENT, "s3-endpoint"),
        },
        child,
      ),
    );

    let endpointSecurityGroupId: pulumi.Output<string> | undefined;
    if (config.interfaceEndpoints) {
      const endpointSg = new ec2.SecurityGroup(
        ...applyTransform(
          transform.endpointSecurityGroup,
          `${name}-endpoints`,
          {
            vpcId: vpc.id,
            description: "HTTPS from inside the VPC to AWS interface endpoints",
            ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [config.cidr], description: "HTTPS from the VPC" }],
            egress: [],
            tags: namedTags(COMPONENT, "endpoints"),
          },
          child,
        ),
      );
      endpointSecurityGroupId = endpointSg.id;
      for (const service of INTERFACE_ENDPOINT_SERVICES) {
        new ec2.VpcEndpoint(
          ...applyTransform(
            transform.endpoint,
            `${name}-${endpointSlug(service)}`,
            {
              vpcId: vpc.id,
              serviceName: pulumi.interpolate`com.amazonaws.${region}.${service}`,
              vpcEndpointType: "Interface",
              privateDnsEnabled: true,
              subnetIds: privateSubnets.map((s) => s.id),
              securityGroupIds: [endpointSg.id],
              tags: namedTags(COMPONENT, `${endpointSlug(service)}-endpoint`),
            },
            child,
          ),
        );
      }
    }

    if (config.flowLogs) this.createFlowLogs(name, vpc, config, transform);

    this.vpc = vpc;
    this.vpcId = vpc.id;
    this.cidr = config.cidr;
    this.availabilityZones = zones;
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.isolatedSubnetIds = isolatedSubnets.map((s) => s.id);
    this.natGatewayIds = natGateways.map((n) => n.id);
    this.endpointSecurityGroupId = endpointSecurityGroupId;
    this.s3PrefixListId = s3Endpoint.prefixListId;
    this.registerOutputs({
      vpcId: this.vpcId,
      cidr: this.cidr,
      availabilityZones: this.availabilityZones,
      publicSubnetIds: this.publicSubnetIds,
      privateSubnetIds: this.privateSubnetIds,
      isolatedSubnetIds: this.isolatedSubnetIds,
      natGatewayIds: this.natGatewayIds,
    });
  }

  private createFlowLogs(name: string, vpc: ec2.Vpc, config: NormalizedNetworkArgs, transform: NonNullable<NetworkArgs["transform"]>) {
    const child = { parent: this };
    const logGroup = new cloudwatch.LogGroup(
      ...applyTransform(
        transform.flowLogGroup,
        `${name}-flow-logs`,
        {
          name: pulumi.interpolate`/${pulumi.getProject()}/${pulumi.getStack()}/vpc-flow-logs/${name}`,
          retentionInDays: config.flowLogRetentionDays,
          tags: standardTags(COMPONENT),
        },
        child,
      ),
    );
    const account = getCallerIdentityOutput({}, child).accountId;
    const role = new iam.Role(
      `${name}-flow-logs`,
      {
        description: "Lets VPC Flow Logs write to its log group",
        assumeRolePolicy: account.apply((accountId) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                Action: "sts:AssumeRole",
                // Confused-deputy guard: only flow logs of this account may use the role.
                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
              },
            ],
          }),
        ),
        tags: standardTags(COMPONENT),
      },
      child,
    );
    new iam.RolePolicy(
      `${name}-flow-logs`,
      {
        role: role.id,
        policy: logGroup.arn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                Resource: [arn, `${arn}:*`],
              },
            ],
          }),
        ),
      },
      child,
    );
    new ec2.FlowLog(
      ...applyTransform(
        transform.flowLog,
        `${name}-flow-log`,
        {
          vpcId: vpc.id,
          trafficType: "ALL",
          logDestinationType: "cloud-watch-logs",
          logDestination: logGroup.arn,
          iamRoleArn: role.arn,
          maxAggregationInterval: 60,
          tags: namedTags(COMPONENT, "flow-log"),
        },
        child,
      ),
    );
  }
}
