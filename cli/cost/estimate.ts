import type { PlannedResource } from "../plan/engine";
import { eksSupportStatus, utcDay } from "../../infra/cluster/eks-versions";
import type { UsageAssumptions } from "./assumptions";
import { FARGATE_SPOT_FACTOR, HOURS_PER_MONTH, PRICES, PRICE_TABLE_DATE, type Price, type RegionPrices, SPOT_PRICE_FACTOR } from "./prices";
import { quantityGiB } from "./quantity";
import { ecsScaleFactors, karpenterNodeFigures } from "./scale";

export interface CostLine {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** The top-level component it belongs to (`network`, `data`...). */
  readonly component: string;
  readonly monthlyUsd: number;
  /** How the figure was reached, in words and numbers. */
  readonly basis: string;
}

export interface CostEstimate {
  readonly currency: "USD";
  readonly region: string;
  readonly priceTableDate: string;
  readonly assumptions: UsageAssumptions;
  readonly totalMonthlyUsd: number;
  readonly byComponent: Record<string, number>;
  readonly lines: CostLine[];
  /** Resources with a cost this table does not know: listed, never counted as zero. */
  readonly unpriced: Array<{ urn: string; type: string; name: string; reason?: string }>;
  /**
   * The same stack at maximum scale (every autoscaler at its maximum: Karpenter's nodes for the
   * workloads' maximum replicas, ECS services at their maximum tasks); the figures above are at
   * minimum scale. `lines` are those that differ from the minimum.
   */
  readonly maximum: { readonly totalMonthlyUsd: number; readonly lines: CostLine[] };
}

/** Types that AWS does not charge for (or that only run on capacity priced elsewhere). */
export const FREE_TYPES: ReadonlySet<string> = new Set([
  "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable", "aws:ec2/route:Route", "aws:ec2/routeTableAssociation:RouteTableAssociation",
  "aws:ec2/internetGateway:InternetGateway", "aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "aws:ec2/flowLog:FlowLog",
  "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
  "aws:lb/listener:Listener", "aws:lb/targetGroup:TargetGroup", "aws:lb/listenerRule:ListenerRule",
  "aws:rds/subnetGroup:SubnetGroup", "aws:rds/parameterGroup:ParameterGroup", "aws:elasticache/subnetGroup:SubnetGroup", "aws:elasticache/parameterGroup:ParameterGroup",
  "aws:kms/alias:Alias", "aws:secretsmanager/secretVersion:SecretVersion", "aws:sns/topic:Topic", "aws:sns/topicPolicy:TopicPolicy",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketPolicy:BucketPolicy",
  "aws:wafv2/webAclAssociation:WebAclAssociation", "aws:acm/certificate:Certificate", "aws:acm/certificateValidation:CertificateValidation",
  "aws:lambda/invocation:Invocation", "aws:ecr/lifecyclePolicy:LifecyclePolicy", "aws:ecs/cluster:Cluster", "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
  "aws:ecs/taskDefinition:TaskDefinition", "aws:servicediscovery/service:Service", "aws:appautoscaling/target:Target", "aws:appautoscaling/policy:Policy",
  "aws:eks/accessEntry:AccessEntry", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "aws:ec2/launchTemplate:LaunchTemplate",
  "aws:amp/ruleGroupNamespace:RuleGroupNamespace", "aws:amp/alertManagerDefinition:AlertManagerDefinition",
  "aws:backup/plan:Plan", "aws:backup/selection:Selection", "aws:sns/topicSubscription:TopicSubscription",
  "docker-build:index:Image", "random:index/randomPassword:RandomPassword", "random:index/randomId:RandomId",
  // Karpenter (infra/cluster/karpenter.ts): IAM and tags are free; EventBridge does not charge for AWS service
  // events it delivers (https://aws.amazon.com/eventbridge/pricing/), and interruption messages stay far below SQS's
  // 1 million free requests a month (https://aws.amazon.com/sqs/pricing/). Its nodes are priced through the NodePools.
  "aws:iam/policy:Policy", "aws:ec2/tag:Tag", "aws:cloudwatch/eventRule:EventRule", "aws:cloudwatch/eventTarget:EventTarget", "aws:sqs/queue:Queue", "aws:sqs/queuePolicy:QueuePolicy",
  // RDS Proxy is billed per proxy (aws:rds/proxy:Proxy); its target group and target are configuration.
  "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup", "aws:rds/proxyTarget:ProxyTarget",
]);

