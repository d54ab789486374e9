import * as path from "node:path";
import { buildSync } from "esbuild";

/** The bootstrap entry points, each bundled into one file with `pg`. */
export const BOOTSTRAP_ENTRIES = { lambda: "lambda.ts", job: "job.ts" } as const;
export type BootstrapEntry = keyof typeof BOOTSTRAP_ENTRIES;

const cache = new Map<BootstrapEntry, string>();

/**
 * One CommonJS file for Node 20 and later. Deterministic (same source, same bytes), so the plan
 * shows a change only when the code changes; bundled once per process because it takes ~50 ms.
 */
export function bundleBootstrap(entry: BootstrapEntry): string {
  const cached = cache.get(entry);
  if (cached !== undefined) return cached;
  const result = buildSync({
    entryPoints: [path.join(__dirname, "bootstrap", BOOTSTRAP_ENTRIES[entry])],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    write: false,
    legalComments: "none",
    // The Lambda runtime ships the AWS SDK v3; pg-native is an optional native driver pg never needs here.
    external: ["@aws-sdk/*", "pg-native"],
    logLevel: "silent",
    // The bundle names each module by its path (comments, module keys), relative to this working
    // directory: the package's root, symlinks kept as found, so the bytes (and the plan) are the
    // same in any checkout and from any cwd, never a machine path.
    absWorkingDir: path.join(__dirname, "..", ".."),
    preserveSymlinks: true,
  });
  const code = result.outputFiles[0]?.text;
  if (code === undefined) throw new Error(`bootstrap bundle ${entry}: esbuild produced no output`);
  cache.set(entry, code);
  return code;
}
