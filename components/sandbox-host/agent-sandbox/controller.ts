import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import * as apps from "@pulumi/kubernetes/apps/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import * as rbac from "@pulumi/kubernetes/rbac/v1";
import { KUBERNETES_API_ANNOTATION } from "../../../infra/kubernetes/api-token";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../../../infra/kubernetes/hardening";
import { CONTROLLER_CLUSTER_RULES, CONTROLLER_NAMESPACE_RULES } from "./controller-rbac";
import { CONTROLLER_NAMESPACE, CONVERSION_WEBHOOK } from "./release";

type Container = k8s.types.input.core.v1.Container;

/*
 * The agent-sandbox controller, rendered by us as typed Kubernetes objects (every one in the plan,
 * checked by the schema and the policy pack): its namespace, ServiceAccount, RBAC
 * (controller-rbac.ts), the metrics and conversion-webhook Services, and one Deployment running
 * the release's image with the extensions controllers on. The CRDs are the cluster admin's
 * (crds.ts). Cluster-scoped objects (the namespace, the ClusterRole): one installation per cluster.
 *
 * The controller's side of it, from its flags at the pinned tag (cmd/agent-sandbox-controller):
 * metrics on :8080, health and readiness on :8081 (/healthz, /readyz), the webhook on :9443
 * serving a certificate it makes itself into `--webhook-cert-dir` (default
 * /tmp/k8s-webhook-server/serving-certs), keeps in a Secret of its namespace, and writes into the
 * CRDs' conversion `caBundle`; leader election on by default; `--extensions` starts the claim,
 * template and warm-pool controllers, which read an optional `allowed-label-domains` from
 * /etc/sandbox-config.
 *
 * Ours, none of which it depends on: the restricted Pod Security labels on its namespace; on its
 * pod a fixed non-root user (the image is distroless `static-debian13:nonroot`, uid 65532), a
 * read-only root with a size-limited /tmp for that certificate, no capabilities, RuntimeDefault
 * seccomp, requests and limits, and probes. It keeps its API token: it is a controller.
 */

/** The distroless `nonroot` user the controller image runs as. */
export const CONTROLLER_UID = 65532;

/** Its name, as the release names it: the ServiceAccount, roles, bindings, metrics Service and Deployment. */
export const CONTROLLER_NAME = "agent-sandbox-controller";
/** The optional ConfigMap the extensions read (key `allowed-label-domains`); we create none. */
export const CONTROLLER_CONFIG_MAP = "agent-sandbox-config";
/** The container ports, named as the probes and Services refer to them. */
export const CONTROLLER_PORTS = { metrics: 8080, healthz: 8081, webhook: 9443 } as const;

export interface ControllerSpec {
  readonly image: pulumi.Input<string>;
  /** With leader election, a second replica is a warm standby. */
  readonly replicas: number;
}

export interface AgentSandboxController {
  readonly deployment: apps.Deployment;
}