/** Priced by usage that is small or unknown: listed as unpriced rather than guessed. */
export const UNPRICED_TYPES: ReadonlySet<string> = new Set([
  "aws:s3/bucket:Bucket", // ALB access logs: storage grows with traffic
  "aws:lambda/function:Function", // the bootstrap runs on each SQL change: within the free tier
  "aws:route53/record:Record",
]);

export class UnknownPriceError extends Error {}

type Pricer = (r: PlannedResource, ctx: Context) => { usd: number; basis: string } | undefined;

interface Context {
  readonly p: RegionPrices;
  readonly a: UsageAssumptions;
  readonly all: readonly PlannedResource[];
}

const H = HOURS_PER_MONTH;
const fixed = (ctx: Context, key: keyof RegionPrices["fixed"]): Price => ctx.p.fixed[key];
const money = (n: number) => Math.round(n * 100) / 100;

function lookup(table: Readonly<Record<string, Price>>, key: string, what: string): Price {
  const price = table[key];
  if (!price) throw new UnknownPriceError(`no price for ${what} ${key}`);
  return price;
}

/** The task definition a service runs (its ARN as the mocks give it, or its family). */
function taskOf(service: PlannedResource, all: readonly PlannedResource[]): PlannedResource | undefined {
  const ref = String(service.inputs.taskDefinition ?? "");
  return all.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && (r.outputs?.arn === ref || ref.includes(`task-definition/${String(r.inputs.family)}:`)));
}

