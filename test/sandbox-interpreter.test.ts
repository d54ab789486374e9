import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SandboxHost } from "../components/sandbox-host";
import { normalizeSandboxArgs } from "../components/sandbox-host/args";
import { type ResourceGraph, planStack } from "./harness";

/*
 * `sandbox.interpreter` in a stack's config decides what the sandbox image is built with: the
 * Dockerfile's SANDBOX_PYTHON build argument on eks and ecs (where SandboxHost builds and pushes
 * the image), the local image's name on kubernetes (built by `npm run image:sandbox:local`).
 * test/sandbox-image-scientific.test.ts builds that image and runs it.
 */

const SCIENTIFIC = { "agentyard:sandbox": { interpreter: "scientific" } };

const builtImage = (graph: ResourceGraph) => graph.get("docker-build:index:Image", "sandbox-image-image").inputs as { buildArgs: Record<string, string>; tags: string[] };
const deployedImage = (graph: ResourceGraph) => {
  const spec = graph.get("kubernetes:apps/v1:Deployment", "sandbox-deployment").inputs.spec as { template: { spec: { containers: Array<{ name: string; image: string }> } } };
  return spec.template.spec.containers.map((c) => [c.name, c.image]);
};

describe("sandbox.interpreter, from the stack's config to the image", () => {
  it("builds the standard-library image by default (every preset says minimal)", async () => {
    const graph = await planStack("dev-ecs");
    assert.deepEqual(builtImage(graph).buildArgs, { SANDBOX_PYTHON: "minimal" });
  });

  it("builds the image with numpy, pandas and matplotlib on ecs when the config says scientific, under another tag", async () => {
    const minimal = builtImage(await planStack("dev-ecs"));
    const scientific = builtImage(await planStack("dev-ecs", { override: SCIENTIFIC }));
    assert.deepEqual(scientific.buildArgs, { SANDBOX_PYTHON: "scientific" });
    // ECR tags are immutable: the two images must never share one.
    assert.notEqual(scientific.tags[0], minimal.tags[0]);
  });

  it("builds it the same way on eks", async () => {
    assert.deepEqual(builtImage(await planStack("dev", { override: SCIENTIFIC })).buildArgs, { SANDBOX_PYTHON: "scientific" });
  });

  it("runs agentyard-sandbox:local-scientific in both containers on kubernetes, the name scripts/local-images.sh builds", async () => {
    assert.deepEqual(deployedImage(await planStack("local")), [["api", "agentyard-sandbox:local"], ["executor", "agentyard-sandbox:local"]]);
    assert.deepEqual(deployedImage(await planStack("local", { override: SCIENTIFIC })), [["api", "agentyard-sandbox:local-scientific"], ["executor", "agentyard-sandbox:local-scientific"]]);
  });

  it("refuses the scientific interpreter with less than 256 MB per execution, which its imports would nearly fill", () => {
    assert.throws(() => new SandboxHost("s", { platform: "kubernetes", settings: { interpreter: "scientific", executionMemoryMb: 192 } }), /settings\.executionMemoryMb: got 192, expected at least 256 with the scientific interpreter/);
    assert.equal(normalizeSandboxArgs("s", { platform: "kubernetes", settings: { interpreter: "minimal", executionMemoryMb: 192 } }).settings.executionMemoryMb, 192);
  });

  it("refuses an interpreter it does not know, naming the choices", () => {
    assert.throws(() => new SandboxHost("s", { platform: "kubernetes", settings: { interpreter: "full" as never } }), /settings\.interpreter: got "full", expected one of minimal, scientific/);
  });
});
