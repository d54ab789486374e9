import * as path from "node:path";
import { buildSync } from "esbuild";
import { PACKAGE_ROOT } from "../package-root";
import { BOOTSTRAP_NODE } from "./node-runtime";

/**
 * The bootstrap entry points, each bundled into one file with `pg`. Bundled from their TypeScript
 * sources, which the package ships (`infra/database/bootstrap/`): the build in dist/ finds them too.
 */
export const BOOTSTRAP_ENTRIES = { lambda: "lambda.ts", job: "job.ts" } as const;
export type BootstrapEntry = keyof typeof BOOTSTRAP_ENTRIES;

const BOOTSTRAP_SOURCES = path.join(PACKAGE_ROOT, "infra", "database", "bootstrap");

const cache = new Map<BootstrapEntry, string>();

/**
 * One CommonJS file for Node.js 22 and later (infra/database/node-runtime.ts). Deterministic (same
 * source, same bytes), so the plan shows a change only when the code changes; bundled once per
 * process because it takes ~50 ms.
 */
export function bundleBootstrap(entry: BootstrapEntry): string {
  const cached = cache.get(entry);
  if (cached !== undefined) return cached;
  const result = buildSync({
    entryPoints: [path.join(BOOTSTRAP_SOURCES, BOOTSTRAP_ENTRIES[entry])],
    // Paths in the bundle's comments are relative to the package, so the bytes do not depend on the
    // directory pulumi runs from; and a consumer's tsconfig.json (above node_modules) is not read.
    absWorkingDir: PACKAGE_ROOT,
    tsconfigRaw: { compilerOptions: { target: "ES2022" } },
    // What `alwaysStrict` (strict) in the repository's tsconfig gave the entry file: strict mode for the bundle.
    banner: { js: '"use strict";' },
    bundle: true,
    platform: "node",
    target: BOOTSTRAP_NODE.esbuildTarget,
    format: "cjs",
    write: false,
    legalComments: "none",
    // The Lambda runtime ships the AWS SDK v3; pg-native is an optional native driver pg never needs here.
    external: ["@aws-sdk/*", "pg-native"],
    logLevel: "silent",
    // Symlinks kept as found, so module paths stay relative to the package's root in any checkout.
    preserveSymlinks: true,
  });
  const code = result.outputFiles[0]?.text;
  if (code === undefined) throw new Error(`bootstrap bundle ${entry}: esbuild produced no output`);
  cache.set(entry, code);
  return code;
}
