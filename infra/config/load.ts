import { z } from "zod";
import { PRESETS } from "./presets";
import { crossCheck } from "./checks";
import { day2Checks } from "./day2-checks";
import { ConfigError, type ConfigProblem } from "./problems";
import { zodProblems } from "./zod-problems";
import {
  AWS_REGION_PATTERN,
  type EnvironmentSettings,
  type Platform,
  type PresetName,
  type SettingsSection,
  type StackConfigInput,
  settingsSchema,
  stackConfigSchema,
} from "./schema";

/** The validated configuration of one stack: what every component is sized from. */
export interface StackConfig {
  readonly project: string;
  readonly stack: string;
  readonly platform: Platform;
  readonly preset: PresetName;
  /** The AWS region (`aws:region`); undefined on the `kubernetes` platform. */
  readonly region: string | undefined;
  readonly settings: EnvironmentSettings;
}

export interface ParseOptions {
  readonly project: string;
  readonly stack: string;
  readonly presets?: Readonly<Record<PresetName, EnvironmentSettings>>;
}

/**
 * Validates a stack's raw config map (keys such as `agentyard:network`, values as Pulumi stores
 * them: strings, with objects JSON-encoded) and merges it over its preset, key by key.
 * Throws a ConfigError naming every bad key; returns only a config that every component can trust.
 */
export function parseStackConfig(raw: Readonly<Record<string, string>>, options: ParseOptions): StackConfig {
  const ns = options.project;
  const presets = options.presets ?? PRESETS;
  const own: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const [namespace, name] = splitKey(key, ns);
    if (namespace === ns) own[name] = decodeValue(value);
  }
  const region = raw["aws:region"];

  const problems: ConfigProblem[] = [];
  const parsed = stackConfigSchema.safeParse(own);
  if (!parsed.success) problems.push(...zodProblems(parsed.error, own, ns, allowedKeysAt));

  const platform = typeof own.platform === "string" ? own.platform : undefined;
  if (platform !== "kubernetes" && (region === undefined || !AWS_REGION_PATTERN.test(region))) {
    problems.push({ key: "aws:region", got: region, expected: "an AWS region such as us-east-1 (required on the eks and ecs platforms)" });
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(`stack "${options.stack}"`, problems);

  const input = parsed.data;
  const settings = mergeOverPreset(presets[input.preset], input);
  const crossProblems = [...crossCheck(settings, input.platform, ns), ...day2Checks(settings, { preset: input.preset, platform: input.platform, region, ns })];
  if (crossProblems.length > 0) throw new ConfigError(`stack "${options.stack}"`, crossProblems);

  return {
    project: options.project,
    stack: options.stack,
    platform: input.platform,
    preset: input.preset,
    region: input.platform === "kubernetes" ? undefined : region,
    settings,
  };
}

/** Keys without a namespace belong to the project, as in Pulumi's own config. */
function splitKey(key: string, project: string): [string, string] {
  const at = key.indexOf(":");
  return at < 0 ? [project, key] : [key.slice(0, at), key.slice(at + 1)];
}

/** Pulumi hands every value over as a string; structured and typed values arrive JSON-encoded. */
function decodeValue(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

const SECTIONS = Object.keys(settingsSchema.shape).filter((k) => k !== "deletionProtection") as SettingsSection[];

function mergeOverPreset(preset: EnvironmentSettings, input: StackConfigInput): EnvironmentSettings {
  const merged: Record<string, unknown> = { deletionProtection: input.deletionProtection ?? preset.deletionProtection };
  for (const section of SECTIONS) merged[section] = mergeSection(preset[section], input[section]);
  return merged as EnvironmentSettings;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Key by key, and one level deeper where both sides hold an object (`sandbox.sessions`), so an override of one nested key keeps the preset's others. */
function mergeSection(preset: object, input: object | undefined): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...preset };
  for (const [key, value] of Object.entries(input ?? {})) {
    const base = (preset as Record<string, unknown>)[key];
    merged[key] = isPlainObject(base) && isPlainObject(value) ? { ...base, ...value } : value;
  }
  return merged;
}

/** The keys allowed where an unknown key was found, at any depth (`cluster.endpointAccess.vpn` lists endpointAccess's keys). */
function allowedKeysAt(path: readonly string[]): string[] {
  if (path.length === 0) return Object.keys(stackConfigSchema.shape);
  let schema: unknown = settingsSchema;
  for (const key of path) {
    schema = (schema as { shape?: Record<string, unknown> }).shape?.[key];
    while (schema instanceof z.ZodOptional) schema = schema.unwrap();
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}
