import type { PlannedResource } from "../cli/plan/engine";
import type { ResourceGraph } from "./harness";

/*
 * The runtime contract a platform gives the sandbox's containers, read from a stack's own plan:
 * what the kubelet or the ECS agent would hand the container runtime. The contract test starts
 * the image with exactly this on a Docker engine.
 */

/** How the platform creates a volume's root before any container runs. */
export type VolumeOrigin =
  /** kubelet's emptyDir/Secret with fsGroup: root-owned, group fsGroup, the mode kubelet leaves (pkg/volume/volume_linux.go). */
  | { readonly kind: "kubelet"; readonly uid: 0; readonly gid: number; readonly mode: number; readonly sizeMb: number; readonly files?: Record<string, { value: string; mode: number }> }
  /** A Fargate bind mount: root:root 0755, unless the image declares VOLUME at that path (then ECS copies the image's directory). */
  | { readonly kind: "fargate-bind" };

export interface VolumeContract {
  readonly name: string;
  readonly origin: VolumeOrigin;
}

export interface ContainerContract {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly supplementalGroups: number[];
  readonly readOnlyRoot: boolean;
  readonly capDrop: string[];
  readonly noNewPrivileges: boolean;
  readonly memoryMb: number;
  /** Replaces the image's ENTRYPOINT and CMD; undefined keeps both. */
  readonly command: string[] | undefined;
  /** An init process before the command (ECS initProcessEnabled). */
  readonly init: boolean;
  readonly env: Record<string, string>;
  readonly mounts: Array<{ volume: string; path: string; readOnly: boolean }>;
  /** A seccomp profile (JSON) other than the runtime's default. */
  readonly seccompProfile: string | undefined;
  /** The readiness check: an HTTP path on `port` (Kubernetes), or a command (ECS health check). */
  readonly ready: { path: string; port: number } | { command: string[] } | undefined;
}

export interface PodContract {
  readonly platform: "kubernetes" | "ecs";
  readonly containers: ContainerContract[];
  readonly volumes: VolumeContract[];
  /** Containers share one IPC namespace (a Kubernetes pod does; ECS on Fargate has no ipcMode). */
  readonly sharedIpc: boolean;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * The pod's address as the Docker pod has it: its network namespace holds only loopback, so the
 * downward API's status.podIP is 127.0.0.1 there.
 */
export const DOCKER_POD_IP = "127.0.0.1";

/**
 * A container's environment as kubelet makes it: the envFrom sources first, then `env` in order,
 * each value's `$(VAR)` expanded from what is defined before it (one it cannot resolve stays as
 * written, `$$` is a literal `$`: "Variable references $(VAR_NAME) are expanded using the
 * previously defined environment variables in the container", EnvVar.value,
 * https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#environment-variables),
 * and the downward API's status.podIP as the pod's address. Any other field is refused, so a new
 * one gets its emulation rather than a silent "undefined".
 */
function kubeletEnv(fromSources: Array<[string, string] | string[]>, env: Obj[]): Record<string, string> {
  const out: Record<string, string> = Object.fromEntries(fromSources);
  for (const e of env) {
    const field = obj(obj(e.valueFrom).fieldRef).fieldPath;
    if (field !== undefined && field !== "status.podIP") throw new Error(`env ${String(e.name)}: fieldRef ${String(field)} is not emulated`);
    out[String(e.name)] =
      field === "status.podIP" ? DOCKER_POD_IP : String(e.value ?? "").replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match: string, name: string | undefined) => (name === undefined ? "$" : (out[name] ?? match)));
  }
  return out;
}

/** `256Mi`, `1Gi`, `512M` as MiB. */
export function mebibytes(quantity: string): number {
  const m = /^(\d+)(Mi|Gi|M|G)?$/.exec(quantity);
  if (!m) throw new Error(`unexpected quantity ${quantity}`);
  const n = Number(m[1]);
  return m[2] === "Gi" ? n * 1024 : m[2] === "G" ? Math.round((n * 1e9) / 2 ** 20) : m[2] === "M" ? Math.round((n * 1e6) / 2 ** 20) : n;
}

