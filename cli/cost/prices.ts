/*
 * On-demand prices in USD, per region, each with its source and the date it was read. Entered
 * by hand from AWS's public price pages (this machine cannot reach them): re-check them when the
 * date below is old, and update `asOf` with the figures.
 */

export interface Price {
  readonly usd: number;
  /** What one unit is: `hour`, `GB`, `GB-month`, `month`, `vCPU-hour`... */
  readonly per: string;
  readonly source: string;
}

export const PRICE_TABLE_DATE = "2026-11-01";

const SRC = {
  vpc: "https://aws.amazon.com/vpc/pricing/",
  elb: "https://aws.amazon.com/elasticloadbalancing/pricing/",
  eks: "https://aws.amazon.com/eks/pricing/",
  ec2: "https://aws.amazon.com/ec2/pricing/on-demand/",
  spot: "https://aws.amazon.com/ec2/spot/pricing/",
  fargate: "https://aws.amazon.com/fargate/pricing/",
  rds: "https://aws.amazon.com/rds/postgresql/pricing/",
  cache: "https://aws.amazon.com/elasticache/pricing/",
  kms: "https://aws.amazon.com/kms/pricing/",
  secrets: "https://aws.amazon.com/secrets-manager/pricing/",
  waf: "https://aws.amazon.com/waf/pricing/",
  logs: "https://aws.amazon.com/cloudwatch/pricing/",
  ecr: "https://aws.amazon.com/ecr/pricing/",
  cloudmap: "https://aws.amazon.com/cloud-map/pricing/",
  amp: "https://aws.amazon.com/prometheus/pricing/",
  backup: "https://aws.amazon.com/backup/pricing/",
  transfer: "https://aws.amazon.com/ec2/pricing/on-demand/#Data_Transfer_within_the_same_AWS_Region (to another region)",
  ipv4: "https://aws.amazon.com/vpc/pricing/ (public IPv4 address)",
} as const;

export type PriceKey =
  | "natGatewayHour"
  | "natGatewayGb"
  | "publicIpv4Hour"
  | "albHour"
  | "albLcuHour"
  | "eksClusterHour"
  | "eksExtendedClusterHour"
  | "fargateVcpuHourX86"
  | "fargateGbHourX86"
  | "fargateVcpuHourArm"
  | "fargateGbHourArm"
  | "fargateEphemeralGbHour"
  | "rdsGp3GbMonth"
  | "ebsGp3GbMonth"
  | "kmsKeyMonth"
  | "secretMonth"
  | "wafAclMonth"
  | "wafRuleMonth"
  | "wafMillionRequests"
  | "interfaceEndpointHour"
  | "logIngestGb"
  | "logStorageGbMonth"
  | "alarmMonth"
  | "ecrGbMonth"
  | "cloudMapNamespaceMonth"
  | "ampMillionSamples"
  | "rdsProxyVcpuHour"
  | "backupRdsGbMonth"
  | "interRegionTransferGb";

export interface RegionPrices {
  readonly fixed: Readonly<Record<PriceKey, Price>>;
  /** EC2 on-demand Linux, per hour. */
  readonly ec2Hour: Readonly<Record<string, Price>>;
  /** RDS PostgreSQL single-AZ, per hour (Multi-AZ deployments cost twice). */
  readonly rdsHour: Readonly<Record<string, Price>>;
  /** ElastiCache Redis OSS per node-hour (Valkey nodes cost 20 % less). */
  readonly cacheHour: Readonly<Record<string, Price>>;
  /** vCPUs of each RDS instance class (in `usd`, a count: RDS Proxy is billed by them). */
  readonly rdsVcpus: Readonly<Record<string, Price>>;
}

const hour = (usd: number, source: string): Price => ({ usd, per: "hour", source });

function region(f: Record<PriceKey, number>, ec2: Record<string, number>, rds: Record<string, number>, cache: Record<string, number>): RegionPrices {
  const per: Record<PriceKey, [string, string]> = {
    natGatewayHour: ["hour", SRC.vpc],
    natGatewayGb: ["GB processed", SRC.vpc],
    publicIpv4Hour: ["hour", SRC.ipv4],
    albHour: ["hour", SRC.elb],
    albLcuHour: ["LCU-hour", SRC.elb],
    eksClusterHour: ["hour (standard support)", SRC.eks],
    // The total per cluster hour once the version is past end of standard support on an EXTENDED upgrade policy.
    eksExtendedClusterHour: ["hour (extended support)", SRC.eks],
    fargateVcpuHourX86: ["vCPU-hour", SRC.fargate],
    fargateGbHourX86: ["GB-hour", SRC.fargate],
    fargateVcpuHourArm: ["vCPU-hour", SRC.fargate],
    fargateGbHourArm: ["GB-hour", SRC.fargate],
    fargateEphemeralGbHour: ["GB-hour above 20 GB", SRC.fargate],
    rdsGp3GbMonth: ["GB-month (single-AZ)", SRC.rds],
    ebsGp3GbMonth: ["GB-month", "https://aws.amazon.com/ebs/pricing/"],
    kmsKeyMonth: ["key-month", SRC.kms],
    secretMonth: ["secret-month", SRC.secrets],
    wafAclMonth: ["web ACL-month", SRC.waf],
    wafRuleMonth: ["rule-month", SRC.waf],
    wafMillionRequests: ["million requests", SRC.waf],
    interfaceEndpointHour: ["endpoint-AZ-hour", SRC.vpc],
    logIngestGb: ["GB ingested", SRC.logs],
    logStorageGbMonth: ["GB-month stored", SRC.logs],
    alarmMonth: ["alarm-month", SRC.logs],
    ecrGbMonth: ["GB-month", SRC.ecr],
    cloudMapNamespaceMonth: ["namespace-month (hosted zone)", SRC.cloudmap],
    ampMillionSamples: ["million samples ingested", SRC.amp],
    rdsProxyVcpuHour: ["vCPU-hour of the database instance (2 vCPU minimum)", "https://aws.amazon.com/rds/proxy/pricing/"],
    backupRdsGbMonth: ["GB-month of RDS snapshots (warm)", SRC.backup],
    interRegionTransferGb: ["GB to another region", SRC.transfer],
  };
  const fixed = Object.fromEntries(Object.entries(f).map(([k, usd]) => [k, { usd, per: per[k as PriceKey][0], source: per[k as PriceKey][1] }])) as Record<PriceKey, Price>;
  const table = (t: Record<string, number>, source: string) => Object.fromEntries(Object.entries(t).map(([k, usd]) => [k, hour(usd, source)]));
  const vcpus = Object.fromEntries(Object.entries(RDS_VCPUS).map(([k, n]) => [k, { usd: n, per: "vCPUs (a count, not dollars)", source: "https://aws.amazon.com/rds/instance-types/" }]));
  return { fixed, ec2Hour: table(ec2, SRC.ec2), rdsHour: table(rds, SRC.rds), cacheHour: table(cache, SRC.cache), rdsVcpus: vcpus };
}

