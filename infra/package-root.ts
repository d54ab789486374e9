import { existsSync } from "node:fs";
import * as path from "node:path";

/**
 * The directory of agentyard's own package.json: the repository when run from source (this file is
 * `infra/package-root.ts`), the installed package when run from the build (`dist/infra/package-root.js`,
 * dist/ has no package.json). Assets the components read at run time (the sandbox build context,
 * the bootstrap SQL and function sources) are found from here, never from the working directory,
 * which is the consumer's project.
 */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(__dirname));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`agentyard: no package.json above ${from}`);
  }
}
