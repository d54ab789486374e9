import type { SandboxContract } from "./contract";
import type { ContainerShare } from "./runtime-config";

/** The fields of an ECS container definition the sandbox sets or reads (the rest pass through). */
export interface EcsContainerDefinition {
  name: string;
  image: string;
  essential: boolean;
  user: string;
  entryPoint?: string[];
  command?: string[];
  cpu?: number;
  memory?: number;
  readonlyRootFilesystem: boolean;
  linuxParameters: { initProcessEnabled: boolean; capabilities: { drop: string[] } };
  portMappings?: Array<Record<string, unknown>>;
  environment: Array<{ name: string; value: string }>;
  secrets: Array<{ name: string; valueFrom: string }>;
  mountPoints: Array<{ sourceVolume: string; containerPath: string; readOnly: boolean }>;
  dependsOn?: Array<{ containerName: string; condition: "START" | "HEALTHY" | "COMPLETE" | "SUCCESS" }>;
  healthCheck?: Record<string, unknown>;
  logConfiguration: { logDriver: string; options: Record<string, string> };
  stopTimeout?: number;
}

/** The task's bind mounts: empty volumes on the task's ephemeral storage, shared by name. */
export const TASK_VOLUMES = [{ name: "ipc" }, { name: "scratch" }];

/**
 * The one container the Fargate service makes, split into `api` and `executor`.
 *
 * - Users: ECS container definitions have no supplementary groups (`user` is `uid[:gid]` only,
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html),
 *   so the shared ipc group is each container's primary group here; on Kubernetes it is a
 *   supplemental group. Both reach the executor's socket (mode 0660, group ipcGid) either way.
 * - Volumes: a Fargate bind mount is root-owned 0755, unless the image declares `VOLUME` at the
 *   same path, in which case ECS copies that directory (its contents and its owner and mode) into
 *   the volume ("By default, the volume permissions are set to 0755 and the owner as root. You can
 *   customize these permissions in the Dockerfile", with a VOLUME example,
 *   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/bind-mounts.html). The runtime's
 *   Dockerfile creates /run/agentyard and /sandbox with their owners and declares both VOLUMEs.
 * - No seccomp profile: Fargate refuses `dockerSecurityOptions` and adds no capability but
 *   SYS_PTRACE (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html),
 *   so the executor runs under Fargate's default profile and the runtime's fallback without
 *   namespaces; each task is its own microVM.
 * - `pidMode` stays unset: each container keeps its own PID namespace, so executions cannot see,
 *   signal or trace the api.
 */
export function splitSandboxContainers(main: EcsContainerDefinition, contract: SandboxContract, share: { api: ContainerShare; executor: ContainerShare }): EcsContainerDefinition[] {
  const units = (millicores: number) => Math.round((millicores * 1024) / 1000);
  const ipc = { sourceVolume: "ipc", containerPath: contract.ipcDir, readOnly: false };
  const api: EcsContainerDefinition = {
    ...main,
    name: "api",
    user: `${contract.api.uid}:${contract.ipcGid}`,
    ...(contract.api.command ? { entryPoint: contract.api.command } : {}),
    cpu: units(share.api.cpuMillicores),
    memory: share.api.memoryMb,
    mountPoints: [ipc],
    // The api starts once the executor has; its /ready waits for the socket.
    dependsOn: [{ containerName: "executor", condition: "START" }],
  };
  const executor: EcsContainerDefinition = {
    name: "executor",
    image: main.image,
    essential: true,
    user: `${contract.executor.uid}:${contract.ipcGid}`,
    // The contract's command replaces the image's ENTRYPOINT and CMD, as a Kubernetes `command`
    // does (ECS `command` would only replace CMD and run behind the image's ENTRYPOINT).
    entryPoint: contract.executor.command,
    cpu: units(share.executor.cpuMillicores),
    memory: share.executor.memoryMb,
    readonlyRootFilesystem: true,
    // The contract's command is PID 1 of its container (the runtime's zygote reaps its own
    // children), as under Kubernetes: no init process in front of it.
    linuxParameters: { initProcessEnabled: false, capabilities: { drop: ["ALL"] } },
    // The settings, never the token: `secrets` stays empty and the environment holds no secret.
    environment: main.environment,
    secrets: [],
    mountPoints: [ipc, { sourceVolume: "scratch", containerPath: contract.scratchDir, readOnly: false }],
    logConfiguration: main.logConfiguration,
    stopTimeout: main.stopTimeout,
  };
  return [api, executor];
}
