import type * as pulumi from "@pulumi/pulumi";
import type { SandboxClaims } from "../sandbox-host";

/**
 * What the agent reads to claim a sandbox of its own (SandboxHost engine agent-sandbox; README,
 * "A pod per session"): where to create the `SandboxClaim`, of which API version, naming which
 * warm pool, and how to reach the claimed sandbox once its name is known.
 */
export const SANDBOX_CLAIM_ENV = {
  namespace: "SANDBOX_CLAIM_NAMESPACE",
  apiVersion: "SANDBOX_CLAIM_API_VERSION",
  warmPool: "SANDBOX_CLAIM_WARM_POOL",
  urlTemplate: "SANDBOX_CLAIM_URL_TEMPLATE",
} as const;

/** The annotation's text on the agents' Deployment: why its pods hold a Kubernetes API token. */
export const SANDBOX_CLAIMS_REASON = "creates, gets, watches and deletes SandboxClaims in the sandbox namespace (SandboxHost engine agent-sandbox)";

export function sandboxClaimEnv(claims: SandboxClaims): Record<string, pulumi.Input<string>> {
  return {
    [SANDBOX_CLAIM_ENV.namespace]: claims.namespace,
    [SANDBOX_CLAIM_ENV.apiVersion]: claims.apiVersion,
    [SANDBOX_CLAIM_ENV.warmPool]: claims.warmPool,
    [SANDBOX_CLAIM_ENV.urlTemplate]: claims.urlTemplate,
  };
}
