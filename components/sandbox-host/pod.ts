import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { restrictedContainerSecurity } from "../../infra/kubernetes/hardening";
import type { SandboxContract } from "./contract";
import type { ContainerShare } from "./runtime-config";

type Container = k8s.types.input.core.v1.Container;
type PodSpec = k8s.types.input.core.v1.PodSpec;
type SeccompProfile = k8s.types.input.core.v1.SeccompProfile;

export const TOKEN_DIR = "/var/run/secrets/agentyard";
/** The ipc volume holds one unix socket: a socket takes no space, so 1 MiB of memory is plenty. */
export const IPC_SIZE_LIMIT = "1Mi";

export interface SandboxPodInputs {
  readonly contract: SandboxContract;
  readonly image: pulumi.Input<string>;
  readonly port: number;
  /** The Deployment's main container as the workload made it: its env, env sources and probes are kept for `api`. */
  readonly main: Container;
  readonly tokenSecretName: pulumi.Input<string>;
  readonly resources: { api: ContainerShare; executor: ContainerShare };
  readonly scratchMb: number;
  /** The executor's seccomp profile: `Localhost` with the node path, or `RuntimeDefault`. */
  readonly executorSeccomp: SeccompProfile;
}

const resources = (share: ContainerShare) => ({
  requests: { cpu: `${share.cpuMillicores}m`, memory: `${share.memoryMb}Mi` },
  limits: { cpu: `${share.cpuMillicores * 2}m`, memory: `${share.memoryMb}Mi` },
});

/**
 * The sandbox pod: `api` and `executor` from one image, as SANDBOX-INTERFACE.md fixes them.
 *
 * Volumes as kubelet makes them (pkg/volume/emptydir/empty_dir.go, pkg/volume/volume_linux.go,
 * https://github.com/kubernetes/kubernetes): an emptyDir is created root-owned with mode 0777 (a
 * `medium: Memory` one is a tmpfs, root mode 1777); with `fsGroup` set, kubelet then chowns it to
 * group fsGroup and adds g+rw and the setgid bit, so files made inside belong to fsGroup. The same
 * happens to Secret volumes, with 0440 for files. So both containers, which have 10003 as a
 * supplemental group (fsGroup is added to every container's groups, and `supplementalGroups`
 * says it again), can use `/run/agentyard`; neither owns a mount root, so neither can chmod one:
 * the runtime makes its own subdirectories.
 */
export function sandboxPodSpec(base: PodSpec, p: SandboxPodInputs): PodSpec {
  const c = p.contract;
  const user = (uid: number, gid: number) => ({ ...restrictedContainerSecurity(), runAsUser: uid, runAsGroup: gid });
  const ipcMount = { name: "ipc", mountPath: c.ipcDir };
  const api: Container = {
    name: "api",
    image: p.image,
    ...(c.api.command ? { command: c.api.command } : {}),
    ports: [{ name: "http", containerPort: p.port }],
    envFrom: p.main.envFrom,
    // The workload's own env (the downward API's POD_IP and the address made of it), the api's alone.
    env: p.main.env,
    readinessProbe: p.main.readinessProbe,
    livenessProbe: p.main.livenessProbe,
    startupProbe: p.main.startupProbe,
    resources: resources(p.resources.api),
    securityContext: user(c.api.uid, c.api.gid),
    volumeMounts: [ipcMount, { name: "auth", mountPath: TOKEN_DIR, readOnly: true }],
  };
  // No probe of its own: a probe process in this container would be one more process of the
  // executions' uid; the pair's readiness is the api's /ready, which answers only when the
  // executor's socket does. Settings only: the workload's Secret env source stays with the api.
  const configOnly = ([] as k8s.types.input.core.v1.EnvFromSource[]).concat((p.main.envFrom as k8s.types.input.core.v1.EnvFromSource[] | undefined) ?? []).filter((source) => source.configMapRef !== undefined);
  const executor: Container = {
    name: "executor",
    image: p.image,
    command: c.executor.command,
    envFrom: configOnly,
    resources: resources(p.resources.executor),
    securityContext: { ...user(c.executor.uid, c.executor.gid), seccompProfile: p.executorSeccomp },
    volumeMounts: [ipcMount, { name: "scratch", mountPath: c.scratchDir }],
  };
  return {
    ...base,
    // Never shared: each container keeps its own PID namespace, so no execution sees the api's processes.
    shareProcessNamespace: false,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: c.api.uid,
      runAsGroup: c.api.gid,
      fsGroup: c.ipcGid,
      supplementalGroups: [c.ipcGid],
      seccompProfile: { type: "RuntimeDefault" },
    },
    containers: [api, executor],
    volumes: [
      { name: "ipc", emptyDir: { medium: "Memory", sizeLimit: IPC_SIZE_LIMIT } },
      // Only the executor mounts it; kubelet evicts the pod if executions write past the limit.
      { name: "scratch", emptyDir: { sizeLimit: `${p.scratchMb}Mi` } },
      { name: "auth", secret: { secretName: p.tokenSecretName, defaultMode: 0o440 } },
    ],
  };
}
