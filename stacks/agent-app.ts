import * as pulumi from "@pulumi/pulumi";
import type { AgentServiceArgs } from "../components/agent-service";
import type { EnvironmentSettings } from "../infra/config/schema";

type AppConfig = Omit<EnvironmentSettings["agents"], "minReplicas" | "maxReplicas" | "cpu" | "memoryMb" | "image">;

/**
 * The `agents` section's app keys as AgentService args. Secret values (set with
 * `pulumi config set --secret --path 'agentyard:agents.secrets.NAME'`) become secret outputs
 * here, so they reach the plan and state only as secrets.
 */
export function agentAppArgs(app: AppConfig): Partial<AgentServiceArgs> {
  // The route is the stack's to place: it owns the load balancer.
  const { secrets, stickySessionSeconds, route: _route, ...rest } = app;
  return {
    ...rest,
    // A value still encrypted (`{ secure }`) is what the offline plan sees: it cannot decrypt, and shows "[secret]".
    secretValues: secrets ? Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, pulumi.secret(typeof v === "string" ? v : "[secret]")])) : undefined,
    stickySessions: stickySessionSeconds ? { durationSeconds: stickySessionSeconds } : undefined,
  };
}
