import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

/*
 * `docker build` for the test files, one build at a time per engine. Test files run side by side
 * (scripts/test.ts), and several build the same context (the sandbox image); the engine's legacy
 * builder (Debian's docker.io has no BuildKit) does not share a build in progress, so two cold
 * builds of one context would both run every step. Under the lock the second waits for the first,
 * then finds every layer in the build cache (a cached build takes about 0.2 s).
 */

const exec = promisify(execFile);

/**
 * `docker build ARGS` on AGENTYARD_DOCKER_HOST under a lock held by `flock` (util-linux, on every
 * Debian and Ubuntu): the kernel releases it when the build exits, so a killed test leaves none.
 * The lock is AGENTYARD_DOCKER_BUILD_LOCK if set: .ci/run holds it while it makes the base image
 * in the background of the checks, so that the first build waits for the image it starts from.
 */
export function dockerBuild(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  const host = process.env.AGENTYARD_DOCKER_HOST;
  const lock = process.env.AGENTYARD_DOCKER_BUILD_LOCK ?? path.join(tmpdir(), `agentyard-docker-build-${createHash("sha256").update(host ?? "").digest("hex").slice(0, 12)}.lock`);
  const options = { env: { ...process.env, DOCKER_HOST: host }, maxBuffer: 64 * 1024 * 1024 };
  return exec("flock", [lock, "docker", "build", ...args], options).catch((error: NodeJS.ErrnoException) => {
    // No flock (not Linux): the build without the lock, as before; only a cold cache pays twice.
    if (error.code === "ENOENT" && error.path === "flock") return exec("docker", ["build", ...args], options);
    throw error;
  });
}
