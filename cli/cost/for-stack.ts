import { parseStackConfig } from "../../infra/config/load";
import { PRESETS } from "../../infra/config/presets";
import { ConfigError } from "../../infra/config/problems";
import { PRESET_NAMES, type PresetName, costSection } from "../../infra/config/schema";
import type { UsageAssumptions } from "./assumptions";
import { PRICES } from "./prices";

/** A region the price table does not have: the user's to fix (or drop --cost), so no stack trace. */
export class UnpricedRegionError extends Error {
  override name = "UnpricedRegionError";
}

export interface CostInputs {
  readonly region: string;
  readonly assumptions: UsageAssumptions;
}

/**
 * The region and usage an estimate of this stack uses. A stack of agentyard's own shape
 * (`agentyard:platform` set) is read through its validated config; any other project takes the
 * preset named by `agentyard:preset` (dev when unset) with `agentyard:cost` over it.
 */
export function costInputsFor(config: Readonly<Record<string, string>>, project: string, stack: string): CostInputs {
  const region = config["aws:region"] ?? "us-east-1";
  if (!PRICES[region]) {
    throw new UnpricedRegionError(`--cost: no prices for region ${region} (aws:region); the price table has ${Object.keys(PRICES).join(", ")}. Plan without --cost, or add the region to cli/cost/prices.ts.`);
  }
  if (project === "agentyard" && config["agentyard:platform"] !== undefined) {
    const parsed = parseStackConfig(config, { project, stack });
    return { region, assumptions: parsed.settings.cost };
  }
  const presetName = config["agentyard:preset"] ?? "dev";
  if (!(PRESET_NAMES as readonly string[]).includes(presetName)) {
    throw new ConfigError(`stack "${stack}"`, [{ key: "agentyard:preset", got: presetName, expected: `one of ${PRESET_NAMES.join(", ")}` }]);
  }
  const base = PRESETS[presetName as PresetName].cost;
  const raw = config["agentyard:cost"];
  if (raw === undefined) return { region, assumptions: base };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  const parsed = costSection.partial().safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ key: `agentyard:cost${i.path.length ? `.${i.path.join(".")}` : ""}`, got: value, expected: i.message }));
    throw new ConfigError(`stack "${stack}"`, problems.length ? problems : [{ key: "agentyard:cost", got: value, expected: "an object of usage figures" }]);
  }
  return { region, assumptions: { ...base, ...parsed.data } };
}
