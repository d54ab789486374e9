import type * as pulumi from "@pulumi/pulumi";
import type { SandboxInterpreter } from "../../infra/config/schema";
import { ContainerImage } from "../../infra/images/image";
import { SANDBOX_CONTEXT } from "./runtime-config";

/** sandbox/Dockerfile's build argument that picks what executions can import. */
export const INTERPRETER_BUILD_ARG = "SANDBOX_PYTHON";

/**
 * The least `executionMemoryMb` (each execution's RLIMIT_AS) the scientific interpreter gets:
 * numpy, pandas and pyplot imported and a figure saved take 198 MiB of address space in an
 * execution (VmPeak, measured in the image), so at 256 about 58 MiB is left for the data.
 */
export const SCIENTIFIC_MIN_EXECUTION_MB = 256;

/** The image `npm run image:sandbox:local` builds for platform kubernetes (scripts/local-images.sh names it the same way). */
export function localSandboxImage(interpreter: SandboxInterpreter): string {
  return interpreter === "minimal" ? "agentyard-sandbox:local" : `agentyard-sandbox:local-${interpreter}`;
}

/** The runtime image built from sandbox/ with the interpreter's packages and pushed to ECR: its digest reference. */
export function buildSandboxImage(name: string, interpreter: SandboxInterpreter, arm64: boolean, opts: pulumi.ComponentResourceOptions): pulumi.Output<string> {
  return new ContainerImage(
    `${name}-image`,
    { context: SANDBOX_CONTEXT, component: "sandbox", platform: arm64 ? "linux/arm64" : "linux/amd64", buildArgs: { [INTERPRETER_BUILD_ARG]: interpreter } },
    opts,
  ).imageRef;
}
