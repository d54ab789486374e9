import type * as pulumi from "@pulumi/pulumi";
import type * as ec2 from "@pulumi/aws/ec2";
import type * as lb from "@pulumi/aws/lb";
import type * as s3 from "@pulumi/aws/s3";
import type * as wafv2 from "@pulumi/aws/wafv2";
import type * as k8s from "@pulumi/kubernetes";
import { ConfigError } from "../../infra/config/problems";
import { loadBalancerSection, type Platform, type PresetName } from "../../infra/config/schema";
import { definedOnly, zodProblems } from "../../infra/config/zod-problems";
import { AWS_NAME_LIMITS, ELB_NAME_PATTERN, currentScope } from "../../infra/naming";
import type { Transform } from "../../infra/transform";
import { PRESETS } from "../../infra/config/presets";
import type { RouteArgs } from "./routes";

export interface LoadBalancerArgs {
  /**
   * Where it renders: an ALB on `eks` and `ecs`, an Ingress on `kubernetes`.
   * @example
   * ```ts
   * { platform: "ecs" }
   * ```
   */
  platform: Platform;
  /**
   * The environment preset that fills every setting not given here.
   * @default "prod"
   * @example
   * ```ts
   * { preset: "dev" }
   * ```
   */
  preset?: PresetName;
  /**
   * The VPC (required on `eks` and `ecs`).
   * @example
   * ```ts
   * { vpcId: network.vpcId }
   * ```
   */
  vpcId?: pulumi.Input<string>;
  /**
   * Public subnets in at least two AZs (required on `eks` and `ecs`).
   * @example
   * ```ts
   * { publicSubnetIds: network.publicSubnetIds }
   * ```
   */
  publicSubnetIds?: pulumi.Input<string>[];
  /**
   * Security groups of the services behind the load balancer: its only egress, on the routes' ports.
   * @default [] (no egress until services are given)
   * @example
   * ```ts
   * { workloadSecurityGroupIds: [agents.securityGroupId] }
   * ```
   */
  workloadSecurityGroupIds?: pulumi.Input<string>[];
  /**
   * The ALB's name, at most 32 characters (refused, not shortened, when longer).
   * @default "<project>-<stack>"
   * @example
   * ```ts
   * { name: "agents-prod" }
   * ```
   */
  name?: string;
  /**
   * The public host name. With `hostedZoneId` a certificate is requested and validated by DNS,
   * and an alias record points the name at the ALB. Without a domain or certificate: HTTP only.
   * @example
   * ```ts
   * { domain: "agents.example.com", hostedZoneId: "Z0123456789ABCDEFGHIJ" }
   * ```
   */
  domain?: string;
  /**
   * Route 53 hosted zone of `domain`.
   * @example
   * ```ts
   * { hostedZoneId: "Z0123456789ABCDEFGHIJ" }
   * ```
   */
  hostedZoneId?: string;
  /**
   * An existing ACM certificate to serve (instead of requesting one).
   * @example
   * ```ts
   * { certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d" }
   * ```
   */
  certificateArn?: string;
  /**
   * Idle timeout in seconds; long enough for streamed answers.
   * @default 300
   * @example
   * ```ts
   * { idleTimeoutSeconds: 600 }
   * ```
   */
  idleTimeoutSeconds?: number;
  /**
   * A WAFv2 web ACL with per-IP rate limits and the AWS common rule set.
   * @default the preset's (dev: false, staging and prod: true)
   * @example
   * ```ts
   * { waf: true }
   * ```
   */
  waf?: boolean;
  /**
   * Requests per client IP per minute on `api` routes.
   * @default 600 (the seeds' 10 r/s)
   * @example
   * ```ts
   * { apiRateLimitPerMinute: 1200 }
   * ```
   */
  apiRateLimitPerMinute?: number;
  /**
   * Requests per client IP per minute on `auth` routes.
   * @default 300 (the seeds' 5 r/s)
   * @example
   * ```ts
   * { authRateLimitPerMinute: 120 }
   * ```
   */
  authRateLimitPerMinute?: number;
  /**
   * Sources allowed on 80 and 443.
   * @default ["0.0.0.0/0"]
   * @example
   * ```ts
   * { allowedCidrs: ["203.0.113.0/24"] }
   * ```
   */
  allowedCidrs?: string[];
  /**
   * Request-smuggling protection of the ALB.
   * @default the preset's (prod: "strictest", else "defensive")
   * @example
   * ```ts
   * { desyncMitigationMode: "strictest" }
   * ```
   */
  desyncMitigationMode?: "defensive" | "strictest";
  /**
   * Days the access logs are kept.
   * @default the preset's (dev 14, staging 30, prod 90)
   * @example
   * ```ts
   * { accessLogRetentionDays: 365 }
   * ```
   */
  accessLogRetentionDays?: number;
  /**
   * Deletion protection on the ALB; the log bucket is also kept (not force-destroyed) when on.
   * @default the preset's (prod: true)
   * @example
   * ```ts
   * { deletionProtection: false }
   * ```
   */
  deletionProtection?: boolean;
  /**
   * Routes to create with the load balancer, by name (more can be added with `attach`).
   * @example
   * ```ts
   * { routes: { agents: { port: 8080, priority: 100, pathPatterns: ["/v1/*"] } } }
   * ```
   */
  routes?: Record<string, RouteArgs>;
  /**
   * Paths under the stricter `auth` rate limit (WAF) besides those of `auth` routes: for a service
   * that serves its login paths on its own route, attached later.
   * @example
   * ```ts
   * { authPathPatterns: ["/api/auth/*"] }
   * ```
   */
  authPathPatterns?: string[];
  /**
   * Namespace of the Ingresses (platform `kubernetes`).
   * @default "default"
   * @example
   * ```ts
   * { namespace: "agents" }
   * ```
   */
  namespace?: pulumi.Input<string>;
  /**
   * Ingress class (platform `kubernetes`).
   * @default "nginx"
   * @example
   * ```ts
   * { ingressClassName: "nginx" }
   * ```
   */
  ingressClassName?: string;
  /**
   * A TLS secret for `domain` in the namespace (platform `kubernetes`), such as cert-manager makes.
   * @example
   * ```ts
   * { tlsSecretName: "agents-tls" }
   * ```
   */
  tlsSecretName?: string;
  /**
   * Edits any child resource's args before it is created.
   * @example
   * ```ts
   * { transform: { loadBalancer: { enableHttp2: true } } }
   * ```
   */
  transform?: {
    securityGroup?: Transform<ec2.SecurityGroupArgs>;
    loadBalancer?: Transform<lb.LoadBalancerArgs>;
    httpsListener?: Transform<lb.ListenerArgs>;
    httpListener?: Transform<lb.ListenerArgs>;
    targetGroup?: Transform<lb.TargetGroupArgs>;
    listenerRule?: Transform<lb.ListenerRuleArgs>;
    accessLogBucket?: Transform<s3.BucketArgs>;
    webAcl?: Transform<wafv2.WebAclArgs>;
    ingress?: Transform<k8s.networking.v1.IngressArgs>;
  };
}

