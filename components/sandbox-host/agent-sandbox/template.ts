import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import * as apiextensions from "@pulumi/kubernetes/apiextensions";
import { CRD_PREREQUISITE_ANNOTATION } from "../../../infra/kubernetes/crd-prerequisite";
import { defaultHttpProbes } from "../../../infra/kubernetes/workload";
import type { NormalizedSandboxArgs } from "../args";
import type { SandboxPodBasics } from "../kubernetes-base";
import { sandboxPodSpec } from "../pod";
import { SANDBOX_PORT, resourceSplit, scratchSizeMb } from "../runtime-config";
import { AGENT_SANDBOX_CRDS, crdUrl } from "./crds";
import { SANDBOX_API } from "./release";

type PodSpec = k8s.types.input.core.v1.PodSpec;

export interface TemplateInputs {
  readonly namespace: pulumi.Input<string>;
  readonly basics: SandboxPodBasics;
  /** The ConfigMap of the runtime's settings, for both containers. */
  readonly configMapName: pulumi.Input<string>;
  readonly templateLabels: Record<string, string>;
  readonly podLabels: Record<string, string>;
}

/**
 * The pod each Sandbox gets: the very pod of the runtime engine (pod.ts: `api` with the token and
 * the probes, `executor` as another user with its seccomp profile and scratch), gVisor's
 * RuntimeClass when enabled, no service-account token.
 */
export function sandboxTemplatePodSpec(cfg: NormalizedSandboxArgs, t: TemplateInputs): PodSpec {
  const probes = defaultHttpProbes();
  const base: PodSpec = {
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: 30,
    runtimeClassName: t.basics.runtimeClassName,
    containers: [],
  };
  return sandboxPodSpec(base, {
    contract: cfg.contract,
    image: t.basics.image,
    port: SANDBOX_PORT,
    main: { name: "api", envFrom: [{ configMapRef: { name: t.configMapName } }], readinessProbe: probes.readiness, livenessProbe: probes.liveness, startupProbe: probes.startup },
    tokenSecretName: t.basics.authSecretName,
    resources: resourceSplit(cfg.settings),
    scratchMb: scratchSizeMb(cfg.settings),
    executorSeccomp: t.basics.executorSeccomp,
  });
}

/**
 * The SandboxTemplate (extensions/api/v1beta1/sandboxtemplate_types.go at the pinned tag):
 * - `service: true`: the controller makes a headless Service named as the Sandbox, so a caller
 *   reaches `<sandbox>.<namespace>.svc.cluster.local:8080` (status.serviceFQDN of the Sandbox);
 * - `networkPolicyManagement: Unmanaged`: the controller's own policy would admit only its
 *   sandbox-router and open egress to the public internet (buildDefaultNetworkPolicySpec), and
 *   with it on and no rules it also points the pods' DNS at 8.8.8.8; ours (network-policies.ts)
 *   deny by default, admit the agents and Prometheus, and reach only the allow-listed CIDRs, in the
 *   plan where the policy pack and the tests see them;
 * - claims may inject neither environment nor volumes (`Disallowed`, the defaults, said here).
 * Its CRD is the cluster admin's, applied first: the annotation says which (crds.ts).
 */
export function createSandboxTemplate(parent: pulumi.Resource, name: string, cfg: NormalizedSandboxArgs, t: TemplateInputs, opts: pulumi.CustomResourceOptions): apiextensions.CustomResource {
  return new apiextensions.CustomResource(
    `${name}-template`,
    {
      apiVersion: SANDBOX_API.extensions,
      kind: "SandboxTemplate",
      metadata: { name: "sandbox", namespace: t.namespace, labels: t.templateLabels, annotations: { [CRD_PREREQUISITE_ANNOTATION]: crdUrl(AGENT_SANDBOX_CRDS.SandboxTemplate.file) } },
      spec: {
        podTemplate: { metadata: { labels: t.podLabels }, spec: sandboxTemplatePodSpec(cfg, t) },
        service: true,
        networkPolicyManagement: "Unmanaged",
        envVarsInjectionPolicy: "Disallowed",
        volumeClaimTemplatesPolicy: "Disallowed",
      },
    },
    { ...opts, parent },
  );
}

/**
 * The warm pool: `minReplicas` unclaimed Sandboxes kept ready, so a claim adopts a running pod.
 * `Recreate`: a changed template (a new image) replaces the idle ones at once; claimed ones are
 * never touched (sandboxwarmpool_types.go).
 */
export function createWarmPool(parent: pulumi.Resource, name: string, cfg: NormalizedSandboxArgs, namespace: pulumi.Input<string>, template: apiextensions.CustomResource, labels: Record<string, string>, opts: pulumi.CustomResourceOptions): apiextensions.CustomResource {
  return new apiextensions.CustomResource(
    `${name}-warm-pool`,
    {
      apiVersion: SANDBOX_API.extensions,
      kind: "SandboxWarmPool",
      metadata: { name: "sandbox", namespace, labels, annotations: { [CRD_PREREQUISITE_ANNOTATION]: crdUrl(AGENT_SANDBOX_CRDS.SandboxWarmPool.file) } },
      spec: { replicas: cfg.settings.minReplicas, sandboxTemplateRef: { name: template.metadata.name }, updateStrategy: { type: "Recreate" } },
    },
    { ...opts, parent },
  );
}