const PRICERS: Record<string, Pricer> = {
  "aws:ec2/natGateway:NatGateway": (_r, c) => {
    const hours = fixed(c, "natGatewayHour").usd * H;
    const data = fixed(c, "natGatewayGb").usd * c.a.natGbPerGateway;
    return { usd: hours + data, basis: `${H} h x $${fixed(c, "natGatewayHour").usd} + ${c.a.natGbPerGateway} GB x $${fixed(c, "natGatewayGb").usd}` };
  },
  "aws:ec2/instance:Instance": (r, c) => {
    const type = String(r.inputs.instanceType);
    const disk = Number((r.inputs.rootBlockDevice as { volumeSize?: number } | undefined)?.volumeSize ?? 8);
    const usd = lookup(c.p.ec2Hour, type, "EC2 instance type").usd * H + disk * fixed(c, "ebsGp3GbMonth").usd;
    return { usd, basis: `${type} x ${H} h + ${disk} GB gp3` };
  },
  "aws:ec2/eip:Eip": (_r, c) => ({ usd: fixed(c, "publicIpv4Hour").usd * H, basis: `public IPv4: ${H} h x $${fixed(c, "publicIpv4Hour").usd}` }),
  "aws:lb/loadBalancer:LoadBalancer": (r, c) => {
    const usd = (fixed(c, "albHour").usd + c.a.albLcus * fixed(c, "albLcuHour").usd) * H;
    // An internet-facing load balancer holds a public IPv4 address in each of its AZs (subnets),
    // at $0.005 an hour each since February 2024: https://aws.amazon.com/vpc/pricing/ and
    // https://aws.amazon.com/blogs/aws/new-aws-public-ipv4-address-charge-public-ip-insights/
    // (service-managed addresses, ELB included). It may add nodes under load: this is the floor.
    const azs = ((r.inputs.subnets as unknown[] | undefined) ?? (r.inputs.subnetMappings as unknown[] | undefined) ?? []).length;
    const ips = r.inputs.internal === true || r.inputs.ipAddressType === "dualstack-without-public-ipv4" ? 0 : azs;
    const ipUsd = ips * fixed(c, "publicIpv4Hour").usd * H;
    return { usd: usd + ipUsd, basis: `${H} h x ($${fixed(c, "albHour").usd} + ${c.a.albLcus} LCU x $${fixed(c, "albLcuHour").usd})${ips ? ` + ${ips} public IPv4 (one per AZ) x ${H} h x $${fixed(c, "publicIpv4Hour").usd}` : ""}` };
  },
  "aws:eks/cluster:Cluster": (r, c) => {
    // Extended support is billed only on an EXTENDED upgrade policy, from the day the version leaves standard support.
    const policy = (r.inputs.upgradePolicy as { supportType?: string } | undefined)?.supportType ?? "EXTENDED";
    const extended = policy === "EXTENDED" && eksSupportStatus(String(r.inputs.version), utcDay()) === "extended";
    const price = fixed(c, extended ? "eksExtendedClusterHour" : "eksClusterHour").usd;
    return { usd: price * H, basis: `${H} h x $${price} (${extended ? `extended support: ${String(r.inputs.version)} is past its end of standard support` : "standard support"})` };
  },
  "aws:eks/nodeGroup:NodeGroup": (r, c) => {
    const type = String((r.inputs.instanceTypes as string[])[0]);
    const count = Number((r.inputs.scalingConfig as { desiredSize: number }).desiredSize);
    const spot = r.inputs.capacityType === "SPOT";
    const hourly = lookup(c.p.ec2Hour, type, "EC2 instance type").usd * (spot ? SPOT_PRICE_FACTOR : 1);
    // Each node's root volume: diskSize, or EKS's default of 20 GiB for Linux nodes
    // (https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateNodegroup.html, diskSize).
    // With a launch template the volume is the template's: left out here and said so.
    const fromTemplate = r.inputs.launchTemplate !== undefined && r.inputs.diskSize === undefined;
    const disk = fromTemplate ? 0 : Number(r.inputs.diskSize ?? 20);
    const diskUsd = count * disk * fixed(c, "ebsGp3GbMonth").usd;
    const diskBasis = fromTemplate ? " (root volumes from the launch template: not counted)" : ` + ${count} x ${disk} GB EBS root volume`;
    return { usd: count * hourly * H + diskUsd, basis: `${count} x ${type}${spot ? ` spot (${SPOT_PRICE_FACTOR} of on-demand)` : ""} x ${H} h x $${money(hourly * 1000) / 1000}${diskBasis}` };
  },
  "aws:ecs/service:Service": (r, c) => {
    const task = taskOf(r, c.all);
    if (!task) return undefined;
    const vcpu = Number(task.inputs.cpu) / 1024;
    const gb = Number(task.inputs.memory) / 1024;
    const arm = (task.inputs.runtimePlatform as { cpuArchitecture?: string } | undefined)?.cpuArchitecture === "ARM64";
    const perHour = vcpu * fixed(c, arm ? "fargateVcpuHourArm" : "fargateVcpuHourX86").usd + gb * fixed(c, arm ? "fargateGbHourArm" : "fargateGbHourX86").usd;
    const storage = Math.max(0, Number((task.inputs.ephemeralStorage as { sizeInGib?: number } | undefined)?.sizeInGib ?? 20) - 20) * fixed(c, "fargateEphemeralGbHour").usd;
    const strategies = (r.inputs.capacityProviderStrategies as Array<{ capacityProvider: string; weight: number }> | undefined) ?? [];
    const total = strategies.reduce((n, s) => n + s.weight, 0) || 1;
    const spotShare = strategies.filter((s) => s.capacityProvider === "FARGATE_SPOT").reduce((n, s) => n + s.weight, 0) / total;
    const factor = 1 - spotShare * (1 - FARGATE_SPOT_FACTOR);
    const count = Number(r.inputs.desiredCount ?? 1);
    return { usd: count * (perHour + storage) * factor * H, basis: `${count} task(s) x ${vcpu} vCPU/${gb} GB ${arm ? "ARM" : "x86"} x ${H} h, ${Math.round(spotShare * 100)} % spot` };
  },
  "aws:rds/instance:Instance": (r, c) => {
    const cls = String(r.inputs.instanceClass);
    const multi = r.inputs.multiAz === true ? 2 : 1;
    const storage = Number(r.inputs.allocatedStorage ?? 20);
    const hours = lookup(c.p.rdsHour, cls, "RDS instance class").usd * H * multi;
    const disk = storage * fixed(c, "rdsGp3GbMonth").usd * multi;
    return { usd: hours + disk, basis: `${cls}${multi === 2 ? " Multi-AZ (x2)" : ""} ${H} h + ${storage} GB gp3${r.inputs.performanceInsightsEnabled ? "; Performance Insights: 7-day free tier" : ""}` };
  },
  "aws:elasticache/replicationGroup:ReplicationGroup": (r, c) => {
    const nodeType = String(r.inputs.nodeType);
    const nodes = Number(r.inputs.numCacheClusters ?? 1);
    const valkey = r.inputs.engine === "valkey" ? 0.8 : 1;
    const hourly = lookup(c.p.cacheHour, nodeType, "cache node type").usd * valkey;
    return { usd: nodes * hourly * H, basis: `${nodes} x ${nodeType}${valkey < 1 ? " (Valkey, -20 %)" : ""} x ${H} h` };
  },
  "aws:rds/proxy:Proxy": (r, c) => {
    // Billed per vCPU-hour of the database instance behind it, with a minimum of 2 vCPUs
    // (https://aws.amazon.com/rds/proxy/pricing/); the instance is the proxy's target.
    const target = c.all.find((t) => t.type === "aws:rds/proxyTarget:ProxyTarget" && t.inputs.dbProxyName === (r.outputs?.name ?? r.inputs.name));
    const instance = c.all.find((i) => i.type === "aws:rds/instance:Instance" && (i.outputs?.identifier ?? i.inputs.identifier) === target?.inputs.dbInstanceIdentifier);
    if (!instance) return undefined;
    const cls = String(instance.inputs.instanceClass);
    const vcpus = Math.max(2, lookup(c.p.rdsVcpus, cls, "RDS instance class (vCPUs)").usd);
    const price = fixed(c, "rdsProxyVcpuHour").usd;
    return { usd: vcpus * price * H, basis: `${vcpus} vCPU (${cls}, at least 2) x ${H} h x $${price}` };
  },
  "aws:kms/key:Key": (_r, c) => ({ usd: fixed(c, "kmsKeyMonth").usd, basis: "1 key-month (requests within the free tier)" }),
  "aws:secretsmanager/secret:Secret": (_r, c) => ({ usd: fixed(c, "secretMonth").usd, basis: "1 secret-month" }),
  "aws:wafv2/webAcl:WebAcl": (r, c) => {
    const rules = ((r.inputs.rules as unknown[] | undefined) ?? []).length;
    const usd = fixed(c, "wafAclMonth").usd + rules * fixed(c, "wafRuleMonth").usd + c.a.wafMillionRequests * fixed(c, "wafMillionRequests").usd;
    return { usd, basis: `1 ACL + ${rules} rules + ${c.a.wafMillionRequests} M requests` };
  },
  "aws:ec2/vpcEndpoint:VpcEndpoint": (r, c) => {
    if (r.inputs.vpcEndpointType !== "Interface") return { usd: 0, basis: "gateway endpoint: free" };
    const azs = ((r.inputs.subnetIds as unknown[] | undefined) ?? []).length;
    return { usd: azs * fixed(c, "interfaceEndpointHour").usd * H, basis: `${azs} AZ x ${H} h x $${fixed(c, "interfaceEndpointHour").usd}` };
  },
  "aws:cloudwatch/logGroup:LogGroup": (r, c) => {
    const retention = Number(r.inputs.retentionInDays ?? 0);
    // Stored volume settles at a month's ingestion times the months kept (never more than a year's worth counted).
    const storedGb = c.a.logGbPerGroup * Math.min(12, Math.max(retention, 1) / 30);
    const usd = c.a.logGbPerGroup * fixed(c, "logIngestGb").usd + storedGb * fixed(c, "logStorageGbMonth").usd;
    return { usd, basis: `${c.a.logGbPerGroup} GB ingested, ${money(storedGb)} GB kept (${retention} d)` };
  },
  "aws:cloudwatch/metricAlarm:MetricAlarm": (_r, c) => ({ usd: fixed(c, "alarmMonth").usd, basis: "1 standard alarm" }),
  "aws:ecr/repository:Repository": (_r, c) => ({ usd: c.a.ecrGbPerRepository * fixed(c, "ecrGbMonth").usd, basis: `${c.a.ecrGbPerRepository} GB stored` }),
  "aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace": (_r, c) => ({ usd: fixed(c, "cloudMapNamespaceMonth").usd, basis: "its private hosted zone" }),
  "aws:amp/workspace:Workspace": (_r, c) => ({ usd: c.a.ampMillionSamples * fixed(c, "ampMillionSamples").usd, basis: `${c.a.ampMillionSamples} M samples ingested` }),
  // Recovery points kept in a vault; a vault in a second region (tagged with it) also pays the copies' transfer.
  "aws:backup/vault:Vault": (r, c) => {
    const storage = c.a.backupGbPerVault * fixed(c, "backupRdsGbMonth").usd;
    const copyRegion = (r.inputs.tags as Record<string, string> | undefined)?.region;
    if (copyRegion === undefined) return { usd: storage, basis: `${c.a.backupGbPerVault} GB of snapshots x $${fixed(c, "backupRdsGbMonth").usd}` };
    const transfer = c.a.backupCopyGbPerMonth * fixed(c, "interRegionTransferGb").usd;
    return { usd: storage + transfer, basis: `${c.a.backupGbPerVault} GB of snapshot copies in ${copyRegion} + ${c.a.backupCopyGbPerMonth} GB copied x $${fixed(c, "interRegionTransferGb").usd}` };
  },
  // The add-on is free; the Container Insights metrics it sends are priced per observation or GB, not known here.
  "aws:eks/addon:Addon": (r) => (r.inputs.addonName === "amazon-cloudwatch-observability" ? undefined : { usd: 0, basis: "EKS add-on: free" }),
};

