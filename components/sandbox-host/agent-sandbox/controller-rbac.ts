import type * as k8s from "@pulumi/kubernetes";
import { AGENT_SANDBOX_CRDS } from "./crds";

type PolicyRule = k8s.types.input.rbac.v1.PolicyRule;

/*
 * What the agent-sandbox controller may do, rule by rule, each for one job of its controllers
 * (the core Sandbox controller, and with `--extensions` the SandboxClaim, SandboxTemplate and
 * SandboxWarmPool controllers). These are the permissions the release's controllers ask for; we
 * grant no more. Its objects live in every namespace where someone claims sandboxes, so the
 * grants are cluster-wide (a ClusterRole), except the webhook certificate's Secret (a Role in
 * its own namespace). RBAC verbs: https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb
 */

/** Read, watch and write a kind: what a controller needs for the objects it owns. */
const MANAGE = ["get", "list", "watch", "create", "update", "patch", "delete"];
/** What controller-runtime needs for a `/status` or `/finalizers` subresource. */
const SUBRESOURCE = ["get", "update", "patch"];

export const CONTROLLER_CLUSTER_RULES: PolicyRule[] = [
  // Sandboxes: the core controller reconciles them; the claim and warm-pool controllers create,
  // adopt and delete them.
  { apiGroups: ["agents.x-k8s.io"], resources: ["sandboxes"], verbs: MANAGE },
  { apiGroups: ["agents.x-k8s.io"], resources: ["sandboxes/status", "sandboxes/finalizers"], verbs: SUBRESOURCE },
  // Claims, templates and warm pools: each reconciled by its own extensions controller.
  { apiGroups: ["extensions.agents.x-k8s.io"], resources: ["sandboxclaims", "sandboxtemplates", "sandboxwarmpools"], verbs: MANAGE },
  {
    apiGroups: ["extensions.agents.x-k8s.io"],
    resources: ["sandboxclaims/status", "sandboxclaims/finalizers", "sandboxtemplates/finalizers", "sandboxwarmpools/status", "sandboxwarmpools/finalizers"],
    verbs: SUBRESOURCE,
  },
  // What a Sandbox is made of: its pod, its headless Service (`service: true`), and the claims of
  // its volumeClaimTemplates. A claim adopting a warm pod relabels that pod.
  { apiGroups: [""], resources: ["pods", "services", "persistentvolumeclaims"], verbs: MANAGE },
  // A template's NetworkPolicy when `networkPolicyManagement: Managed` (ours is Unmanaged, but the
  // template controller watches them whatever a template says); the claim controller deletes the
  // per-claim policies of earlier releases.
  { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: MANAGE },
  // Events about the objects it reconciles, through either Events API.
  { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "update", "patch"] },
  // Leader election (`--leader-elect=true`): the Lease the replicas contend for.
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: MANAGE },
  // At start it writes its conversion webhook's CA into the four CRDs' `caBundle`: those four only.
  {
    apiGroups: ["apiextensions.k8s.io"],
    resources: ["customresourcedefinitions"],
    resourceNames: Object.values(AGENT_SANDBOX_CRDS).map((crd) => crd.name),
    verbs: SUBRESOURCE,
  },
];

/** The Secret where the controller keeps its self-signed webhook certificate, shared by its replicas. */
export const WEBHOOK_CERT_SECRET = "agent-sandbox-webhook-certs";

export const CONTROLLER_NAMESPACE_RULES: PolicyRule[] = [
  // The first replica to start creates it. A create cannot be limited to a name: the name is not
  // known when it is authorized (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-resources).
  { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
  // The other replicas, and every later start, read it (cmd/agent-sandbox-controller/tls.go at the
  // tag); update and patch as the release grants them, for a renewal. That Secret only.
  { apiGroups: [""], resources: ["secrets"], resourceNames: [WEBHOOK_CERT_SECRET], verbs: ["get", "update", "patch"] },
];
