import type * as pulumi from "@pulumi/pulumi";
import * as rbac from "@pulumi/kubernetes/rbac/v1";
import type { SandboxClaimant } from "./args";

/**
 * What a claimant may do, and nothing more: make a claim, read and watch it until its sandbox is
 * named and ready (status.sandbox.name, status.podIPs), and delete it when the session ends. Not
 * `list` (another caller's claims), not `update`/`patch` (a claim's spec points at the warm pool),
 * not the Sandboxes, pods or templates. Kubernetes RBAC: a watch is its own verb
 * (https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb).
 */
export const CLAIMANT_RULES = [{ apiGroups: ["extensions.agents.x-k8s.io"], resources: ["sandboxclaims"], verbs: ["create", "get", "watch", "delete"] }];

/** A Role in the sandbox namespace and its binding to the claimants' ServiceAccounts. */
export function grantClaims(name: string, namespace: pulumi.Input<string>, claimants: readonly SandboxClaimant[], opts: pulumi.CustomResourceOptions): void {
  if (claimants.length === 0) return;
  const role = new rbac.Role(`${name}-claimant-role`, { metadata: { name: "sandbox-claimant", namespace }, rules: CLAIMANT_RULES }, opts);
  new rbac.RoleBinding(
    `${name}-claimant-binding`,
    {
      metadata: { name: "sandbox-claimants", namespace },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subjects: claimants.map((c) => ({ kind: "ServiceAccount", name: c.serviceAccountName, namespace: c.namespace })),
    },
    opts,
  );
}
