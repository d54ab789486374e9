/*
 * The kubernetes-sigs/agent-sandbox release this engine runs, pinned here and only here: tag
 * v0.5.6, commit 211b7579cabed9460c1a692eb687084ff4c5879d (tagged 2026-08-20). Everything else in
 * this folder is our own code, written from what that release needs (its controller's flags and
 * ports, the API groups and verbs its controllers ask for, the namespace and Service its CRDs'
 * conversion webhook names); the repository holds none of upstream's files. Bumping the version:
 * read the new tag's k8s/ and cmd/agent-sandbox-controller/ for changed flags, permissions or
 * names, update controller.ts and controller-rbac.ts, and have every cluster's admin apply the
 * new tag's CRDs (crds.ts) before `pulumi up`.
 */
export const AGENT_SANDBOX_RELEASE = {
  repository: "https://github.com/kubernetes-sigs/agent-sandbox",
  version: "0.5.6",
  commit: "211b7579cabed9460c1a692eb687084ff4c5879d",
} as const;

export const AGENT_SANDBOX_TAG = `v${AGENT_SANDBOX_RELEASE.version}`;

/**
 * Where the release publishes the controller (its release tool puts
 * `registry.k8s.io/agent-sandbox/agent-sandbox-controller:<tag>` in its manifests).
 */
export const CONTROLLER_IMAGE = `registry.k8s.io/agent-sandbox/agent-sandbox-controller:${AGENT_SANDBOX_TAG}`;

/**
 * Fixed by the release: each of the four CRDs' conversion webhook
 * (`spec.conversion.webhook.clientConfig.service`) names Service `agent-sandbox-webhook-service`
 * in namespace `agent-sandbox-system`, path `/convert`, no port (so 443:
 * https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definition-versioning/#webhook-conversion),
 * and the controller's `--webhook-service-name`/`--webhook-namespace` default to the same. We render
 * that namespace and Service (controller.ts); moving them would mean other CRDs than the release's.
 */
export const CONTROLLER_NAMESPACE = "agent-sandbox-system";
export const CONVERSION_WEBHOOK = { service: "agent-sandbox-webhook-service", path: "/convert", port: 443 } as const;

/** The served, stored versions of the release (the v1alpha1 ones are deprecated there). */
export const SANDBOX_API = { core: "agents.x-k8s.io/v1beta1", extensions: "extensions.agents.x-k8s.io/v1beta1" } as const;