const US_FIXED: Record<PriceKey, number> = {
  natGatewayHour: 0.045,
  natGatewayGb: 0.045,
  publicIpv4Hour: 0.005,
  albHour: 0.0225,
  albLcuHour: 0.008,
  eksClusterHour: 0.1,
  eksExtendedClusterHour: 0.6,
  fargateVcpuHourX86: 0.04048,
  fargateGbHourX86: 0.004445,
  fargateVcpuHourArm: 0.03238,
  fargateGbHourArm: 0.00356,
  fargateEphemeralGbHour: 0.000111,
  rdsGp3GbMonth: 0.115,
  ebsGp3GbMonth: 0.08,
  kmsKeyMonth: 1,
  secretMonth: 0.4,
  wafAclMonth: 5,
  wafRuleMonth: 1,
  wafMillionRequests: 0.6,
  interfaceEndpointHour: 0.01,
  logIngestGb: 0.5,
  logStorageGbMonth: 0.03,
  alarmMonth: 0.1,
  ecrGbMonth: 0.1,
  cloudMapNamespaceMonth: 0.5,
  ampMillionSamples: 0.09,
  rdsProxyVcpuHour: 0.015,
  backupRdsGbMonth: 0.095,
  interRegionTransferGb: 0.02,
};
/** vCPUs per RDS instance class (https://aws.amazon.com/rds/instance-types/). */
const RDS_VCPUS: Record<string, number> = { "db.t4g.micro": 2, "db.t4g.small": 2, "db.t4g.medium": 2, "db.t4g.large": 2, "db.r6g.large": 2, "db.r6g.xlarge": 4, "db.r7g.large": 2, "db.m6g.large": 2 };
const US_EC2 = { "t4g.nano": 0.0042, "t3.medium": 0.0416, "t3.large": 0.0832, "t4g.medium": 0.0336, "t4g.large": 0.0672, "m6i.large": 0.096, "m6i.xlarge": 0.192, "m7i.large": 0.1008, "m6g.large": 0.077, "m7g.large": 0.0816 };
const US_RDS = { "db.t4g.micro": 0.016, "db.t4g.small": 0.032, "db.t4g.medium": 0.065, "db.t4g.large": 0.129, "db.r6g.large": 0.225, "db.r6g.xlarge": 0.449, "db.r7g.large": 0.239, "db.m6g.large": 0.152 };
const US_CACHE = { "cache.t4g.micro": 0.016, "cache.t4g.small": 0.032, "cache.t4g.medium": 0.065, "cache.r6g.large": 0.206, "cache.r7g.large": 0.219, "cache.m6g.large": 0.149 };

const scale = (t: Record<string, number>, f: number) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v * f * 10000) / 10000]));

export const PRICES: Readonly<Record<string, RegionPrices>> = {
  "us-east-1": region(US_FIXED, US_EC2, US_RDS, US_CACHE),
  // us-west-2 lists the same on-demand prices as us-east-1 for every item here.
  "us-west-2": region(US_FIXED, US_EC2, US_RDS, US_CACHE),
  // eu-west-1: the fixed items as listed there; instance hours approximated at 1.1x us-east-1
  // (the usual Irish premium for these families), to be replaced by the listed figures. RDS Proxy's vCPU-hour is
  // us-east-1's until checked there.
  "eu-west-1": region(
    { ...US_FIXED, natGatewayHour: 0.048, natGatewayGb: 0.048, albHour: 0.0252, albLcuHour: 0.008, fargateVcpuHourX86: 0.04048, fargateGbHourX86: 0.004445, fargateVcpuHourArm: 0.03238, fargateGbHourArm: 0.00356, rdsGp3GbMonth: 0.127, ebsGp3GbMonth: 0.088, interfaceEndpointHour: 0.011, logIngestGb: 0.57, logStorageGbMonth: 0.03 },
    scale(US_EC2, 1.1),
    scale(US_RDS, 1.1),
    scale(US_CACHE, 1.1),
  ),
};

/** Spot prices move; the estimate uses this share of the on-demand price (stated, not quoted). */
export const SPOT_PRICE_FACTOR = 0.35;
/** Fargate Spot's discount is published as "up to 70 %"; the estimate assumes 70 %. */
export const FARGATE_SPOT_FACTOR = 0.3;
export const HOURS_PER_MONTH = 730;
