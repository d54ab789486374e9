import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as apps from "@pulumi/kubernetes/apps/v1";
import * as autoscaling from "@pulumi/kubernetes/autoscaling/v2";
import * as core from "@pulumi/kubernetes/core/v1";
import * as policy from "@pulumi/kubernetes/policy/v1";
import type * as k8s from "@pulumi/kubernetes";
import { type Transform, applyTransform } from "../transform";
import { projectedApiToken } from "./api-token";
import { restrictedContainerSecurity, restrictedPodSecurity } from "./hardening";

type EnvVar = k8s.types.input.core.v1.EnvVar;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type Toleration = k8s.types.input.core.v1.Toleration;
type Probe = k8s.types.input.core.v1.Probe;

/** One HTTP service as a hardened Deployment with its Service, autoscaler and disruption budget. */
export interface WorkloadSpec {
  readonly namespace: pulumi.Input<string>;
  /** `app.kubernetes.io/name`, the Deployment's and Service's name. */
  readonly appName: string;
  /** `app.kubernetes.io/component`: `agent`, `sandbox`. */
  readonly component: string;
  readonly image: pulumi.Input<string>;
  readonly port: number;
  readonly uid: number;
  readonly cpuMillicores: number;
  readonly memoryMb: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Plain settings, kept in a ConfigMap. */
  readonly config: Record<string, pulumi.Input<string>>;
  /** Secret values, kept in a Secret of the workload's namespace and passed as env. */
  readonly secrets: Record<string, pulumi.Input<string>>;
  readonly extraEnv?: EnvVar[];
  readonly volumes?: Volume[];
  readonly volumeMounts?: VolumeMount[];
  readonly extraLabels?: Record<string, string>;
  readonly serviceAccountAnnotations?: Record<string, pulumi.Input<string>>;
  /** Mount the service account token (only for workloads that call the Kubernetes API). */
  readonly automountToken: boolean;
  /**
   * Why the app calls the Kubernetes API, when it does: its container alone gets an hour-long
   * projected API token where clients look (api-token.ts), and the Deployment says why in the
   * annotation the policy pack requires. Use with `automountToken: false`.
   */
  readonly kubernetesApi?: string;
  readonly runtimeClassName?: pulumi.Input<string>;
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: Toleration[];
  readonly terminationGracePeriodSeconds: number;
  /** Target average utilisation for the autoscaler. */
  readonly cpuTargetPercent: number;
  readonly memoryTargetPercent?: number;
  readonly transform?: { deployment?: Transform<k8s.apps.v1.DeploymentArgs> };
  /** Overrides of the image's ENTRYPOINT and CMD. */
  readonly command?: string[];
  readonly args?: string[];
  /** Probes replacing the defaults (`/ready`, `/health` on `http`). */
  readonly probes?: { readiness?: Probe; liveness?: Probe; startup?: Probe };
  /** Named ports beyond `http`, on the container and the Service. */
  readonly extraPorts?: Array<{ name: string; port: number }>;
  /**
   * The port Prometheus scrapes when not `http`: a second Service `<app>-metrics` carries the scrape
   * label, with that port named `http` (what the ServiceMonitor selects), and the main one does not.
   */
  readonly metricsPortName?: string;
  /** Service `ClientIP` affinity for this many seconds. */
  readonly sessionAffinitySeconds?: number;
  readonly imagePullSecrets?: string[];
  /** Size of the `/tmp` emptyDir. @default "64Mi" */
  readonly tmpSizeLimit?: string;
  /** What the Deployment waits for (a migration Job). */
  readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
  /** false when something else (KEDA) owns the HorizontalPodAutoscaler. @default true */
  readonly autoscaler?: boolean;
}

export interface Workload {
  readonly deployment: apps.Deployment;
  readonly service: core.Service;
  readonly serviceAccount: core.ServiceAccount;
  readonly selector: Record<string, string>;
}

