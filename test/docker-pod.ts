import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { ContainerContract, PodContract, VolumeContract } from "./sandbox-contract";

/*
 * Starts a PodContract on a Docker engine the way its platform would: a holder container owns the
 * network (and, for a Kubernetes pod, IPC) namespace, as the pause container does; every volume is
 * made root-owned with the owner and mode the platform leaves before any container mounts it; each
 * container gets exactly its user, groups, read-only root, dropped capabilities, privilege
 * escalation, seccomp profile, memory, env, command and mounts. Volumes are tmpfs so a test leaves
 * nothing on the host; kubelet's on-disk emptyDir differs only in where the bytes live.
 */

export type Docker = (...args: string[]) => Promise<{ stdout: string; stderr: string }>;

export interface RunningPod {
  /** Runs `node -e script` beside the containers (in the holder, on the pod's network): a caller's view. */
  call(script: string): Promise<string>;
  exec(container: string, command: string[]): Promise<{ stdout: string; stderr: string }>;
  /** Every container's state and last log lines, for failure messages. */
  describe(): Promise<string>;
  remove(): Promise<void>;
}

/** Safety of this test, not part of any contract: a runaway process stays bounded. */
const TEST_PIDS_LIMIT = "1024";

export async function startPod(docker: Docker, image: string, pod: PodContract): Promise<RunningPod> {
  const id = `contract-${pod.platform}-${randomBytes(4).toString("hex")}`;
  const names = { holder: `${id}-holder`, volume: (v: string) => `${id}-${v}`, container: (c: string) => `${id}-${c}` };
  const started: string[] = [];
  const volumes: string[] = [];
  const scratch = mkdtempSync(path.join(tmpdir(), "agentyard-contract-"));
  const remove = async () => {
    for (const c of [...started].reverse()) await docker("rm", "-f", c).catch(() => undefined);
    for (const v of volumes) await docker("volume", "rm", "-f", v).catch(() => undefined);
    rmSync(scratch, { recursive: true, force: true });
  };
  try {
    const imageVolumes = new Set(Object.keys((JSON.parse((await docker("image", "inspect", image, "--format", "{{json .Config.Volumes}}")).stdout) as Record<string, unknown> | null) ?? {}));
    for (const v of pod.volumes) {
      volumes.push(names.volume(v.name));
      await createVolume(docker, names.volume(v.name), v);
    }
    // The holder also keeps every volume mounted (elsewhere, never copied into): a tmpfs volume
    // lives while something mounts it, as the pod's volumes live as long as the pod.
    const held = pod.volumes.flatMap((v) => ["--mount", `type=volume,src=${names.volume(v.name)},dst=/volumes/${v.name},volume-nocopy`]);
    await docker("run", "-d", "--name", names.holder, "--network", "none", ...(pod.sharedIpc ? ["--ipc", "shareable"] : []), "--read-only", "--cap-drop", "ALL", "--user", "65534:65534", "--memory", "64m", ...held, "--entrypoint", "sleep", image, "infinity");
    started.push(names.holder);
    for (const v of pod.volumes) await writeFiles(docker, image, names.volume(v.name), v);
    for (const c of pod.containers) {
      const args = containerArgs(c, pod, {
        name: names.container(c.name),
        holder: names.holder,
        volume: (v) => names.volume(v),
        // Fargate copies the image's VOLUME directory into a bind mount at the same path (owner and mode too), as Docker does.
        copyImageDirectory: (mountPath) => pod.platform === "ecs" && imageVolumes.has(mountPath),
        seccompFile: (profile) => {
          const file = path.join(scratch, `${c.name}-seccomp.json`);
          writeFileSync(file, profile);
          return file;
        },
      });
      const [entrypoint, ...rest] = c.command ?? [];
      await docker("run", "-d", ...args, ...(entrypoint ? ["--entrypoint", entrypoint] : []), image, ...rest);
      started.push(names.container(c.name));
    }
  } catch (e) {
    await remove();
    throw e;
  }
  return {
    call: async (script) => (await docker("exec", names.holder, "node", "-e", script)).stdout,
    exec: (container, command) => docker("exec", names.container(container), ...command),
    describe: async () => {
      const lines: string[] = [];
      for (const c of pod.containers) {
        const name = names.container(c.name);
        const state = await docker("inspect", "-f", "{{.State.Status}} exit={{.State.ExitCode}}", name).catch((e: Error) => ({ stdout: e.message, stderr: "" }));
        const logs = await docker("logs", "--tail", "30", name).catch((e: Error) => ({ stdout: "", stderr: e.message }));
        lines.push(`--- ${c.name}: ${state.stdout.trim()}`, logs.stdout.trim(), logs.stderr.trim());
      }
      return lines.filter((l) => l !== "").join("\n");
    },
    remove,
  };
}

async function createVolume(docker: Docker, name: string, v: VolumeContract): Promise<void> {
  const o = v.origin;
  const options = o.kind === "kubelet" ? `size=${o.sizeMb}m,mode=${o.mode.toString(8)},uid=${o.uid},gid=${o.gid}` : "size=64m,mode=755,uid=0,gid=0";
  await docker("volume", "create", "--driver", "local", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", `o=${options}`, name);
}

async function writeFiles(docker: Docker, image: string, name: string, v: VolumeContract): Promise<void> {
  const o = v.origin;
  if (o.kind !== "kubelet" || !o.files) return;
  // kubelet writes a Secret's files as root, group fsGroup, with the volume's file mode.
  const files = Object.entries(o.files);
  const script = files.map(([file, f], i) => `printf %s "$V${i}" > /v/${file} && chown 0:${o.gid} /v/${file} && chmod ${f.mode.toString(8)} /v/${file}`).join(" && ");
  const env = files.flatMap(([, f], i) => ["-e", `V${i}=${f.value}`]);
  await docker("run", "--rm", "--network", "none", "--user", "0:0", ...env, "--mount", `type=volume,src=${name},dst=/v,volume-nocopy`, "--entrypoint", "/bin/sh", image, "-c", script);
}

interface Naming {
  name: string;
  holder: string;
  volume: (v: string) => string;
  copyImageDirectory: (mountPath: string) => boolean;
  seccompFile: (profile: string) => string;
}

function containerArgs(c: ContainerContract, pod: PodContract, n: Naming): string[] {
  const args = ["--name", n.name, "--network", `container:${n.holder}`, "--user", `${c.uid}:${c.gid}`];
  if (pod.sharedIpc) args.push("--ipc", `container:${n.holder}`);
  for (const g of c.supplementalGroups) args.push("--group-add", String(g));
  if (c.readOnlyRoot) args.push("--read-only");
  for (const cap of c.capDrop) args.push("--cap-drop", cap);
  if (c.noNewPrivileges) args.push("--security-opt", "no-new-privileges");
  if (c.seccompProfile) args.push("--security-opt", `seccomp=${n.seccompFile(c.seccompProfile)}`);
  args.push("--memory", `${c.memoryMb}m`, "--memory-swap", `${c.memoryMb}m`, "--pids-limit", TEST_PIDS_LIMIT);
  if (c.init) args.push("--init");
  for (const [k, v] of Object.entries(c.env)) args.push("-e", `${k}=${v}`);
  for (const m of c.mounts) {
    const nocopy = n.copyImageDirectory(m.path) ? "" : ",volume-nocopy";
    args.push("--mount", `type=volume,src=${n.volume(m.volume)},dst=${m.path}${nocopy}${m.readOnly ? ",readonly" : ""}`);
  }
  return args;
}
