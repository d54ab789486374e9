import { cidrsOverlap, parseCidr } from "../network/cidr";
import { ciRoleProblem, endpointAccessProblem, versionProblem } from "./cluster-checks";
import { connectionPoolProblem } from "./pool-checks";
import { sessionIdleProblem, sessionMemoryProblem } from "./sandbox-memory";
import type { ConfigProblem } from "./problems";
import type { EnvironmentSettings, Platform } from "./schema";

/*
 * Checks that span keys. They run on the merged settings (preset plus overrides), because a
 * conflict often comes from one overridden key against a preset value the user never wrote.
 */

type Check = (s: EnvironmentSettings, platform: Platform, ns: string) => ConfigProblem | undefined;

function atMost(key: string, value: number, limitKey: string, limit: number, ns: string): ConfigProblem | undefined {
  return value > limit ? { key: `${ns}:${key}`, got: value, expected: `at most ${limitKey} (${limit})` } : undefined;
}

const CHECKS: readonly Check[] = [
  endpointAccessProblem,
  ciRoleProblem,
  connectionPoolProblem,
  (s, platform, ns) => versionProblem(s, platform, ns),
  (s, platform, ns) => {
    if (platform !== "eks") return undefined;
    const vpc = parseCidr(s.network.cidr);
    const services = parseCidr(s.cluster.serviceCidr);
    if (!vpc || !services || !cidrsOverlap(vpc, services)) return undefined;
    return {
      key: `${ns}:cluster.serviceCidr`,
      got: s.cluster.serviceCidr,
      expected: `a range that does not overlap network.cidr (${s.network.cidr})`,
    };
  },
  (s, _p, ns) => atMost("agents.minReplicas", s.agents.minReplicas, "agents.maxReplicas", s.agents.maxReplicas, ns),
  (s, _p, ns) => atMost("sandbox.minReplicas", s.sandbox.minReplicas, "sandbox.maxReplicas", s.sandbox.maxReplicas, ns),
  (s, _p, ns) => atMost("cluster.minNodes", s.cluster.minNodes, "cluster.desiredNodes", s.cluster.desiredNodes, ns),
  (s, _p, ns) => atMost("cluster.desiredNodes", s.cluster.desiredNodes, "cluster.maxNodes", s.cluster.maxNodes, ns),
  (s, _p, ns) =>
    atMost("database.allocatedStorageGb", s.database.allocatedStorageGb, "database.maxAllocatedStorageGb", s.database.maxAllocatedStorageGb, ns),
  (s, _p, ns) => atMost("sandbox.executionMemoryMb", s.sandbox.executionMemoryMb, "sandbox.memoryMb", s.sandbox.memoryMb, ns),
  (s, platform, ns) => sessionMemoryProblem(s.sandbox, platform, (path) => `${ns}:sandbox.${path}`),
  (s, _p, ns) => sessionIdleProblem(s.sandbox, (path) => `${ns}:sandbox.${path}`),
  (s, platform, ns) =>
    platform !== "kubernetes" && !s.loadBalancer.domain && !s.loadBalancer.certificateArn && !s.loadBalancer.allowPlainHttp
      ? {
          key: `${ns}:loadBalancer.domain`,
          got: undefined,
          expected: "a domain with hostedZoneId or certificateArn, so the load balancer serves HTTPS (or loadBalancer.allowPlainHttp: true to serve plain HTTP on purpose)",
        }
      : undefined,
  (s, platform, ns) =>
    platform !== "kubernetes" && s.loadBalancer.domain && !s.loadBalancer.hostedZoneId && !s.loadBalancer.certificateArn
      ? { key: `${ns}:loadBalancer.domain`, got: s.loadBalancer.domain, expected: "loadBalancer.hostedZoneId or loadBalancer.certificateArn set as well (to get a certificate for it)" }
      : undefined,
  (s, platform, ns) => {
    if (platform !== "eks") return undefined;
    const wrong = s.cluster.nodeInstanceTypes.filter((t) => isArmInstanceType(t) !== (s.cluster.architecture === "arm64"));
    return wrong.length ? { key: `${ns}:cluster.nodeInstanceTypes`, got: s.cluster.nodeInstanceTypes, expected: `${s.cluster.architecture} instance types only (cluster.architecture)` } : undefined;
  },
  // ECS docs, Fargate capacity providers: "Linux tasks with the ARM64 architecture don't support the
  // Fargate Spot capacity provider" (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-capacity-providers.html).
  (s, platform, ns) =>
    platform === "ecs" && s.cluster.architecture === "arm64" && s.cluster.fargateSpotPercent > 0
      ? {
          key: `${ns}:cluster.architecture`,
          got: s.cluster.architecture,
          expected: `x86_64 while cluster.fargateSpotPercent is ${s.cluster.fargateSpotPercent} (Fargate Spot runs no ARM64 tasks), or set cluster.fargateSpotPercent: 0 to run ARM64 on FARGATE`,
        }
      : undefined,
  (s, platform, ns) =>
    platform === "ecs" && s.sandbox.engine === "agent-sandbox"
      ? { key: `${ns}:sandbox.engine`, got: s.sandbox.engine, expected: "runtime on ecs (agent-sandbox is a Kubernetes controller: eks or kubernetes)" }
      : undefined,
  (s, _p, ns) =>
    s.cache.multiAz && s.cache.replicas === 0
      ? { key: `${ns}:cache.multiAz`, got: true, expected: "false while cache.replicas is 0 (Multi-AZ needs a replica to fail over to)" }
      : undefined,
];

/** Graviton families carry a `g` after the generation: t4g, m7g, c7gn, r6gd. */
export function isArmInstanceType(type: string): boolean {
  return /^[a-z]+\d+g[a-z]*\./.test(type);
}

export function crossCheck(settings: EnvironmentSettings, platform: Platform, namespace: string): ConfigProblem[] {
  return CHECKS.map((check) => check(settings, platform, namespace)).filter((p): p is ConfigProblem => p !== undefined);
}
