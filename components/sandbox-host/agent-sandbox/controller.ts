import { readFileSync } from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import * as apiextensions from "@pulumi/kubernetes/apiextensions/v1";
import * as apps from "@pulumi/kubernetes/apps/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import * as rbac from "@pulumi/kubernetes/rbac/v1";
import { load } from "js-yaml";
import { KUBERNETES_API_ANNOTATION } from "../../../infra/kubernetes/api-token";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../../../infra/kubernetes/hardening";
import { CONTROLLER_FILES, CRD_FILES, type Manifest, assetFile, readManifests } from "./release";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;

/*
 * The agent-sandbox controller as the release's `sandbox-with-extensions.yaml` assembles it
 * (k8s/kustomization.yaml: the core manifests, the extensions' RBAC, and a patch turning the
 * extensions on in the one Deployment), created as typed Kubernetes objects from our copies of
 * those files, so every object is in the plan and checked by the schema and the policy pack.
 *
 * Ours on top, none of which the controller depends on: the restricted Pod Security labels on its
 * namespace; on its pod a fixed non-root user (the image is distroless `static-debian13:nonroot`,
 * uid 65532, per the release's Dockerfile), a read-only root with a size-limited /tmp (where it
 * writes its webhook serving certificate, `--webhook-cert-dir` /tmp/k8s-webhook-server/serving-certs),
 * no capabilities, RuntimeDefault seccomp, requests and limits, and the probes of upstream's Helm
 * chart (helm/templates/deployment.yaml: /healthz and /readyz on port `healthz`). It keeps its API
 * token: it is a controller. It manages its webhook certificate itself (a Secret in its namespace)
 * and patches the CRDs' conversion `caBundle`; we never set that field, and Pulumi's Kubernetes
 * provider applies server-side (the default since v4), which leaves fields other managers own
 * alone and keeps no last-applied annotation, whose size limit the 400 kB template CRD would pass
 * (https://www.pulumi.com/registry/packages/kubernetes/how-to-guides/managing-resources-with-server-side-apply/,
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management).
 *
 * Cluster-scoped (CRDs, ClusterRoles, the namespace): one installation per cluster.
 */

/** The distroless `nonroot` user the controller image runs as. */
export const CONTROLLER_UID = 65532;

export interface ControllerSpec {
  readonly image: pulumi.Input<string>;
  /** With leader election (upstream's `--leader-elect=true`), a second replica is a warm standby. */
  readonly replicas: number;
}

export interface AgentSandboxController {
  readonly crds: apiextensions.CustomResourceDefinition[];
  readonly deployment: apps.Deployment;
}

const logicalName = (name: string, m: Manifest) => `${name}-${m.kind.toLowerCase()}-${m.metadata.name}`;
/** The object without apiVersion and kind (a typed resource sets them), as the args of its resource type. */
function body<Args>(m: Manifest): Args {
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = m;
  return rest as unknown as Args;
}

