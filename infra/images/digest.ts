import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";

/**
 * Never part of an image's content: dependencies and builds made inside the context, git, and
 * Python's bytecode caches (the tests run sandbox/executor/*.py in place, and `python3 -I` writes
 * __pycache__ beside them; the Dockerfile copies the sources only), so a plan made after the tests
 * names the same image as one made from a fresh clone.
 */
const SKIPPED = new Set(["node_modules", "dist", ".git", "__pycache__"]);

/**
 * A digest of the build context's content: the same files give the same digest on every machine
 * and run (plans stay deterministic), and a changed file gives a new one.
 */
export function contextDigest(context: string): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      if (SKIPPED.has(entry)) continue;
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else hash.update(path.relative(context, full)).update("\0").update(readFileSync(full)).update("\0");
    }
  };
  walk(context);
  return hash.digest("hex");
}

/** Everything that changes the image a build produces. */
export interface ImageBuildInputs {
  readonly context: string;
  /** Relative to the context; may lie outside it. @default "Dockerfile" */
  readonly dockerfile?: string;
  readonly platform: string;
  /** Resolved build arguments. */
  readonly buildArgs?: Readonly<Record<string, string>>;
}

/**
 * The image's tag: a hash of the context's files, the Dockerfile's path and content (it may live
 * outside the context, and two Dockerfiles may share one), the platform and the build arguments.
 * ECR tags are immutable (`IMMUTABLE`), so a tag must change whenever the image does: the same tag
 * for another image fails the push ("tag invalid: ... already exists").
 */
export function imageTag(inputs: ImageBuildInputs): string {
  const dockerfile = inputs.dockerfile ?? "Dockerfile";
  const args = Object.entries(inputs.buildArgs ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const hash = createHash("sha256")
    .update(`context\0${contextDigest(inputs.context)}\0`)
    .update(`dockerfile\0${dockerfile}\0`)
    .update(readFileSync(path.join(inputs.context, dockerfile)))
    .update(`\0platform\0${inputs.platform}\0`)
    .update(`buildArgs\0${JSON.stringify(args)}\0`);
  return `img-${hash.digest("hex").slice(0, 16)}`;
}
