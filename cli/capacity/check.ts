import type { PlannedResource } from "../plan/engine";
import { ALLOCATABLE_SHARE, INSTANCE_SHAPES } from "./instances";

/** vCPU and GiB: what workloads request at their maximum, or what a pool can hold. */
export interface Amount {
  readonly vcpu: number;
  readonly memoryGiB: number;
}

export interface WorkloadDemand {
  readonly name: string;
  /** Replicas at minimum scale (the autoscaler's minimum, or the fixed count). */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Per replica. */
  readonly request: Amount;
  /** The pools it may run on (its node selector and tolerations), by name. */
  readonly pools: readonly string[];
}

export interface PoolSupply {
  readonly name: string;
  readonly kind: "karpenter" | "managed" | "fargate-on-demand" | "fargate-spot";
  /** Capacity at its maximum (Karpenter limits, desired nodes x instance, or the Fargate quota). */
  readonly capacity: Amount;
  /** What pods may request of it (allocatable share of node capacity; a Fargate quota counts in full). */
  readonly usable: Amount;
}

/** Workloads that share the same pools, against what those pools provide. */
export interface CapacityLane {
  readonly pools: readonly string[];
  readonly workloads: readonly string[];
  readonly demand: Amount;
  readonly usable: Amount;
  readonly fits: boolean;
}

export interface CapacityReport {
  readonly workloads: readonly WorkloadDemand[];
  readonly pools: readonly PoolSupply[];
  readonly lanes: readonly CapacityLane[];
  /** What asks for capacity the plan cannot see into (Helm releases' pods, unknown instance types). */
  readonly uncounted: readonly string[];
  readonly warnings: readonly string[];
}

export interface CapacityOptions {
  /** The account's Fargate On-Demand (and Spot) vCPU quota: AWS's default is 6 per Region. */
  readonly fargateVcpuQuota: number;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" ? (v as Obj) : {});

/** A Kubernetes CPU quantity in cores: `500m`, `1`, `1.5`. */
export function cpuCores(q: unknown): number {
  const s = String(q ?? "0");
  return s.endsWith("m") ? Number(s.slice(0, -1)) / 1000 : Number(s);
}

/** A Kubernetes memory quantity in GiB: `512Mi`, `1Gi`, `2G`, bytes. */
export function memoryGiB(q: unknown): number {
  const m = /^(\d+(?:\.\d+)?)([KMGTE]i?)?$/.exec(String(q ?? "0"));
  if (!m) throw new Error(`not a memory quantity: ${String(q)}`);
  const unit: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, K: 1e3, M: 1e6, G: 1e9, T: 1e12, E: 1e18, Ei: 2 ** 60 };
  return (Number(m[1]) * (m[2] ? unit[m[2]] : 1)) / 2 ** 30;
}

const add = (a: Amount, b: Amount): Amount => ({ vcpu: a.vcpu + b.vcpu, memoryGiB: a.memoryGiB + b.memoryGiB });
const times = (a: Amount, n: number): Amount => ({ vcpu: a.vcpu * n, memoryGiB: a.memoryGiB * n });
const ZERO: Amount = { vcpu: 0, memoryGiB: 0 };
const fmt = (a: Amount) => (Number.isFinite(a.memoryGiB) ? `${round(a.vcpu)} vCPU and ${round(a.memoryGiB)} GiB` : `${round(a.vcpu)} vCPU`);
const round = (n: number) => Math.round(n * 100) / 100;

interface Pool extends PoolSupply {
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: ReadonlyArray<{ key: string; value?: string }>;
}

function kubernetesPools(resources: readonly PlannedResource[], uncounted: string[]): Pool[] {
  const pools: Pool[] = [];
  for (const r of resources.filter((x) => x.type === "kubernetes:karpenter.sh/v1:NodePool")) {
    const spec = obj(r.inputs.spec);
    const template = obj(spec.template);
    const limits = obj(spec.limits);
    const capacity = { vcpu: cpuCores(limits.cpu), memoryGiB: memoryGiB(limits.memory) };
    pools.push({
      name: String(obj(r.inputs.metadata).name),
      kind: "karpenter",
      capacity,
      usable: times(capacity, ALLOCATABLE_SHARE),
      labels: obj(obj(template.metadata).labels) as Record<string, string>,
      taints: (obj(template.spec).taints as Pool["taints"] | undefined) ?? [],
    });
  }
  for (const r of resources.filter((x) => x.type === "aws:eks/nodeGroup:NodeGroup")) {
    const type = String((r.inputs.instanceTypes as string[] | undefined)?.[0]);
    const shape = INSTANCE_SHAPES[type];
    if (!shape) {
      uncounted.push(`node group ${r.name}: instance type ${type} has no known shape`);
      continue;
    }
    // The desired size, not the maximum: nothing here scales a managed node group (Karpenter launches its own
    // nodes and does not resize node groups; no Cluster Autoscaler runs).
    const count = Number(obj(r.inputs.scalingConfig).desiredSize);
    const capacity = { vcpu: shape.vcpu * count, memoryGiB: shape.memoryGiB * count };
    pools.push({
      name: r.name,
      kind: "managed",
      capacity,
      usable: times(capacity, ALLOCATABLE_SHARE),
      labels: obj(r.inputs.labels) as Record<string, string>,
      taints: (r.inputs.taints as Pool["taints"] | undefined) ?? [],
    });
  }
  return pools;
}

