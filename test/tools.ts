import { execFileSync } from "node:child_process";

/**
 * Why a test that needs a real tool is skipped, or false to run it. In CI (.ci/run installs every
 * tool) a missing tool is never a reason: the test runs and fails.
 */
export function skipUnlessInstalled(command: string, versionArg: string, install: string): string | false {
  if (process.env.CI === "true") return false;
  try {
    execFileSync(command, [versionArg], { stdio: "ignore" });
    return false;
  } catch {
    return `${command} is not installed (${install})`;
  }
}
