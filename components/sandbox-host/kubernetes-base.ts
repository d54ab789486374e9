import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import * as core from "@pulumi/kubernetes/core/v1";
import * as node from "@pulumi/kubernetes/node/v1";
import * as random from "@pulumi/random";
import { GVISOR_NODE_LABEL, GVISOR_TAINT } from "../../infra/cluster/eks";
import { restrictedNamespace } from "../../infra/kubernetes/workload";
import { currentScope } from "../../infra/naming";
import type { NormalizedSandboxArgs, SandboxHostArgs } from "./args";
import { readSeccompProfile } from "./contract";
import { buildSandboxImage, localSandboxImage } from "./interpreter";
import { createSeccompInstaller } from "./seccomp-installer";

/**
 * What every Kubernetes rendering of the sandbox pod needs, whichever engine makes the pods
 * (our Deployment or the agent-sandbox controller): its namespace, the image, the bearer token
 * and its Secret, the gVisor RuntimeClass, and the executor's seccomp profile on the nodes.
 */
export interface SandboxPodBasics {
  readonly namespace: pulumi.Output<string>;
  readonly image: pulumi.Output<string>;
  readonly token: pulumi.Output<string>;
  /** The Secret `sandbox-auth` the api mounts (named by its output, so pods wait for it). */
  readonly authSecretName: pulumi.Output<string>;
  readonly runtimeClassName: pulumi.Output<string> | undefined;
  readonly executorSeccomp: k8s.types.input.core.v1.SeccompProfile;
  /** The DaemonSet that puts the profile on the nodes: what the pods wait for. */
  readonly installer: pulumi.Resource | undefined;
}

export function createSandboxPodBasics(parent: pulumi.Resource, name: string, cfg: NormalizedSandboxArgs, args: SandboxHostArgs): SandboxPodBasics {
  const s = cfg.settings;
  const provider = args.cluster?.provider ?? args.provider;
  const k8sOpts = { parent, provider };
  const scope = currentScope();

  const namespace = restrictedNamespace(parent, `${name}-namespace`, args.namespace ?? `${scope.project}-${scope.stack}-sandbox`.slice(0, 63), provider).metadata.name;
  const image = args.image
    ? pulumi.output(args.image)
    : cfg.platform === "eks"
      ? buildSandboxImage(name, s.interpreter, args.cluster?.arm64 === true, { parent })
      : pulumi.output(localSandboxImage(s.interpreter));
  const token = new random.RandomPassword(`${name}-auth-token`, { length: 48, special: false }, { parent });

  let runtimeClassName: pulumi.Output<string> | undefined;
  if (s.gvisor) {
    runtimeClassName = new node.RuntimeClass(
      `${name}-gvisor`,
      {
        metadata: { name: `${scope.stack}-gvisor` },
        handler: "runsc",
        scheduling: { nodeSelector: { ...GVISOR_NODE_LABEL }, tolerations: [{ key: GVISOR_TAINT.key, operator: "Equal", value: GVISOR_TAINT.value, effect: "NoSchedule" }] },
      },
      k8sOpts,
    ).metadata.name;
  }

  // The executor's profile allows the namespace flags of unshare/clone that RuntimeDefault
  // refuses. Under gVisor it is not installed: runsc applies no OCI seccomp filter unless started
  // with --oci-seccomp (runsc flags; the Sentry's own syscall filtering is the boundary there),
  // and the gVisor nodes are tainted, so the executor keeps RuntimeDefault.
  const profile = s.gvisor ? undefined : readSeccompProfile(cfg.contract);
  let executorSeccomp: k8s.types.input.core.v1.SeccompProfile = { type: "RuntimeDefault" };
  let installer: pulumi.Resource | undefined;
  if (profile) {
    const made = createSeccompInstaller(parent, `${name}-seccomp`, { namespaceName: `${scope.project}-${scope.stack}-seccomp`.slice(0, 63), profiles: [profile], image, transform: args.transform?.seccompInstaller }, provider);
    executorSeccomp = { type: "Localhost", localhostProfile: made.localhostProfile(profile.file) };
    installer = made.daemonSet;
  }

  // Named by its output, so the pods wait for the Secret they mount.
  const authSecret = new core.Secret(
    `${name}-auth`,
    { metadata: { name: "sandbox-auth", namespace }, type: "Opaque", stringData: { token: token.result } },
    k8sOpts,
  );
  return { namespace, image, token: token.result, authSecretName: authSecret.metadata.name, runtimeClassName, executorSeccomp, installer };
}