function kubernetesWorkloads(resources: readonly PlannedResource[], pools: readonly Pool[]): WorkloadDemand[] {
  const hpas = resources.filter((x) => x.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
  const runtimeClasses = resources.filter((x) => x.type === "kubernetes:node.k8s.io/v1:RuntimeClass");
  return resources
    .filter((x) => x.type === "kubernetes:apps/v1:Deployment" || x.type === "kubernetes:apps/v1:StatefulSet")
    .map((r) => {
      const meta = obj(r.inputs.metadata);
      const spec = obj(r.inputs.spec);
      const hpa = hpas.find((h) => obj(h.inputs.metadata).namespace === meta.namespace && obj(obj(h.inputs.spec).scaleTargetRef).name === meta.name);
      const maxReplicas = Number(hpa ? obj(hpa.inputs.spec).maxReplicas : (spec.replicas ?? 1));
      const minReplicas = Number(hpa ? (obj(hpa.inputs.spec).minReplicas ?? 1) : (spec.replicas ?? 1));
      const pod = obj(obj(spec.template).spec);
      const containers = (pod.containers as Obj[] | undefined) ?? [];
      const request = containers.reduce<Amount>((sum, c) => {
        const req = obj(obj(c.resources).requests);
        return add(sum, { vcpu: cpuCores(req.cpu), memoryGiB: memoryGiB(req.memory) });
      }, ZERO);
      // A RuntimeClass's scheduling is merged into the pods that name it by the RuntimeClass admission
      // controller (https://kubernetes.io/docs/concepts/containers/runtime-class/#scheduling).
      const runtime = obj(runtimeClasses.find((rc) => obj(rc.inputs.metadata).name === pod.runtimeClassName)?.inputs.scheduling);
      const selector = { ...obj(runtime.nodeSelector), ...obj(pod.nodeSelector) } as Record<string, string>;
      type Toleration = { key?: string; operator?: string; value?: string };
      const tolerations = [...((runtime.tolerations as Toleration[] | undefined) ?? []), ...((pod.tolerations as Toleration[] | undefined) ?? [])];
      const tolerated = (t: { key: string; value?: string }) => tolerations.some((x) => x.operator === "Exists" ? x.key === undefined || x.key === t.key : x.key === t.key && x.value === t.value);
      const fits = (p: Pool) => Object.entries(selector).every(([k, v]) => p.labels[k] === v) && p.taints.every(tolerated);
      return { name: `${String(meta.namespace ?? "default")}/${String(meta.name)}`, minReplicas, maxReplicas, request, pools: pools.filter(fits).map((p) => p.name) };
    });
}

function fargate(resources: readonly PlannedResource[], quota: number): { workloads: WorkloadDemand[]; pools: Pool[] } {
  const targets = resources.filter((x) => x.type === "aws:appautoscaling/target:Target");
  const tasks = resources.filter((x) => x.type === "aws:ecs/taskDefinition:TaskDefinition");
  const workloads: WorkloadDemand[] = [];
  for (const s of resources.filter((x) => x.type === "aws:ecs/service:Service")) {
    const name = String(s.inputs.name);
    const target = targets.find((t) => String(t.inputs.resourceId).endsWith(`/${name}`));
    const maxReplicas = Number(target ? target.inputs.maxCapacity : (s.inputs.desiredCount ?? 1));
    const minReplicas = Number(s.inputs.desiredCount ?? 1);
    const ref = String(s.inputs.taskDefinition ?? "");
    const task = tasks.find((t) => t.outputs?.arn === ref || ref.includes(`task-definition/${String(t.inputs.family)}:`));
    if (!task) continue;
    const request = { vcpu: Number(task.inputs.cpu) / 1024, memoryGiB: Number(task.inputs.memory) / 1024 };
    const strategies = (s.inputs.capacityProviderStrategies as Array<{ capacityProvider: string; weight: number }> | undefined) ?? [{ capacityProvider: "FARGATE", weight: 1 }];
    const total = strategies.reduce((n, x) => n + x.weight, 0) || 1;
    for (const provider of ["FARGATE", "FARGATE_SPOT"]) {
      const share = strategies.filter((x) => x.capacityProvider === provider).reduce((n, x) => n + x.weight, 0) / total;
      if (share === 0) continue;
      const pool = provider === "FARGATE" ? "fargate-on-demand" : "fargate-spot";
      workloads.push({ name: strategies.length > 1 ? `${name} (${pool})` : name, minReplicas: Math.ceil(minReplicas * share), maxReplicas: Math.ceil(maxReplicas * share), request, pools: [pool] });
    }
  }
  // Fargate's quotas count vCPU only; memory follows the task sizes Fargate accepts, so it is not a limit here.
  const pool = (name: "fargate-on-demand" | "fargate-spot"): Pool => ({ name, kind: name, capacity: { vcpu: quota, memoryGiB: Infinity }, usable: { vcpu: quota, memoryGiB: Infinity }, labels: {}, taints: [] });
  return { workloads, pools: workloads.length ? [pool("fargate-on-demand"), pool("fargate-spot")] : [] };
}

/**
 * The stack's capacity at maximum scale: every workload's maximum replicas times its requests,
 * grouped by the pools it may run on, against what those pools can provide (Karpenter's limits,
 * managed node groups at their desired size, or the Fargate vCPU quota). A lane that does not fit
 * is a warning with the numbers: the stack cannot reach its own maximum.
 */
export function checkCapacity(resources: readonly PlannedResource[], options: CapacityOptions): CapacityReport {
  const uncounted: string[] = [];
  const ecs = resources.some((r) => r.type === "aws:ecs/service:Service");
  let pools: Pool[];
  let workloads: WorkloadDemand[];
  if (ecs) {
    ({ workloads, pools } = fargate(resources, options.fargateVcpuQuota));
  } else {
    pools = kubernetesPools(resources, uncounted);
    workloads = pools.length ? kubernetesWorkloads(resources, pools) : [];
    for (const r of resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release")) uncounted.push(`Helm release ${String(r.inputs.name ?? r.name)}: its pods' requests are inside the chart`);
  }
  const byPools = new Map<string, WorkloadDemand[]>();
  for (const w of workloads) byPools.set(w.pools.join(","), [...(byPools.get(w.pools.join(",")) ?? []), w]);
  const usableOf = (names: readonly string[]) => pools.filter((p) => names.includes(p.name)).reduce<Amount>((sum, p) => add(sum, p.usable), ZERO);
  const lane = (names: readonly string[], ws: readonly WorkloadDemand[]): CapacityLane => {
    const demand = ws.reduce<Amount>((sum, w) => add(sum, times(w.request, w.maxReplicas)), ZERO);
    const usable = usableOf(names);
    return { pools: names, workloads: ws.map((w) => w.name), demand, usable, fits: demand.vcpu <= usable.vcpu + 1e-9 && demand.memoryGiB <= usable.memoryGiB + 1e-9 };
  };
  const lanes = [...byPools.entries()].map(([key, ws]) => lane(key ? key.split(",") : [], ws));
  // Lanes that share pools compete for them: on Kubernetes the whole demand must also fit every pool together.
  if (!ecs && lanes.length > 1) lanes.push(lane(pools.map((p) => p.name), workloads));
  const warnings = lanes
    .filter((l) => !l.fits)
    .map((l) =>
      l.pools.length === 0
        ? `capacity: ${l.workloads.join(", ")} can run on no node pool (node selector or taints match none)`
        : `capacity: at maximum scale ${l.workloads.join(", ")} request ${fmt(l.demand)}, but ${l.pools.join(" + ")} provide ${fmt(l.usable)} usable: the stack cannot reach its own maximum${ecs ? ` (Fargate vCPU quota ${options.fargateVcpuQuota}; raise it with Service Quotas and set cluster.fargateVcpuQuota)` : " (raise cluster.karpenterMaxVcpu / karpenterMaxMemoryGb or lower maxReplicas)"}`,
    );
  return { workloads, pools: pools.map(({ name, kind, capacity, usable }) => ({ name, kind, capacity, usable })), lanes, uncounted, warnings };
}

/** The report as text for the plan's output. */
export function capacityText(report: CapacityReport): string {
  if (report.workloads.length === 0) return "Capacity at maximum scale: no node pools or Fargate services in this stack (the cluster brings its own nodes).";
  const out = ["Capacity at maximum scale (max replicas x requests against what the pools provide):"];
  for (const w of report.workloads) out.push(`  ${w.name}: ${w.maxReplicas} x ${fmt(w.request)} = ${fmt(times(w.request, w.maxReplicas))} on ${w.pools.join(" + ") || "no pool"}`);
  for (const p of report.pools) out.push(`  pool ${p.name} (${p.kind}): ${fmt(p.capacity)} at most${p.kind === "karpenter" || p.kind === "managed" ? `, ${fmt(p.usable)} allocatable (${ALLOCATABLE_SHARE * 100} %)` : ""}`);
  for (const u of report.uncounted) out.push(`  not counted: ${u}`);
  // The warnings themselves are the plan's diagnostics (cli/main.ts): printed once, under Diagnostics.
  out.push(report.warnings.length === 0 ? "  every workload can reach its maximum." : `  ${report.warnings.length} workload group(s) cannot reach their maximum: see Diagnostics.`);
  return out.join("\n");
}
