import type { RuleGroup } from "../../infra/monitoring/rules";
import { ConfigError, type ConfigProblem } from "../../infra/config/problems";
import { AWS_REGION_PATTERN, type EnvironmentSettings, type Platform, type PresetName, PLATFORMS, PRESET_NAMES, clusterSection } from "../../infra/config/schema";
import { argProblems, definedOnly } from "../../infra/config/zod-problems";
import { PRESETS } from "../../infra/config/presets";
import { type NetworkArgs, normalizeNetworkArgs } from "../../infra/network/network";
import { type DataTierArgs, normalizeDataTierArgs } from "../data-tier/args";
import { type LoadBalancerArgs, normalizeLoadBalancerArgs } from "../load-balancer/args";
import { type MonitoringStackArgs, normalizeMonitoringArgs } from "../monitoring-stack/args";

/**
 * The names of the children. A child's name is in its URN and in every resource's below it, so it
 * can never change once a stack is up: these defaults are the names the seed examples gave their
 * hand-built platform, and a stack that named its own otherwise keeps them here.
 */
export interface AgentPlatformChildNames {
  /** @default "net" */
  readonly network: string;
  /** The EKS cluster (`eks`). @default "cluster" */
  readonly cluster: string;
  /** The ECS cluster (`ecs`). @default "fargate" */
  readonly ecsCluster: string;
  /** @default "edge" */
  readonly loadBalancer: string;
  /** @default "data" */
  readonly dataTier: string;
  /** @default "monitoring" */
  readonly monitoring: string;
}

export const DEFAULT_CHILD_NAMES: AgentPlatformChildNames = { network: "net", cluster: "cluster", ecsCluster: "fargate", loadBalancer: "edge", dataTier: "data", monitoring: "monitoring" };

export interface AgentPlatformArgs {
  /**
   * Where the agents run: `eks` (a VPC and an EKS cluster), `ecs` (a VPC and an ECS Fargate
   * cluster) or `kubernetes` (the cluster of the ambient kubeconfig; no VPC, no cluster created).
   * @example
   * ```ts
   * { platform: "eks" }
   * ```
   */
  platform: Platform;
  /**
   * The environment preset every child is sized from (infra/config/presets.ts).
   * @default "prod"
   * @example
   * ```ts
   * { preset: "staging" }
   * ```
   */
  preset?: PresetName;
  /**
   * The validated stack config's settings (`StackConfig.settings` from readStackConfig or
   * parseStackConfig): every child is sized from its section (network, cluster, loadBalancer,
   * database, cache, monitoring, logs, deletionProtection). The args below override their keys.
   * @default the preset's settings
   * @example
   * ```ts
   * { settings: readStackConfig().settings }
   * ```
   */
  settings?: EnvironmentSettings;
  /**
   * The AWS region of the EKS cluster (its kubeconfig and logs name it). Required on `eks`.
   * @default none (an `eks` platform without one is refused)
   * @example
   * ```ts
   * { region: new pulumi.Config("aws").require("region") }
   * ```
   */
  region?: string;
  /**
   * The VPC's IPv4 block (`eks`, `ecs`); subnets are carved from it per AZ.
   * @default the preset's `network.cidr`
   * @example
   * ```ts
   * { cidr: "10.83.0.0/16" }
   * ```
   */
  cidr?: string;
  /**
   * Networks inside the VPC or connected to it (a self-hosted runner, a VPN) admitted on 443 to the
   * EKS API's private endpoint (`eks`): `pulumi up` installs charts and objects through it.
   * @default [] (with no apiPublicCidrs either, the config check asks for one)
   * @example
   * ```ts
   * { apiPrivateCidrs: ["10.83.0.0/16"] }
   * ```
   */
  apiPrivateCidrs?: string[];
  /**
   * Egress addresses allowed on the EKS API's public endpoint (`eks`).
   * @default none: the public endpoint admits no one
   * @example
   * ```ts
   * { apiPublicCidrs: ["203.0.113.10/32"] }
   * ```
   */
  apiPublicCidrs?: string[];
  /**
   * The public host name of the load balancer; with hostedZoneId a certificate is requested and
   * validated by DNS. Unset: HTTP only (refused in staging and prod by the load balancer).
   * @default none
   * @example
   * ```ts
   * { domain: "agents.example.com" }
   * ```
   */
  domain?: string;
  /**
   * The Route 53 hosted zone that serves `domain` (certificate validation and the alias record).
   * @default none
   * @example
   * ```ts
   * { hostedZoneId: "Z0123456789ABCDEFGHIJ" }
   * ```
   */
  hostedZoneId?: string;
  /**
   * Seconds the load balancer keeps an idle connection: longer for streamed answers and long MCP sessions.
   * @default the preset's `loadBalancer.idleTimeoutSeconds`
   * @example
   * ```ts
   * { idleTimeoutSeconds: 3600 }
   * ```
   */
  idleTimeoutSeconds?: number;
  /**
   * Paths under the WAF's stricter per-IP limit (login, token endpoints).
   * @default none
   * @example
   * ```ts
   * { authPathPatterns: ["/api/auth/*"] }
   * ```
   */
  authPathPatterns?: string[];
  /**
   * The namespace of the load balancer's Ingresses (`kubernetes`): the agents' own, since an Ingress
   * routes only to Services in its namespace.
   * @default the load balancer's default namespace
   * @example
   * ```ts
   * { ingressNamespace: "agentyard-prod-agents" }
   * ```
   */
  ingressNamespace?: LoadBalancerArgs["namespace"];
  /**
   * Build the data tier (PostgreSQL with pgvector, Redis); off for a platform whose apps keep no state (an MCP sandbox).
   * @default true
   * @example
   * ```ts
   * { dataTier: false }
   * ```
   */
  dataTier?: boolean;
  /**
   * Dimensions of the pgvector embedding column the data tier indexes.
   * @default 1536
   * @example
   * ```ts
   * { embeddingDimensions: 3072 }
   * ```
   */
  embeddingDimensions?: number;
  /**
   * A second region each daily database backup is copied to (`eks`, `ecs`).
   * @default none: backups stay in the stack's region
   * @example
   * ```ts
   * { backupCopyRegion: "us-west-2" }
   * ```
   */
  backupCopyRegion?: string;
  /**
   * Who alerts reach by e-mail (subscribed to the SNS topic on AWS). In prod, routed alerts with no receiver are refused.
   * @default none
   * @example
   * ```ts
   * { alertEmails: ["oncall@example.com"] }
   * ```
   */
  alertEmails?: string[];
  /**
   * On `eks`, hand the monitoring stack the cluster: IAM roles (IRSA) for Alertmanager (it
   * publishes to the alert topic, so e-mails go out), the OpenTelemetry collector (X-Ray) and
   * container logs to CloudWatch, and Prometheus's volume on the cluster's StorageClass by name.
   * Off, none of these reach AWS from an eks cluster.
   * @default true
   * @example
   * ```ts
   * { clusterMonitoring: false }
   * ```
   */
  clusterMonitoring?: boolean;
  /**
   * Alert groups on the apps' own metric names and labels, beside the shipped ones.
   * @default none
   * @example
   * ```ts
   * { appRuleGroups: [appAlertGroup("cartrita", { statusLabel: "status_code" })] }
   * ```
   */
  appRuleGroups?: RuleGroup[];
  /**
   * Child names other than the defaults (see AgentPlatformChildNames): for a stack that already built these parts under other names.
   * @default { network: "net", cluster: "cluster", ecsCluster: "fargate", loadBalancer: "edge", dataTier: "data", monitoring: "monitoring" }
   * @example
   * ```ts
   * { names: { network: "network", loadBalancer: "public" } }
   * ```
   */
  names?: Partial<AgentPlatformChildNames>;
}

