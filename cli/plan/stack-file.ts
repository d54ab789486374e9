import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { PACKAGE_ROOT } from "../../infra/package-root";

/** Where the repo keeps its stack files (`stackConfigDir` in Pulumi.yaml). */
export const REPO_ROOT = PACKAGE_ROOT;
/** `AGENTYARD_STACKS_DIR` points the plan at other stack files (the tests' bad configs). */
export const STACKS_DIR = process.env.AGENTYARD_STACKS_DIR ?? join(REPO_ROOT, "stacks");

/** A stack that does not exist or whose file does not parse: the user's to fix, so no stack trace. */
export class StackFileError extends Error {
  override name = "StackFileError";
}

export interface StackFile {
  readonly project: string;
  readonly stack: string;
  /** Full keys to string values, as the Pulumi CLI hands config to a program. */
  readonly config: Record<string, string>;
  /** Keys whose value is `secure:` in the file: encrypted, so the plan sees a stand-in. */
  readonly secretKeys: string[];
}

export function projectName(): string {
  const doc = yaml.load(readFileSync(join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as { name: string };
  return doc.name;
}

/** The stacks the repo ships, from the files in `stacks/`. */
export function listStacks(): string[] {
  return readdirSync(STACKS_DIR)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** Reads `stacks/Pulumi.<stack>.yaml` into the config map Pulumi would give the program. */
export function readStackFile(stack: string): StackFile {
  const project = projectName();
  const path = join(STACKS_DIR, `Pulumi.${stack}.yaml`);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new StackFileError(`No stack "${stack}": ${path} does not exist (stacks: ${listStacks().join(", ")})`);
  }
  let doc: { config?: Record<string, unknown> };
  try {
    doc = (yaml.load(text) ?? {}) as typeof doc;
  } catch (error) {
    throw new StackFileError(`${path} is not valid YAML: ${(error as Error).message}`);
  }
  return { project, stack, ...toConfigMap(doc.config ?? {}, project) };
}

/** Pulumi's encoding: scalars as strings, objects and lists as JSON; un-namespaced keys belong to the project. */
export function toConfigMap(values: Record<string, unknown>, project: string): { config: Record<string, string>; secretKeys: string[] } {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [rawKey, value] of Object.entries(values)) {
    const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
    if (value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
      config[key] = "[secret]";
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { config, secretKeys };
}
