import type { PlannedResource } from "../plan/engine";
import { type Amount, type WorkloadDemand, checkCapacity } from "../capacity/check";
import { ALLOCATABLE_SHARE, INSTANCE_SHAPES } from "../capacity/instances";
import { HOURS_PER_MONTH, type RegionPrices, SPOT_PRICE_FACTOR } from "./prices";
import { quantityGiB } from "./quantity";

/** A resource's monthly figure at one scale. */
export interface ScaledFigure {
  readonly urn: string;
  readonly usd: number;
  readonly basis: string;
}

/*
 * Karpenter's nodes are not resources of the plan: Karpenter launches them for pods that do not fit.
 * Their count is estimated from the workloads (replicas x requests, cli/capacity) less what the
 * managed node group they may also use holds at its desired size, in nodes of a reference type:
 * m6i.large for x86 pools and m7g.large for Graviton ones (2 vCPU, 8 GiB, 90 % allocatable), which
 * is what Karpenter's c/m/r generation-6+ requirements often pick for pods of this size; Spot pools
 * at SPOT_PRICE_FACTOR of on-demand. Pods inside Helm releases (Prometheus, the controllers) run on
 * the managed nodes and are not counted, so the figure is a floor. Each node's EBS root volumes
 * (the EC2NodeClass's blockDeviceMappings) are priced as gp3, as a managed node's root volume is.
 */
const REFERENCE = { amd64: "m6i.large", arm64: "m7g.large" } as const;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" ? (v as Obj) : {});

function demandOf(workloads: readonly WorkloadDemand[], scale: "min" | "max"): Amount {
  return workloads.reduce<Amount>(
    (sum, w) => {
      const n = scale === "min" ? w.minReplicas : w.maxReplicas;
      return { vcpu: sum.vcpu + w.request.vcpu * n, memoryGiB: sum.memoryGiB + w.request.memoryGiB * n };
    },
    { vcpu: 0, memoryGiB: 0 },
  );
}

/** GiB of EBS volumes each node of a NodePool gets from its EC2NodeClass (spec.blockDeviceMappings). */
function rootVolumesGiB(resources: readonly PlannedResource[], pool: PlannedResource): number {
  const ref = obj(obj(obj(obj(pool.inputs.spec).template).spec).nodeClassRef).name;
  const nodeClass = resources.find((r) => r.type === "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass" && obj(r.inputs.metadata).name === ref);
  const mappings = (obj(nodeClass?.inputs.spec).blockDeviceMappings as Array<{ ebs?: { volumeSize?: unknown } }> | undefined) ?? [];
  return mappings.reduce((n, m) => n + (quantityGiB(m.ebs?.volumeSize) ?? 0), 0);
}

/** Monthly cost of each Karpenter NodePool's nodes at minimum and at maximum scale. */
export function karpenterNodeFigures(resources: readonly PlannedResource[], p: RegionPrices): { min: ScaledFigure[]; max: ScaledFigure[] } {
  const pools = resources.filter((r) => r.type === "kubernetes:karpenter.sh/v1:NodePool");
  if (pools.length === 0) return { min: [], max: [] };
  const report = checkCapacity(resources, { fargateVcpuQuota: Infinity });
  const figures = { min: [] as ScaledFigure[], max: [] as ScaledFigure[] };
  for (const pool of pools) {
    const name = String(obj(pool.inputs.metadata).name);
    const requirements = (obj(obj(obj(pool.inputs.spec).template).spec).requirements as Array<{ key: string; values: string[] }> | undefined) ?? [];
    const arch = requirements.find((r) => r.key === "kubernetes.io/arch")?.values[0] === "arm64" ? "arm64" : "amd64";
    const spot = requirements.find((r) => r.key === "karpenter.sh/capacity-type")?.values.includes("spot") ?? false;
    const type = REFERENCE[arch];
    const shape = INSTANCE_SHAPES[type];
    const hourly = (p.ec2Hour[type]?.usd ?? NaN) * (spot ? SPOT_PRICE_FACTOR : 1);
    const workloads = report.workloads.filter((w) => w.pools.includes(name));
    const managed = report.pools.filter((x) => x.kind === "managed" && workloads.some((w) => w.pools.includes(x.name)));
    const held = managed.reduce<Amount>((sum, x) => ({ vcpu: sum.vcpu + x.usable.vcpu, memoryGiB: sum.memoryGiB + x.usable.memoryGiB }), { vcpu: 0, memoryGiB: 0 });
    const limit = report.pools.find((x) => x.name === name)?.capacity;
    const diskGb = rootVolumesGiB(resources, pool);
    const diskMonth = diskGb * p.fixed.ebsGp3GbMonth.usd;
    for (const scale of ["min", "max"] as const) {
      const demand = demandOf(workloads, scale);
      const need = { vcpu: Math.max(0, demand.vcpu - held.vcpu), memoryGiB: Math.max(0, demand.memoryGiB - held.memoryGiB) };
      let nodes = Math.max(0, Math.ceil(Math.max(need.vcpu / (shape.vcpu * ALLOCATABLE_SHARE), need.memoryGiB / (shape.memoryGiB * ALLOCATABLE_SHARE)) - 1e-9));
      // Karpenter never launches beyond the pool's limits.
      if (limit) nodes = Math.min(nodes, Math.floor(Math.min(limit.vcpu / shape.vcpu, limit.memoryGiB / shape.memoryGiB)));
      const what = `${scale === "min" ? "minimum" : "maximum"} scale: ${round(demand.vcpu)} vCPU / ${round(demand.memoryGiB)} GiB requested, ${round(held.vcpu)} vCPU / ${round(held.memoryGiB)} GiB on managed nodes`;
      figures[scale].push({
        urn: pool.urn,
        usd: nodes * (hourly * HOURS_PER_MONTH + diskMonth),
        basis: `${nodes} x ${type}${spot ? ` spot (${SPOT_PRICE_FACTOR} of on-demand)` : ""} x ${HOURS_PER_MONTH} h + ${nodes} x ${round(diskGb)} GB EBS root volume (Karpenter, ${what})`,
      });
    }
  }
  return figures;
}

/** ECS services at their autoscaling maximum: the factor to apply to their minimum-scale figure. */
export function ecsScaleFactors(resources: readonly PlannedResource[]): Map<string, { factor: number; basis: string }> {
  const out = new Map<string, { factor: number; basis: string }>();
  const targets = resources.filter((x) => x.type === "aws:appautoscaling/target:Target");
  for (const s of resources.filter((x) => x.type === "aws:ecs/service:Service")) {
    const target = targets.find((t) => String(t.inputs.resourceId).endsWith(`/${String(s.inputs.name)}`));
    const desired = Number(s.inputs.desiredCount ?? 1);
    if (!target || desired <= 0) continue;
    const max = Number(target.inputs.maxCapacity);
    out.set(s.urn, { factor: max / desired, basis: `${max} task(s) at the autoscaling maximum` });
  }
  return out;
}

const round = (n: number) => Math.round(n * 100) / 100;