const byName = (graph: ResourceGraph, type: string, namespace: unknown, name: unknown) =>
  graph.ofType(type).find((r) => obj(r.inputs.metadata).name === name && obj(r.inputs.metadata).namespace === namespace);

/**
 * The sandbox Deployment's pod as kubelet would run it. `secretValues` stands in for what the plan
 * hides (`[secret]`): Secret name -> key -> value.
 */
export function kubernetesContract(graph: ResourceGraph, deployment: PlannedResource, secretValues: Record<string, Record<string, string>>): PodContract {
  const namespace = obj(deployment.inputs.metadata).namespace;
  const pod = obj(obj(obj(deployment.inputs.spec).template).spec);
  const podSecurity = obj(pod.securityContext);
  const fsGroup = podSecurity.fsGroup as number | undefined;
  if (fsGroup === undefined) throw new Error("the sandbox pod sets no fsGroup: its volumes would stay root:root");
  const volumes: VolumeContract[] = list(pod.volumes).map((v) => {
    const volume = obj(v);
    const name = String(volume.name);
    if (volume.emptyDir !== undefined) {
      const emptyDir = obj(volume.emptyDir);
      // 0777 (a tmpfs root: 1777), then g+rw, g+x and setgid from fsGroup.
      const base = emptyDir.medium === "Memory" ? 0o1777 : 0o777;
      return { name, origin: { kind: "kubelet", uid: 0, gid: fsGroup, mode: base | 0o2000 | 0o660 | 0o110, sizeMb: emptyDir.sizeLimit ? mebibytes(String(emptyDir.sizeLimit)) : 64 } };
    }
    if (volume.secret !== undefined) {
      const secret = obj(volume.secret);
      const values = secretValues[String(secret.secretName)];
      if (!values) throw new Error(`no test value for Secret ${String(secret.secretName)}`);
      const mode = Number(secret.defaultMode ?? 0o644) | 0o440;
      const files = Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value, mode }]));
      // A Secret volume is a tmpfs (root 1777), made read-only: r-x and setgid for fsGroup.
      return { name, origin: { kind: "kubelet", uid: 0, gid: fsGroup, mode: 0o1777 | 0o2000 | 0o550, sizeMb: 1, files } };
    }
    throw new Error(`volume ${name}: no model of how kubelet makes it`);
  });
  const configMaps = (sources: unknown[]) =>
    sources.map(obj).flatMap((s) => {
      if (s.configMapRef !== undefined) {
        const cm = byName(graph, "kubernetes:core/v1:ConfigMap", namespace, obj(s.configMapRef).name);
        if (!cm) throw new Error(`ConfigMap ${String(obj(s.configMapRef).name)} is not in the plan`);
        return Object.entries(obj(cm.inputs.data)).map(([k, v]) => [k, String(v)]);
      }
      if (s.secretRef !== undefined) return Object.entries(secretValues[String(obj(s.secretRef).name)] ?? {});
      return [];
    });
  const profiles = graph.ofType("kubernetes:core/v1:ConfigMap").filter((r) => obj(r.inputs.metadata).name === "seccomp-profiles");
  const containers: ContainerContract[] = list(pod.containers).map((c) => {
    const container = obj(c);
    const security = obj(container.securityContext);
    const seccomp = obj(security.seccompProfile).type !== undefined ? obj(security.seccompProfile) : obj(podSecurity.seccompProfile);
    let seccompProfile: string | undefined;
    if (seccomp.type === "Localhost") {
      const file = String(seccomp.localhostProfile).split("/").pop() as string;
      const text = profiles.map((p) => obj(p.inputs.data)[file]).find((t) => typeof t === "string");
      if (typeof text !== "string") throw new Error(`Localhost profile ${String(seccomp.localhostProfile)}: no ConfigMap in the plan installs it`);
      seccompProfile = text;
    }
    const gid = Number(security.runAsGroup ?? podSecurity.runAsGroup);
    const readiness = obj(obj(container.readinessProbe).httpGet);
    const port = list(container.ports).map(obj).find((p) => p.name === readiness.port || p.containerPort === readiness.port);
    return {
      name: String(container.name),
      uid: Number(security.runAsUser ?? podSecurity.runAsUser),
      gid,
      // fsGroup joins every container's supplementary groups, with supplementalGroups.
      supplementalGroups: [...new Set([fsGroup, ...list(podSecurity.supplementalGroups).map(Number)])].filter((g) => g !== gid),
      readOnlyRoot: security.readOnlyRootFilesystem === true,
      capDrop: list(obj(security.capabilities).drop).map(String),
      noNewPrivileges: security.allowPrivilegeEscalation === false,
      memoryMb: mebibytes(String(obj(obj(container.resources).limits).memory)),
      command: container.command === undefined ? undefined : [...list(container.command).map(String), ...list(container.args).map(String)],
      init: false,
      env: kubeletEnv(configMaps(list(container.envFrom)), list(container.env).map(obj)),
      mounts: list(container.volumeMounts).map(obj).map((m) => ({ volume: String(m.name), path: String(m.mountPath), readOnly: m.readOnly === true })),
      seccompProfile,
      ready: readiness.path ? { path: String(readiness.path), port: Number(port?.containerPort) } : undefined,
    };
  });
  return { platform: "kubernetes", containers, volumes, sharedIpc: true };
}

