import { parseStackConfig } from "../../infra/config/load";
import { PRESETS } from "../../infra/config/presets";
import { PRESET_NAMES, type PresetName } from "../../infra/config/schema";
import type { CapacityOptions } from "./check";

/**
 * What the capacity check needs from a stack's config. A stack of agentyard's own shape
 * (`agentyard:platform` set) is read through its validated config; any other project takes the
 * preset named by `agentyard:preset` (dev when unset), as the cost estimate does (cli/cost/for-stack.ts).
 */
export function capacityOptionsFor(config: Readonly<Record<string, string>>, project: string, stack: string): CapacityOptions {
  if (project === "agentyard" && config["agentyard:platform"] !== undefined) {
    return { fargateVcpuQuota: parseStackConfig(config, { project, stack }).settings.cluster.fargateVcpuQuota };
  }
  const preset = config["agentyard:preset"];
  const name: PresetName = preset !== undefined && (PRESET_NAMES as readonly string[]).includes(preset) ? (preset as PresetName) : "dev";
  return { fargateVcpuQuota: PRESETS[name].cluster.fargateVcpuQuota };
}