export function installController(parent: pulumi.Resource, name: string, spec: ControllerSpec, provider: pulumi.ProviderResource | undefined): AgentSandboxController {
  const crds = Object.values(CRD_FILES).flatMap(readManifests).map(
    (m) => new apiextensions.CustomResourceDefinition(logicalName(name, m), body<apiextensions.CustomResourceDefinitionArgs>(m), { parent, provider }),
  );
  const manifests = CONTROLLER_FILES.flatMap(readManifests);
  const namespaceManifest = manifests.find((m) => m.kind === "Namespace");
  if (!namespaceManifest) throw new Error("agent-sandbox release: no Namespace in its controller manifests");
  const namespace = new core.Namespace(
    logicalName(name, namespaceManifest),
    {
      metadata: {
        ...namespaceManifest.metadata,
        labels: { ...namespaceManifest.metadata.labels, "app.kubernetes.io/part-of": "agentyard", "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted" },
      },
    },
    { parent, provider },
  );
  const inNamespace = { parent, provider, dependsOn: [namespace] };
  const made: pulumi.Resource[] = [namespace, ...crds];
  let deploymentManifest: Manifest | undefined;
  for (const m of manifests) {
    const n = logicalName(name, m);
    switch (m.kind) {
      case "Namespace":
        break;
      case "ServiceAccount":
        made.push(new core.ServiceAccount(n, body<core.ServiceAccountArgs>(m), inNamespace));
        break;
      case "Service":
        made.push(new core.Service(n, body<core.ServiceArgs>(m), inNamespace));
        break;
      case "Role":
        made.push(new rbac.Role(n, body<rbac.RoleArgs>(m), inNamespace));
        break;
      case "RoleBinding":
        made.push(new rbac.RoleBinding(n, body<rbac.RoleBindingArgs>(m), inNamespace));
        break;
      case "ClusterRole":
        made.push(new rbac.ClusterRole(n, body<rbac.ClusterRoleArgs>(m), { parent, provider }));
        break;
      case "ClusterRoleBinding":
        made.push(new rbac.ClusterRoleBinding(n, body<rbac.ClusterRoleBindingArgs>(m), { parent, provider }));
        break;
      case "Deployment":
        deploymentManifest = m;
        break;
      default:
        // A new kind in a later release is read, not silently dropped.
        throw new Error(`agent-sandbox release: ${m.kind} ${m.metadata.name} is not rendered (components/sandbox-host/agent-sandbox/controller.ts)`);
    }
  }
  if (!deploymentManifest) throw new Error("agent-sandbox release: no controller Deployment");
  // The controller starts by patching the CRDs and needs its RBAC: after everything else.
  const deployment = new apps.Deployment(logicalName(name, deploymentManifest), hardenedController(deploymentManifest, spec), { parent, provider, dependsOn: made });
  return { crds, deployment };
}

/** The Deployment patch of k8s/kustomization.yaml: what turns the extensions on. */
export function extensionsPatch(): { container: Container; volumes: k8s.types.input.core.v1.Volume[] } {
  const kustomization = load(readFileSync(assetFile("kustomization"), "utf8")) as { patches: Array<{ patch: string }> };
  const patch = kustomization.patches.map((p) => load(p.patch) as Manifest).find((p) => p.kind === "Deployment");
  const podSpec = (patch?.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
  const container = (podSpec?.containers as Container[] | undefined)?.[0];
  if (!podSpec || !container) throw new Error("agent-sandbox release: no Deployment patch in k8s/kustomization.yaml");
  return { container, volumes: (podSpec.volumes as k8s.types.input.core.v1.Volume[] | undefined) ?? [] };
}

function hardenedController(m: Manifest, spec: ControllerSpec): apps.DeploymentArgs {
  const deployment = body<{ metadata: Manifest["metadata"]; spec: k8s.types.input.apps.v1.DeploymentSpec & { template: { metadata: Record<string, unknown>; spec: PodSpec } } }>(m);
  const pod = deployment.spec.template.spec;
  const [upstream] = pod.containers as Container[];
  const patch = extensionsPatch();
  const controller: Container = {
    ...upstream,
    image: spec.image,
    args: patch.container.args,
    livenessProbe: { httpGet: { path: "/healthz", port: "healthz" }, initialDelaySeconds: 15, periodSeconds: 20 },
    readinessProbe: { httpGet: { path: "/readyz", port: "healthz" }, initialDelaySeconds: 5, periodSeconds: 10 },
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    securityContext: { ...restrictedContainerSecurity(), runAsUser: CONTROLLER_UID, runAsGroup: CONTROLLER_UID },
    volumeMounts: [...((patch.container.volumeMounts as k8s.types.input.core.v1.VolumeMount[] | undefined) ?? []), { name: "tmp", mountPath: "/tmp" }],
  };
  return {
    metadata: {
      ...deployment.metadata,
      labels: { ...deployment.metadata.labels, "app.kubernetes.io/part-of": "agentyard" },
      // Its automounted token, as upstream runs it: what the policy pack asks a token-holding workload to say.
      annotations: { [KUBERNETES_API_ANNOTATION]: "the agent-sandbox controller reconciles Sandboxes, SandboxClaims, SandboxTemplates and SandboxWarmPools into pods and Services" },
    },
    spec: {
      ...deployment.spec,
      replicas: spec.replicas,
      template: {
        ...deployment.spec.template,
        spec: {
          ...pod,
          automountServiceAccountToken: true,
          securityContext: restrictedPodSecurity(CONTROLLER_UID),
          containers: [controller],
          volumes: [...patch.volumes, { name: "tmp", emptyDir: { sizeLimit: "16Mi" } }],
        },
      },
    },
  };
}