/** Storage requests of the PersistentVolumeClaims a chart's values or a claim ask for (`...spec.resources.requests.storage`, `persistence.size`). */
function claimedGiB(value: unknown, path: readonly string[] = []): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + claimedGiB(v, path), 0);
  if (value === null || typeof value !== "object") return 0;
  let total = 0;
  for (const [key, v] of Object.entries(value)) {
    const here = [...path, key];
    const claim = here.slice(-3).join(".") === "resources.requests.storage" || (key === "size" && path[path.length - 1] === "persistence" && (value as { enabled?: unknown }).enabled !== false);
    total += claim ? (quantityGiB(v) ?? 0) : claimedGiB(v, here);
  }
  return total;
}

/**
 * Volumes Kubernetes asks for on EKS: each PersistentVolumeClaim becomes an EBS volume (the EBS
 * CSI driver's gp3 class), priced per GB-month. A chart's claims are read from its values (the
 * Prometheus volume of kube-prometheus-stack); on a cluster that is not EKS they are not AWS's bill.
 */
function kubernetesVolumes(resources: readonly PlannedResource[], c: Context, byUrn: ReadonlyMap<string, PlannedResource>): CostLine[] {
  if (!resources.some((r) => r.type === "aws:eks/cluster:Cluster")) return [];
  const lines: CostLine[] = [];
  for (const r of resources) {
    const source = r.type === "kubernetes:helm.sh/v3:Release" ? r.inputs.values : r.type === "kubernetes:core/v1:PersistentVolumeClaim" ? r.inputs.spec : undefined;
    const gib = claimedGiB(source);
    if (gib <= 0) continue;
    const price = fixed(c, "ebsGp3GbMonth").usd;
    lines.push({ urn: r.urn, type: r.type, name: r.name, component: componentOf(r, byUrn), monthlyUsd: money(gib * price), basis: `${money(gib)} GiB of PersistentVolumeClaims as EBS gp3 x $${price}` });
  }
  return lines;
}

