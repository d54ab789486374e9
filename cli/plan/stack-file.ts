import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { PACKAGE_ROOT } from "../../infra/package-root";

/** This repository's root, or the installed package's (its Pulumi.yaml is the reference stacks' project). */
export const REPO_ROOT = PACKAGE_ROOT;

/** A stack that does not exist, a project file missing or unreadable: the user's to fix, so no stack trace. */
export class StackFileError extends Error {
  override name = "StackFileError";
}

/** A Pulumi project as `pulumi` finds it: the nearest Pulumi.yaml at or above a directory. */
export interface PulumiProject {
  readonly name: string;
  /** The directory holding Pulumi.yaml. */
  readonly dir: string;
  /** The program: `main` resolved against `dir` (a file or a directory), or `dir` itself. */
  readonly main: string;
  /** Where `Pulumi.<stack>.yaml` files live: `stackConfigDir`, or `dir`. */
  readonly stacksDir: string;
  /** Project-level config defaults (`config:` in Pulumi.yaml, `key: value` or `key: {default: value}`). */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface StackFile {
  readonly project: string;
  readonly stack: string;
  /** Full keys to string values, as the Pulumi CLI hands config to a program. */
  readonly config: Record<string, string>;
  /** Keys whose value is `secure:` in the file: encrypted, so the plan sees a stand-in. */
  readonly secretKeys: string[];
}

/** The project at or above `from` (Pulumi's own rule: the nearest parent folder with a Pulumi.yaml). */
export function findProject(from: string = process.cwd()): PulumiProject {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(dir, f)).find((f) => existsSync(f));
    if (file) return readProject(file);
    if (path.dirname(dir) === dir) throw new StackFileError(`No Pulumi project: no Pulumi.yaml in ${path.resolve(from)} or any folder above it`);
  }
}

function readProject(file: string): PulumiProject {
  let doc: { name?: unknown; main?: unknown; stackConfigDir?: unknown; config?: unknown };
  try {
    doc = (yaml.load(readFileSync(file, "utf8")) ?? {}) as typeof doc;
  } catch (error) {
    throw new StackFileError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  if (typeof doc.name !== "string") throw new StackFileError(`${file}: no project name (name: ...)`);
  const dir = path.dirname(file);
  // AGENTYARD_STACKS_DIR points the plan at other stack files (the tests' bad configs).
  const stacksDir = process.env.AGENTYARD_STACKS_DIR || path.resolve(dir, typeof doc.stackConfigDir === "string" ? doc.stackConfigDir : ".");
  const config = doc.config !== null && typeof doc.config === "object" ? (doc.config as Record<string, unknown>) : {};
  return { name: doc.name, dir, main: path.resolve(dir, typeof doc.main === "string" ? doc.main : "."), stacksDir, config };
}

/** The working directory Pulumi gives the program: the project's, or `main` where main is a directory. */
export function programDir(project: PulumiProject): string {
  return existsSync(project.main) && statSync(project.main).isDirectory() ? project.main : project.dir;
}

/** This repository's project (the reference stacks). */
export function repoProject(): PulumiProject {
  return readProject(path.join(REPO_ROOT, "Pulumi.yaml"));
}

export function projectName(): string {
  return repoProject().name;
}

/** The stacks a project has a file for (`Pulumi.<stack>.yaml` in its stack config dir), sorted. */
export function listStacks(project: PulumiProject = repoProject()): string[] {
  if (!existsSync(project.stacksDir)) return [];
  return readdirSync(project.stacksDir)
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** Reads `Pulumi.<stack>.yaml` into the config map Pulumi would give the program, over the project's defaults. */
export function readStackFile(stack: string, project: PulumiProject = repoProject()): StackFile {
  const file = ["yaml", "yml"].map((ext) => path.join(project.stacksDir, `Pulumi.${stack}.${ext}`)).find((f) => existsSync(f));
  if (!file) {
    const stacks = listStacks(project);
    throw new StackFileError(`No stack "${stack}": ${path.join(project.stacksDir, `Pulumi.${stack}.yaml`)} does not exist (stacks: ${stacks.join(", ") || "none"})`);
  }
  let doc: { config?: Record<string, unknown> };
  try {
    doc = (yaml.load(readFileSync(file, "utf8")) ?? {}) as typeof doc;
  } catch (error) {
    throw new StackFileError(`${file} is not valid YAML: ${(error as Error).message}`);
  }
  const defaults = Object.fromEntries(Object.entries(project.config).map(([k, v]) => [k, projectDefault(v)]));
  return { project: project.name, stack, ...toConfigMap({ ...defaults, ...(doc.config ?? {}) }, project.name) };
}

/** A project config entry is a plain value, or a declaration `{type, default?, value?}` whose default applies. */
function projectDefault(entry: unknown): unknown {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return entry;
  const declared = entry as { type?: unknown; default?: unknown; value?: unknown };
  if ("default" in declared || "value" in declared || "type" in declared) return declared.value ?? declared.default;
  return entry;
}

/** Pulumi's encoding: scalars as strings, objects and lists as JSON; un-namespaced keys belong to the project. */
export function toConfigMap(values: Record<string, unknown>, project: string): { config: Record<string, string>; secretKeys: string[] } {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [rawKey, value] of Object.entries(values)) {
    if (value === undefined) continue;
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