export function installController(parent: pulumi.Resource, name: string, spec: ControllerSpec, provider: pulumi.ProviderResource | undefined): AgentSandboxController {
  const logical = (kind: string, objectName: string) => `${name}-${kind}-${objectName}`;
  const clusterOpts = { parent, provider };
  const namespace = new core.Namespace(
    logical("namespace", CONTROLLER_NAMESPACE),
    { metadata: { name: CONTROLLER_NAMESPACE, labels: { "app.kubernetes.io/part-of": "agentyard", "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted" } } },
    clusterOpts,
  );
  const inNamespace = { parent, provider, dependsOn: [namespace] };
  const metadata = { name: CONTROLLER_NAME, namespace: CONTROLLER_NAMESPACE };
  const selector = { app: CONTROLLER_NAME };
  const subjects = [{ kind: "ServiceAccount", name: CONTROLLER_NAME, namespace: CONTROLLER_NAMESPACE }];

  const account = new core.ServiceAccount(logical("serviceaccount", CONTROLLER_NAME), { metadata: { ...metadata, labels: selector } }, inNamespace);
  const clusterRole = new rbac.ClusterRole(logical("clusterrole", CONTROLLER_NAME), { metadata: { name: CONTROLLER_NAME }, rules: CONTROLLER_CLUSTER_RULES }, clusterOpts);
  const clusterBinding = new rbac.ClusterRoleBinding(
    logical("clusterrolebinding", CONTROLLER_NAME),
    { metadata: { name: CONTROLLER_NAME }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: CONTROLLER_NAME }, subjects },
    { ...clusterOpts, dependsOn: [clusterRole] },
  );
  const role = new rbac.Role(logical("role", CONTROLLER_NAME), { metadata, rules: CONTROLLER_NAMESPACE_RULES }, inNamespace);
  const binding = new rbac.RoleBinding(
    logical("rolebinding", CONTROLLER_NAME),
    { metadata, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: CONTROLLER_NAME }, subjects },
    { ...inNamespace, dependsOn: [namespace, role] },
  );
  // Its metrics endpoint, for a scraper to find.
  const metrics = new core.Service(
    logical("service", CONTROLLER_NAME),
    { metadata: { ...metadata, labels: selector }, spec: { selector, ports: [{ name: "metrics", port: CONTROLLER_PORTS.metrics, targetPort: "metrics", protocol: "TCP" }] } },
    inNamespace,
  );
  // The API server calls this one to convert between v1alpha1 and v1beta1: the CRDs name it.
  const webhook = new core.Service(
    logical("service", CONVERSION_WEBHOOK.service),
    {
      metadata: { name: CONVERSION_WEBHOOK.service, namespace: CONTROLLER_NAMESPACE },
      spec: { selector, ports: [{ name: "webhook", port: CONVERSION_WEBHOOK.port, targetPort: CONTROLLER_PORTS.webhook, protocol: "TCP" }] },
    },
    inNamespace,
  );

  // It starts with its RBAC in place, and its Services there for the API server and Prometheus.
  const deployment = new apps.Deployment(logical("deployment", CONTROLLER_NAME), controllerDeployment(spec), {
    parent,
    provider,
    dependsOn: [namespace, account, clusterRole, clusterBinding, role, binding, metrics, webhook],
  });
  return { deployment };
}

function controllerContainer(image: pulumi.Input<string>): Container {
  return {
    name: CONTROLLER_NAME,
    image,
    // Leader election (its default, said here) and the claim, template and warm-pool controllers.
    args: ["--leader-elect=true", "--extensions"],
    ports: Object.entries(CONTROLLER_PORTS).map(([portName, containerPort]) => ({ name: portName, containerPort, protocol: "TCP" })),
    livenessProbe: { httpGet: { path: "/healthz", port: "healthz" }, initialDelaySeconds: 15, periodSeconds: 20 },
    readinessProbe: { httpGet: { path: "/readyz", port: "healthz" }, initialDelaySeconds: 5, periodSeconds: 10 },
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    securityContext: { ...restrictedContainerSecurity(), runAsUser: CONTROLLER_UID, runAsGroup: CONTROLLER_UID },
    volumeMounts: [
      { name: "config-volume", mountPath: "/etc/sandbox-config", readOnly: true },
      // The webhook certificate is written under /tmp; the root stays read-only.
      { name: "tmp", mountPath: "/tmp" },
    ],
  };
}

function controllerDeployment(spec: ControllerSpec): apps.DeploymentArgs {
  const labels = { app: CONTROLLER_NAME };
  return {
    metadata: {
      name: CONTROLLER_NAME,
      namespace: CONTROLLER_NAMESPACE,
      labels: { ...labels, "app.kubernetes.io/part-of": "agentyard" },
      // Its automounted token: what the policy pack asks a token-holding workload to say.
      annotations: { [KUBERNETES_API_ANNOTATION]: "the agent-sandbox controller reconciles Sandboxes, SandboxClaims, SandboxTemplates and SandboxWarmPools into pods and Services" },
    },
    spec: {
      replicas: spec.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: CONTROLLER_NAME,
          automountServiceAccountToken: true,
          securityContext: restrictedPodSecurity(CONTROLLER_UID),
          containers: [controllerContainer(spec.image)],
          volumes: [
            { name: "config-volume", configMap: { name: CONTROLLER_CONFIG_MAP, optional: true } },
            { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
          ],
        },
      },
    },
  };
}