/** The network's outputs a child needs, before the network exists: the normalizer stands each in. */
export interface PlatformWiring {
  readonly vpcId?: LoadBalancerArgs["vpcId"];
  readonly publicSubnetIds?: LoadBalancerArgs["publicSubnetIds"];
  readonly privateSubnetIds?: DataTierArgs["privateSubnetIds"];
  readonly isolatedSubnetIds?: DataTierArgs["isolatedSubnetIds"];
  readonly workloadSecurityGroupIds?: LoadBalancerArgs["workloadSecurityGroupIds"];
}

/** Every child's args, checked: what the component creates, in the order it creates it. */
export interface NormalizedAgentPlatformArgs {
  readonly platform: Platform;
  readonly preset: PresetName;
  readonly names: AgentPlatformChildNames;
  /** `eks`, `ecs`: the VPC. */
  readonly network: NetworkArgs | undefined;
  /** `eks`: the cluster's settings (the preset's, with the API's endpoint access) and region. */
  readonly eks: { readonly settings: EnvironmentSettings["cluster"]; readonly region: string; readonly logRetentionDays: number; readonly gvisorNodeGroup: boolean } | undefined;
  /** `ecs`: the Fargate cluster's settings. */
  readonly ecs: { readonly settings: EnvironmentSettings["cluster"] } | undefined;
  readonly loadBalancer: (wiring: PlatformWiring) => LoadBalancerArgs;
  readonly dataTier: ((wiring: PlatformWiring) => DataTierArgs) | undefined;
  readonly monitoring: Omit<MonitoringStackArgs, "dataTier" | "provider" | "ecsCluster" | "cluster" | "storageClassName">;
  /** `eks`: the monitoring stack gets the cluster and its StorageClass. */
  readonly clusterMonitoring: boolean;
}

/**
 * Checks the args and every child's args before the first resource is registered, so a bad value
 * anywhere (a region, a CIDR, an alert with no receiver in prod) leaves nothing half-made. The
 * children's own normalizers run here on the args they will get; the network's subnets, which do
 * not exist yet, stand in as one placeholder per AZ.
 */