export function createWorkload(parent: pulumi.Resource, name: string, spec: WorkloadSpec, provider: pulumi.ProviderResource | undefined): Workload {
  const opts = { parent, provider };
  const selector = { "app.kubernetes.io/name": spec.appName, "app.kubernetes.io/instance": name };
  const labels = {
    ...selector,
    "app.kubernetes.io/component": spec.component,
    "app.kubernetes.io/part-of": "agentyard",
    "app.kubernetes.io/managed-by": "pulumi",
    ...spec.extraLabels,
  };
  const meta = (resourceName: string) => ({ name: resourceName, namespace: spec.namespace, labels });

  const serviceAccount = new core.ServiceAccount(
    `${name}-service-account`,
    { metadata: { ...meta(spec.appName), annotations: spec.serviceAccountAnnotations }, automountServiceAccountToken: spec.automountToken },
    opts,
  );
  const configMap = new core.ConfigMap(`${name}-config`, { metadata: meta(`${spec.appName}-config`), data: spec.config }, opts);
  const secret = new core.Secret(`${name}-secrets`, { metadata: meta(`${spec.appName}-secrets`), type: "Opaque", stringData: spec.secrets }, opts);

  const probes = defaultHttpProbes();
  const apiToken = spec.kubernetesApi === undefined ? undefined : projectedApiToken(spec.kubernetesApi);
  const deployment = new apps.Deployment(
    ...applyTransform(
      spec.transform?.deployment,
      `${name}-deployment`,
      {
        metadata: apiToken ? { ...meta(spec.appName), annotations: apiToken.annotations } : meta(spec.appName),
        spec: {
          // The HPA owns the count (Kubernetes docs: with an HPA, leave spec.replicas out of the
          // manifest, or every apply scales back to it:
          // https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#migrating-deployments-and-statefulsets-to-horizontal-autoscaling).
          // Omitted on create it would be 1 (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#replicas),
          // below the HPA's minimum until it acts: so set on create, and ignored on every update below.
          replicas: spec.minReplicas,
          revisionHistoryLimit: 5,
          selector: { matchLabels: selector },
          // Never below the wanted count during a rollout: new pods first, then old ones go.
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
          template: {
            metadata: {
              labels,
              // A changed setting or secret is a rollout, not a silent drift.
              annotations: {
                "agentyard.dev/config-hash": pulumi.output(spec.config).apply((c) => hashOf(c)),
                "agentyard.dev/secrets-hash": pulumi.secret(pulumi.output(spec.secrets).apply((c) => hashOf(c))),
              },
            },
            spec: {
              serviceAccountName: serviceAccount.metadata.name,
              automountServiceAccountToken: spec.automountToken,
              securityContext: restrictedPodSecurity(spec.uid),
              terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
              runtimeClassName: spec.runtimeClassName,
              nodeSelector: spec.nodeSelector,
              tolerations: spec.tolerations,
              topologySpreadConstraints: [
                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } },
              ],
              containers: [
                {
                  name: spec.appName,
                  image: spec.image,
                  command: spec.command,
                  args: spec.args,
                  ports: [{ name: "http", containerPort: spec.port }, ...(spec.extraPorts ?? []).map((p) => ({ name: p.name, containerPort: p.port }))],
                  envFrom: [{ configMapRef: { name: configMap.metadata.name } }, { secretRef: { name: secret.metadata.name } }],
                  env: spec.extraEnv,
                  readinessProbe: spec.probes?.readiness ?? probes.readiness,
                  livenessProbe: spec.probes?.liveness ?? probes.liveness,
                  startupProbe: spec.probes?.startup ?? probes.startup,
                  resources: {
                    requests: { cpu: `${spec.cpuMillicores}m`, memory: `${spec.memoryMb}Mi` },
                    limits: { cpu: `${spec.cpuMillicores * 2}m`, memory: `${spec.memoryMb}Mi` },
                  },
                  securityContext: restrictedContainerSecurity(),
                  volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...(spec.volumeMounts ?? []), ...(apiToken ? [apiToken.mount] : [])],
                },
              ],
              volumes: [{ name: "tmp", emptyDir: { sizeLimit: spec.tmpSizeLimit ?? "64Mi" } }, ...(spec.volumes ?? []), ...(apiToken ? [apiToken.volume] : [])],
              imagePullSecrets: spec.imagePullSecrets?.map((n) => ({ name: n })),
            },
          },
        },
      },
      // ignoreChanges keeps Pulumi's server-side apply from sending replicas again, and so from
      // conflicting with the HPA's field manager (https://github.com/pulumi/pulumi-kubernetes/issues/2491).
      { ...opts, ignoreChanges: ["spec.replicas"], ...(spec.dependsOn ? { dependsOn: spec.dependsOn } : {}) },
    ),
  );
  const scrapedHere = spec.metricsPortName === undefined || spec.metricsPortName === "http";
  const service = new core.Service(
    `${name}-service`,
    {
      metadata: { ...meta(spec.appName), labels: scrapedHere ? { ...labels, "agentyard.dev/scrape": "true" } : labels },
      spec: {
        selector,
        ports: [{ name: "http", port: spec.port, targetPort: "http" }, ...(spec.extraPorts ?? []).map((p) => ({ name: p.name, port: p.port, targetPort: p.name }))],
        // https://kubernetes.io/docs/reference/networking/virtual-ips/#session-affinity (timeoutSeconds up to 86400)
        ...(spec.sessionAffinitySeconds ? { sessionAffinity: "ClientIP", sessionAffinityConfig: { clientIP: { timeoutSeconds: spec.sessionAffinitySeconds } } } : {}),
      },
    },
    opts,
  );
  if (!scrapedHere) {
    const metricsPort = (spec.extraPorts ?? []).find((p) => p.name === spec.metricsPortName);
    new core.Service(
      `${name}-metrics-service`,
      {
        metadata: { ...meta(`${spec.appName}-metrics`), labels: { ...labels, "agentyard.dev/scrape": "true" } },
        spec: { selector, ports: [{ name: "http", port: metricsPort?.port ?? spec.port, targetPort: spec.metricsPortName }] },
      },
      opts,
    );
  }
  const metrics: k8s.types.input.autoscaling.v2.MetricSpec[] = [
    { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: spec.cpuTargetPercent } } },
  ];
  if (spec.memoryTargetPercent) metrics.push({ type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: spec.memoryTargetPercent } } });
  if (spec.autoscaler !== false) new autoscaling.HorizontalPodAutoscaler(
    `${name}-autoscaler`,
    {
      metadata: meta(spec.appName),
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
        minReplicas: spec.minReplicas,
        maxReplicas: spec.maxReplicas,
        metrics,
        // Up fast, down slowly: a burst of agent traffic should not flap the fleet.
        behavior: {
          scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: "Percent", value: 100, periodSeconds: 60 }] },
          scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Percent", value: 20, periodSeconds: 60 }] },
        },
      },
    },
    opts,
  );
  new policy.PodDisruptionBudget(
    `${name}-disruption-budget`,
    { metadata: meta(spec.appName), spec: { selector: { matchLabels: selector }, ...(spec.minReplicas > 1 ? { minAvailable: 1 } : { maxUnavailable: 1 }) } },
    opts,
  );
  return { deployment, service, serviceAccount, selector };
}

/** The probes of an HTTP service of ours: `/ready` and `/health` on the port named `http`. */
export function defaultHttpProbes(): { readiness: Probe; liveness: Probe; startup: Probe } {
  const probe = (path: string, extra: Record<string, number>) => ({ httpGet: { path, port: "http" }, timeoutSeconds: 3, ...extra });
  return {
    readiness: probe("/ready", { periodSeconds: 5, failureThreshold: 3 }),
    liveness: probe("/health", { initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 6 }),
    startup: probe("/health", { periodSeconds: 2, failureThreshold: 30 }),
  };
}

function hashOf(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
}

/** A namespace that enforces the restricted Pod Security Standard. */
export function restrictedNamespace(parent: pulumi.Resource, name: string, namespaceName: string, provider: pulumi.ProviderResource | undefined): core.Namespace {
  return new core.Namespace(
    name,
    {
      metadata: {
        name: namespaceName,
        labels: {
          "app.kubernetes.io/part-of": "agentyard",
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/warn": "restricted",
        },
      },
    },
    { parent, provider },
  );
}