/** Every AWS type the estimate knows: priced, free, or explicitly unpriced. */
export function isKnownType(type: string): boolean {
  return type in PRICERS || FREE_TYPES.has(type) || UNPRICED_TYPES.has(type);
}

/**
 * Components that only group others (AgentPlatform holds the network, cluster, load balancer, data
 * tier and monitoring): their children are reported by their own names, as when a stack builds
 * them side by side, so `byComponent` keeps its keys (`network`, `data`...).
 */
const GROUPING_TYPES: ReadonlySet<string> = new Set(["agentyard:components:AgentPlatform"]);

/** The name of the resource's top-level ancestor that is not a grouping: the component its cost is reported under. */
function componentOf(r: PlannedResource, byUrn: ReadonlyMap<string, PlannedResource>): string {
  const path = [r];
  for (let parent = byUrn.get(r.parent ?? ""); parent; parent = byUrn.get(parent.parent ?? "")) path.push(parent);
  let top = path.length - 1;
  while (top > 0 && GROUPING_TYPES.has(path[top].type)) top--;
  return path[top].name;
}

/** The monthly estimate of a planned stack, from the price table and stated usage. */
export function estimateCost(resources: readonly PlannedResource[], region: string, assumptions: UsageAssumptions): CostEstimate {
  const p = PRICES[region];
  if (!p) throw new UnknownPriceError(`no price table for region ${region}; have ${Object.keys(PRICES).join(", ")}`);
  const a = assumptions;
  const ctx: Context = { p, a, all: resources };
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const lines: CostLine[] = [];
  const unpriced: CostEstimate["unpriced"] = [];
  for (const r of resources.filter((x) => x.custom && !x.type.startsWith("kubernetes:") && !x.type.startsWith("pulumi:"))) {
    const pricer = PRICERS[r.type];
    if (pricer) {
      let figure: ReturnType<Pricer>;
      try {
        figure = pricer(r, ctx);
      } catch (error) {
        // A size the table lacks (an instance class of someone else's stack): listed, not guessed.
        if (!(error instanceof UnknownPriceError)) throw error;
        unpriced.push({ urn: r.urn, type: r.type, name: r.name, reason: error.message });
        continue;
      }
      if (figure) lines.push({ urn: r.urn, type: r.type, name: r.name, component: componentOf(r, byUrn), monthlyUsd: money(figure.usd), basis: figure.basis });
      else unpriced.push({ urn: r.urn, type: r.type, name: r.name });
    } else if (!FREE_TYPES.has(r.type)) {
      // A type this table has never seen (a consumer's own resources included): listed, never zero.
      unpriced.push({ urn: r.urn, type: r.type, name: r.name, ...(UNPRICED_TYPES.has(r.type) ? {} : { reason: "type not in the price table" }) });
    }
  }
  lines.push(...kubernetesVolumes(resources, ctx, byUrn));
  // Karpenter's nodes at minimum scale count in the estimate; the maximum-scale figures replace them (and the
  // ECS services' minimum-scale lines) in `maximum`.
  const karpenter = karpenterNodeFigures(resources, p);
  const lineOf = (f: { urn: string; usd: number; basis: string }, type: string): CostLine => {
    const r = byUrn.get(f.urn) as PlannedResource;
    return { urn: f.urn, type, name: r.name, component: componentOf(r, byUrn), monthlyUsd: money(f.usd), basis: f.basis };
  };
  lines.push(...karpenter.min.map((f) => lineOf(f, "kubernetes:karpenter.sh/v1:NodePool")));
  const scaled = ecsScaleFactors(resources);
  const minimumOf = new Map(lines.map((l) => [l.urn, l.monthlyUsd]));
  const atMaximum: CostLine[] = [
    ...karpenter.max.map((f) => lineOf(f, "kubernetes:karpenter.sh/v1:NodePool")),
    ...lines.filter((l) => scaled.has(l.urn)).map((l) => {
      const s = scaled.get(l.urn) as { factor: number; basis: string };
      return { ...l, monthlyUsd: money(l.monthlyUsd * s.factor), basis: `${s.basis} (${money(s.factor)} x the minimum's ${l.basis})` };
    }),
  ].filter((l) => l.monthlyUsd !== minimumOf.get(l.urn));
  const replaced = new Set(atMaximum.map((l) => l.urn));
  const maximumTotal = money(lines.filter((l) => !replaced.has(l.urn)).reduce((n, l) => n + l.monthlyUsd, 0) + atMaximum.reduce((n, l) => n + l.monthlyUsd, 0));
  const byComponent: Record<string, number> = {};
  for (const l of lines) byComponent[l.component] = money((byComponent[l.component] ?? 0) + l.monthlyUsd);
  return {
    currency: "USD",
    region,
    priceTableDate: PRICE_TABLE_DATE,
    assumptions: a,
    totalMonthlyUsd: money(lines.reduce((n, l) => n + l.monthlyUsd, 0)),
    byComponent,
    lines: lines.sort((x, y) => x.urn.localeCompare(y.urn)),
    unpriced,
    maximum: { totalMonthlyUsd: maximumTotal, lines: atMaximum.sort((x, y) => x.urn.localeCompare(y.urn)) },
  };
}