export interface NormalizedLoadBalancerArgs {
  readonly platform: Platform;
  readonly albName: string;
  readonly domain?: string;
  readonly hostedZoneId?: string;
  readonly certificateArn?: string;
  readonly idleTimeoutSeconds: number;
  readonly waf: boolean;
  readonly apiRateLimitPerMinute: number;
  readonly authRateLimitPerMinute: number;
  readonly allowedCidrs: readonly string[];
  readonly desyncMitigationMode: "defensive" | "strictest";
  readonly accessLogRetentionDays: number;
  readonly deletionProtection: boolean;
}

/** Fills args from the preset and refuses bad values and combinations before anything is created. */
export function normalizeLoadBalancerArgs(name: string, args: LoadBalancerArgs): NormalizedLoadBalancerArgs {
  const preset = PRESETS[args.preset ?? "prod"];
  const settings = {
    ...preset.loadBalancer,
    ...definedOnly({
      domain: args.domain,
      hostedZoneId: args.hostedZoneId,
      certificateArn: args.certificateArn,
      idleTimeoutSeconds: args.idleTimeoutSeconds,
      waf: args.waf,
      apiRateLimitPerMinute: args.apiRateLimitPerMinute,
      authRateLimitPerMinute: args.authRateLimitPerMinute,
      allowedCidrs: args.allowedCidrs,
      desyncMitigationMode: args.desyncMitigationMode,
      accessLogRetentionDays: args.accessLogRetentionDays,
    }),
  };
  const parsed = loadBalancerSection.safeParse(settings);
  if (!parsed.success) throw new ConfigError(`LoadBalancer "${name}"`, zodProblems(parsed.error, settings, `LoadBalancer ${name}`));
  const onAws = args.platform !== "kubernetes";
  if (onAws && (args.vpcId === undefined || (args.publicSubnetIds?.length ?? 0) < 2)) {
    throw new Error(`LoadBalancer "${name}": on ${args.platform} it needs vpcId and publicSubnetIds in at least two AZs`);
  }
  if (onAws && parsed.data.domain && !parsed.data.hostedZoneId && !parsed.data.certificateArn) {
    throw new Error(`LoadBalancer "${name}": domain ${parsed.data.domain} needs hostedZoneId (to request a certificate) or certificateArn`);
  }
  const scope = currentScope();
  const albName = args.name ?? `${scope.project}-${scope.stack}`;
  if (onAws && (albName.length > AWS_NAME_LIMITS.alb || !ELB_NAME_PATTERN.test(albName) || albName.startsWith("internal-"))) {
    throw new Error(
      `LoadBalancer "${name}": ALB name "${albName}" is ${albName.length} characters; AWS allows at most ${AWS_NAME_LIMITS.alb} letters, digits and inner dashes, not starting with "internal-" (set name)`,
    );
  }
  return { platform: args.platform, albName, deletionProtection: args.deletionProtection ?? preset.deletionProtection, ...parsed.data };
}