/** The sandbox task definition as the ECS agent on Fargate would run it. `secretValues`: valueFrom ARN -> value. */
export function ecsContract(task: PlannedResource, secretValues: Record<string, string>): PodContract {
  const definitions = list(JSON.parse(String(task.inputs.containerDefinitions))).map(obj);
  const volumes: VolumeContract[] = list(task.inputs.volumes).map(obj).map((v) => {
    if (v.host !== undefined || v.efsVolumeConfiguration !== undefined || v.dockerVolumeConfiguration !== undefined) throw new Error(`volume ${String(v.name)}: Fargate only has bind mounts`);
    return { name: String(v.name), origin: { kind: "fargate-bind" } };
  });
  const containers: ContainerContract[] = definitions.map((c) => {
    const [uid, gid] = String(c.user).split(":").map(Number);
    const linux = obj(c.linuxParameters);
    const health = list(obj(c.healthCheck).command).map(String);
    const secrets = list(c.secrets).map(obj).map((s) => {
      const value = secretValues[String(s.valueFrom)];
      if (value === undefined) throw new Error(`no test value for ${String(s.valueFrom)}`);
      return [String(s.name), value];
    });
    return {
      name: String(c.name),
      uid,
      gid: Number.isNaN(gid) ? uid : gid,
      // ECS container definitions have no supplementary groups.
      supplementalGroups: [],
      readOnlyRoot: c.readonlyRootFilesystem === true,
      capDrop: list(obj(linux.capabilities).drop).map(String),
      // Fargate takes no dockerSecurityOptions: no-new-privileges cannot be asked for.
      noNewPrivileges: false,
      memoryMb: Number(c.memory),
      command: c.entryPoint === undefined ? undefined : [...list(c.entryPoint).map(String), ...list(c.command).map(String)],
      init: linux.initProcessEnabled === true,
      env: Object.fromEntries([...list(c.environment).map(obj).map((e) => [String(e.name), String(e.value)]), ...secrets]),
      mounts: list(c.mountPoints).map(obj).map((m) => ({ volume: String(m.sourceVolume), path: String(m.containerPath), readOnly: m.readOnly === true })),
      seccompProfile: undefined,
      ready: health[0] === "CMD" ? { command: health.slice(1) } : undefined,
    };
  });
  if (task.inputs.pidMode !== undefined || task.inputs.ipcMode !== undefined) throw new Error("pidMode/ipcMode: not modelled");
  // ECS starts a container after the ones it dependsOn.
  const order = (c: ContainerContract) => list(definitions.find((d) => d.name === c.name)?.dependsOn).length;
  return { platform: "ecs", containers: [...containers].sort((a, b) => order(a) - order(b)), volumes, sharedIpc: false };
}
