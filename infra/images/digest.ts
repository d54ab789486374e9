import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import * as path from "node:path";

const SKIPPED = new Set(["node_modules", "dist", ".git"]);

/**
 * A tag from the build context's content: the same files give the same tag on every machine and
 * run (plans stay deterministic), and a changed file gives a new one (ECR tags are immutable).
 */
export function contextTag(context: string): string {
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
  return `ctx-${hash.digest("hex").slice(0, 16)}`;
}