export function normalizeAgentPlatformArgs(name: string, args: AgentPlatformArgs): NormalizedAgentPlatformArgs {
  const subject = `AgentPlatform "${name}"`;
  if (!(PLATFORMS as readonly string[]).includes(args.platform)) throw new ConfigError(subject, [{ key: "platform", got: args.platform, expected: `one of ${PLATFORMS.join(", ")}` }]);
  const presetName = args.preset ?? "prod";
  if (!(PRESET_NAMES as readonly string[]).includes(presetName)) throw new ConfigError(subject, [{ key: "preset", got: args.preset, expected: `one of ${PRESET_NAMES.join(", ")}` }]);
  const preset = PRESETS[presetName];
  const base = args.settings ?? preset;
  const { platform } = args;
  const names = { ...DEFAULT_CHILD_NAMES, ...args.names };
  const problems: ConfigProblem[] = [];
  const collect = (check: () => void) => {
    try {
      check();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  };

  const onAws = platform !== "kubernetes";
  const network: NetworkArgs | undefined = onAws ? { preset: presetName, ...base.network, ...definedOnly({ cidr: args.cidr }), flowLogRetentionDays: base.logs.retentionDays } : undefined;
  let azCount = preset.network.azCount;
  if (network) collect(() => (azCount = normalizeNetworkArgs(names.network, network).azCount));

  let eks: NormalizedAgentPlatformArgs["eks"];
  if (platform === "eks") {
    const given = args.apiPrivateCidrs !== undefined || args.apiPublicCidrs !== undefined;
    const endpointAccess = given ? { privateCidrs: args.apiPrivateCidrs ?? [], ...(args.apiPublicCidrs ? { publicCidrs: args.apiPublicCidrs } : {}) } : base.cluster.endpointAccess;
    const settings = { ...base.cluster, endpointAccess };
    const parsed = clusterSection.safeParse(settings);
    if (!parsed.success) problems.push(...argProblems(parsed.error, settings, "cluster"));
    if (!endpointAccess.privateCidrs?.length && !endpointAccess.publicCidrs?.length) {
      problems.push({ key: "apiPrivateCidrs", got: args.apiPrivateCidrs, expected: "at least one CIDR in apiPrivateCidrs or apiPublicCidrs: the deployer reaches the EKS API to install charts" });
    }
    if (args.region === undefined || !AWS_REGION_PATTERN.test(args.region)) problems.push({ key: "region", got: args.region, expected: "an AWS region such as us-east-1 (required on eks)" });
    eks = { settings, region: args.region ?? "", logRetentionDays: base.logs.retentionDays, gvisorNodeGroup: base.sandbox.gvisor };
  }
  const ecs = platform === "ecs" ? { settings: base.cluster } : undefined;

  const loadBalancer = (wiring: PlatformWiring): LoadBalancerArgs => ({
    platform,
    preset: presetName,
    ...(onAws ? { vpcId: wiring.vpcId, publicSubnetIds: wiring.publicSubnetIds, workloadSecurityGroupIds: wiring.workloadSecurityGroupIds } : {}),
    ...base.loadBalancer,
    deletionProtection: base.deletionProtection,
    ...definedOnly({ domain: args.domain, hostedZoneId: args.hostedZoneId, idleTimeoutSeconds: args.idleTimeoutSeconds }),
    authPathPatterns: args.authPathPatterns,
    namespace: args.ingressNamespace,
  });
  const dataTier =
    args.dataTier === false
      ? undefined
      : (wiring: PlatformWiring): DataTierArgs => ({
          platform,
          preset: presetName,
          ...(onAws ? { vpcId: wiring.vpcId, isolatedSubnetIds: wiring.isolatedSubnetIds, privateSubnetIds: wiring.privateSubnetIds, workloadSecurityGroupIds: wiring.workloadSecurityGroupIds } : {}),
          database: { ...base.database, ...definedOnly({ backupCopyRegion: args.backupCopyRegion }) },
          cache: base.cache,
          deletionProtection: base.deletionProtection,
          logRetentionDays: base.logs.retentionDays,
          embeddingDimensions: args.embeddingDimensions,
        });
  const alerts = args.alertEmails ? { ...base.monitoring.alerts, emails: args.alertEmails } : base.monitoring.alerts;
  const monitoring = { platform, preset: presetName, ...base.monitoring, alerts, appRuleGroups: args.appRuleGroups, logRetentionDays: base.logs.retentionDays };

  const standIn: PlatformWiring = onAws
    ? { vpcId: "vpc-pending", publicSubnetIds: Array.from({ length: azCount }, () => "subnet-pending"), privateSubnetIds: ["subnet-pending"], isolatedSubnetIds: Array.from({ length: azCount }, () => "subnet-pending"), workloadSecurityGroupIds: [] }
    : {};
  collect(() => normalizeLoadBalancerArgs(names.loadBalancer, loadBalancer(standIn)));
  if (dataTier) collect(() => normalizeDataTierArgs(names.dataTier, dataTier(standIn)));
  collect(() => normalizeMonitoringArgs(names.monitoring, monitoring));
  if (problems.length > 0) throw new ConfigError(subject, problems);

  return { platform, preset: presetName, names, network, eks, ecs, loadBalancer, dataTier, monitoring, clusterMonitoring: args.clusterMonitoring ?? true };
}
