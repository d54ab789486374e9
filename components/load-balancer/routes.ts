import { AWS_NAME_LIMITS, ELB_NAME_PATTERN } from "../../infra/naming";

/** One service exposed through the load balancer. */
export interface RouteArgs {
  /**
   * The port the service's pods or tasks listen on.
   * @example
   * ```ts
   * { port: 8080 }
   * ```
   */
  port: number;
  /**
   * Listener rule priority, unique per load balancer; lower wins.
   * @example
   * ```ts
   * { priority: 100 }
   * ```
   */
  priority: number;
  /**
   * Paths routed to the service (ALB patterns; `*` matches any characters).
   * @default ["/*"] when no hosts are given
   * @example
   * ```ts
   * { pathPatterns: ["/v1/agents/*"] }
   * ```
   */
  pathPatterns?: string[];
  /**
   * Host names routed to the service.
   * @example
   * ```ts
   * { hosts: ["grafana.example.com"] }
   * ```
   */
  hosts?: string[];
  /**
   * The path the load balancer health-checks.
   * @default "/health"
   * @example
   * ```ts
   * { healthCheckPath: "/ready" }
   * ```
   */
  healthCheckPath?: string;
  /**
   * Which per-client rate limit applies: `api` (the seeds: 10 r/s) or the stricter `auth` (5 r/s).
   * @default "api"
   * @example
   * ```ts
   * { rateLimit: "auth" }
   * ```
   */
  rateLimit?: "api" | "auth";
  /**
   * Seconds a draining target keeps its connections (long enough to finish a streamed answer).
   * @default 30
   * @example
   * ```ts
   * { deregistrationDelaySeconds: 120 }
   * ```
   */
  deregistrationDelaySeconds?: number;
  /**
   * Seconds a new target's share of traffic ramps up over; 0 turns slow start off.
   * @default 30
   * @example
   * ```ts
   * { slowStartSeconds: 0 }
   * ```
   */
  slowStartSeconds?: number;
  /**
   * The Kubernetes Service the Ingress sends to (platform `kubernetes` only).
   * @default the route's name
   * @example
   * ```ts
   * { serviceName: "agents" }
   * ```
   */
  serviceName?: string;
  /**
   * A fixed name for the target group; at most 32 characters, refused (not shortened) when longer.
   * A fixed name cannot survive a replacement (a new port, protocol or VPC): the new target group
   * is created before the old one is deleted, and AWS refuses the name twice. The deploy rule
   * `replaceable-resources-not-fixed-names` fails a plan that sets one.
   * @default auto-named by Pulumi from the load balancer's and the route's names (a new name on replacement)
   * @example
   * ```ts
   * { targetGroupName: "prod-agents" }
   * ```
   */
  targetGroupName?: string;
}

export interface NormalizedRoute {
  readonly name: string;
  readonly port: number;
  readonly priority: number;
  readonly pathPatterns: readonly string[];
  readonly hosts: readonly string[];
  readonly healthCheckPath: string;
  readonly rateLimit: "api" | "auth";
  readonly deregistrationDelaySeconds: number;
  readonly slowStartSeconds: number;
  readonly serviceName: string;
  /** Undefined: auto-named. */
  readonly targetGroupName: string | undefined;
}

/** The literal part of an ALB path pattern, before its first `*`: `/auth/*` -> `/auth/`. */
export function patternPrefix(pattern: string): string {
  const star = pattern.indexOf("*");
  return star < 0 ? pattern : pattern.slice(0, star);
}

const ROUTE_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

function inRange(n: number, min: number, max: number) {
  return Number.isInteger(n) && n >= min && n <= max;
}

/**
 * Checks one route against the AWS rules and the routes already attached, and lists every problem,
 * so that a bad route stops the program before the load balancer or anything else is registered.
 */
export function routeProblems(lbName: string, name: string, route: RouteArgs, targetGroupName: string | undefined, taken: readonly NormalizedRoute[]): string[] {
  const where = `LoadBalancer "${lbName}" route "${name}"`;
  const problems: string[] = [];
  if (!ROUTE_NAME.test(name)) problems.push(`${where}: the name must be 2-32 lower-case letters, digits and dashes`);
  if (!inRange(route.port, 1, 65535)) problems.push(`${where}: port ${route.port} is not an integer from 1 to 65535`);
  if (!inRange(route.priority, 1, 50000)) problems.push(`${where}: priority ${route.priority} is not an integer from 1 to 50000`);
  const clash = taken.find((r) => r.priority === route.priority);
  if (clash) problems.push(`${where}: priority ${route.priority} is already used by route "${clash.name}"; listener rule priorities must be unique`);
  if (taken.some((r) => r.name === name)) problems.push(`${where}: a route of that name is already attached`);
  if (targetGroupName !== undefined && targetGroupName.length > AWS_NAME_LIMITS.targetGroup) {
    problems.push(
      `${where}: target group name "${targetGroupName}" is ${targetGroupName.length} characters; AWS allows at most ${AWS_NAME_LIMITS.targetGroup} (shorten the route name or set targetGroupName)`,
    );
  }
  if (targetGroupName !== undefined && !ELB_NAME_PATTERN.test(targetGroupName)) problems.push(`${where}: target group name "${targetGroupName}" may hold only letters, digits and inner dashes`);
  if ((route.pathPatterns?.length ?? 0) + (route.hosts?.length ?? 0) > 5) problems.push(`${where}: an ALB rule takes at most 5 path and host values in all`);
  for (const path of route.pathPatterns ?? []) if (!path.startsWith("/")) problems.push(`${where}: path pattern "${path}" must start with /`);
  const health = route.healthCheckPath ?? "/health";
  if (!health.startsWith("/")) problems.push(`${where}: healthCheckPath "${health}" must start with /`);
  for (const [key, value, max] of [["deregistrationDelaySeconds", route.deregistrationDelaySeconds, 3600], ["slowStartSeconds", route.slowStartSeconds, 900]] as const) {
    if (value !== undefined && !inRange(value, 0, max)) problems.push(`${where}: ${key} ${value} is not an integer from 0 to ${max}`);
  }
  if (route.slowStartSeconds !== undefined && route.slowStartSeconds > 0 && route.slowStartSeconds < 30) {
    problems.push(`${where}: slowStartSeconds must be 0 or from 30 to 900 (an ALB rule)`);
  }
  return problems;
}

export function normalizeRoute(name: string, route: RouteArgs, targetGroupName: string | undefined): NormalizedRoute {
  const hosts = route.hosts ?? [];
  return {
    name,
    port: route.port,
    priority: route.priority,
    pathPatterns: route.pathPatterns ?? (hosts.length ? [] : ["/*"]),
    hosts,
    healthCheckPath: route.healthCheckPath ?? "/health",
    rateLimit: route.rateLimit ?? "api",
    deregistrationDelaySeconds: route.deregistrationDelaySeconds ?? 30,
    slowStartSeconds: route.slowStartSeconds ?? 30,
    serviceName: route.serviceName ?? name,
    targetGroupName,
  };
}
