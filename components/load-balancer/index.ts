import * as pulumi from "@pulumi/pulumi";
import type { Platform } from "../../infra/config/schema";
import { type LoadBalancerArgs, type NormalizedLoadBalancerArgs, normalizeLoadBalancerArgs } from "./args";
import { type AwsFrontDoor, createAwsFrontDoor } from "./aws";
import { type KubernetesFrontDoor, createKubernetesFrontDoor } from "./kubernetes";
import { type NormalizedRoute, type RouteArgs, normalizeRoute, routeProblems } from "./routes";

export type { LoadBalancerArgs } from "./args";
export type { RouteArgs } from "./routes";
export { MAX_REQUEST_BODY_BYTES } from "./body-limit";

/** What a route gives the service behind it. */
export interface AttachedRoute {
  readonly name: string;
  /** The target group (`eks`, `ecs`): ECS services register to it, Kubernetes through a TargetGroupBinding. */
  readonly targetGroupArn: pulumi.Output<string> | undefined;
  readonly port: number;
  /** The listener rule that forwards to the target group (`eks`, `ecs`): an ECS service must wait for it. */
  readonly listenerRule: pulumi.Resource | undefined;
}

/**
 * The HTTPS front door. On `eks` and `ecs`: one ALB in the public subnets with HTTPS (TLS 1.2/1.3),
 * HTTP redirected with 301, HSTS, invalid headers dropped, desync mitigation, access logs to an
 * encrypted bucket, and WAF rate limits by preset. On `kubernetes`: Ingresses with the same limits.
 * Services attach by route.
 */
export class LoadBalancer extends pulumi.ComponentResource {
  /** `https://<domain>`, or `http://<alb dns>` when no certificate is configured. */
  readonly url: pulumi.Output<string>;
  readonly httpsEnabled: boolean;
  /** Said loudly: what this load balancer does not do that a production one should. */
  readonly warnings: readonly string[];
  readonly dnsName: pulumi.Output<string> | undefined;
  readonly arn: pulumi.Output<string> | undefined;
  readonly securityGroupId: pulumi.Output<string> | undefined;
  readonly routes: Record<string, AttachedRoute>;

  private readonly config: NormalizedLoadBalancerArgs;
  private readonly attached: NormalizedRoute[];
  private readonly frontDoor: AwsFrontDoor | KubernetesFrontDoor;
  private readonly lbName: string;

  constructor(name: string, args: LoadBalancerArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Args and every route are checked before the first resource (this component included) is
    // registered, so a bad value or a clash leaves nothing half-made.
    const config = normalizeLoadBalancerArgs(name, args);
    const initial = checkRoutes(name, config.platform, Object.entries(args.routes ?? {}), []);
    super("agentyard:components:LoadBalancer", name, {}, opts);
    this.lbName = name;
    this.config = config;
    this.routes = {};
    this.attached = [];
    const authPatterns = initial.filter((r) => r.rateLimit === "auth").flatMap((r) => r.pathPatterns);

    this.frontDoor =
      this.config.platform === "kubernetes"
        ? createKubernetesFrontDoor(this, name, this.config, args)
        : createAwsFrontDoor(this, name, this.config, args, authPatterns);
    for (const route of initial) this.create(route);

    this.url = this.frontDoor.url;
    this.httpsEnabled = this.frontDoor.https;
    this.warnings = this.httpsEnabled ? [] : ["HTTP only: no domain with a certificate is configured, so traffic is not encrypted"];
    const aws = "alb" in this.frontDoor ? this.frontDoor : undefined;
    this.dnsName = aws?.alb.dnsName;
    this.arn = aws?.alb.arn;
    this.securityGroupId = aws?.securityGroup.id;
    this.registerOutputs({ url: this.url, httpsEnabled: this.httpsEnabled, warnings: this.warnings, dnsName: this.dnsName, securityGroupId: this.securityGroupId });
  }

  /**
   * Adds a route: a target group and listener rule on AWS, an Ingress on Kubernetes.
   * @example
   * ```ts
   * const route = lb.attach("agents", { port: 8080, priority: 100, pathPatterns: ["/v1/*"] });
   * ```
   */
  attach(name: string, route: RouteArgs): AttachedRoute {
    const [normalized] = checkRoutes(this.lbName, this.config.platform, [[name, route]], this.attached);
    return this.create(normalized);
  }

  private create(route: NormalizedRoute): AttachedRoute {
    this.attached.push(route);
    const made = this.frontDoor.attach(route);
    const targetGroupArn = "targetGroup" in made ? made.targetGroup.arn : undefined;
    const listenerRule = "rule" in made ? made.rule : undefined;
    const attached = { name: route.name, targetGroupArn, port: route.port, listenerRule };
    this.routes[route.name] = attached;
    return attached;
  }
}

function checkRoutes(lbName: string, platform: Platform, entries: ReadonlyArray<[string, RouteArgs]>, taken: readonly NormalizedRoute[]): NormalizedRoute[] {
  const accepted: NormalizedRoute[] = [];
  const problems: string[] = [];
  for (const [name, route] of entries) {
    // Auto-named unless given: a replacement then gets a new name instead of colliding with the old.
    const targetGroupName = route.targetGroupName;
    // Kubernetes has no target groups, so their name limit does not apply there.
    const checkedName = platform === "kubernetes" ? undefined : targetGroupName;
    const found = routeProblems(lbName, name, route, checkedName, [...taken, ...accepted]);
    problems.push(...found);
    if (found.length === 0) accepted.push(normalizeRoute(name, route, targetGroupName));
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return accepted;
}
