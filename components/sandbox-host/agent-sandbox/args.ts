import type * as pulumi from "@pulumi/pulumi";

/** A ServiceAccount allowed to claim sandboxes (AgentService's: `<name>` in its namespace). */
export interface SandboxClaimant {
  readonly namespace: pulumi.Input<string>;
  readonly serviceAccountName: pulumi.Input<string>;
}

/**
 * SandboxHost's settings for engine `agent-sandbox`. Its CRDs are the cluster admin's to apply
 * first (see `engine`; `CRD_INSTALL_COMMAND` in ./crds.ts).
 */
export interface AgentSandboxArgs {
  /**
   * Who may create, read, watch and delete `SandboxClaim`s in the sandbox namespace (one Role,
   * one RoleBinding; nothing else: not the Sandboxes, pods or templates).
   * @default none: nobody but cluster admins can claim
   * @example
   * ```ts
   * { claimants: [{ namespace: "acme-prod-agents", serviceAccountName: "agents" }] }
   * ```
   */
  readonly claimants?: readonly SandboxClaimant[];
  /**
   * The controller's image, for a registry mirror (the same release, by digest preferably).
   * @default "registry.k8s.io/agent-sandbox/agent-sandbox-controller:v0.5.6", where the release publishes it
   * @example
   * ```ts
   * { controllerImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/agent-sandbox-controller:v0.5.6" }
   * ```
   */
  readonly controllerImage?: pulumi.Input<string>;
}
