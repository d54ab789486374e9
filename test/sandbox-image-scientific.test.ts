import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { dockerBuild } from "./docker-build";
import { CONTEXT, FARGATE, KUBERNETES, type Platform, TAG, buildImage, docker, dockerSkip, startPod } from "./sandbox-pod";

/*
 * The sandbox image built with SANDBOX_PYTHON=scientific (config `sandbox.interpreter`), started
 * as production starts it: two containers, read-only roots, no capabilities, no network, the
 * volumes as each platform makes them. An execution uses pandas and saves a matplotlib figure as
 * a PNG in its scratch, where nothing else is writable. The image is built once per run, on the
 * layers of the minimal image the other Docker tests build (only the package step is added).
 */

const SCIENTIFIC_TAG = "agentyard-sandbox:test-scientific";

const PLOT = `import base64, os
import numpy as np, pandas as pd, matplotlib, matplotlib.pyplot as plt
df = pd.DataFrame({"x": np.arange(1, 6), "y": np.arange(1, 6) ** 2})
print(df["y"].sum(), df["x"].mean())
fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
ax.plot(df["x"], df["y"], color="black", linewidth=4)
fig.savefig("plot.png")
back = plt.imread("plot.png")
print(back.shape, bool((back[..., :3] < 0.2).any()))
print(matplotlib.get_backend(), matplotlib.get_cachedir().startswith(os.environ["HOME"] + "/"), os.getcwd() == os.environ["HOME"])
print(base64.b64encode(open("plot.png", "rb").read()).decode())`;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe("the scientific sandbox image", { skip: dockerSkip, timeout: 900_000 }, () => {
  before(async () => {
    assert.ok(process.env.AGENTYARD_DOCKER_HOST, "CI must provide a Docker engine in AGENTYARD_DOCKER_HOST");
    await buildImage();
    await dockerBuild("--network", "host", "-q", "--build-arg", "SANDBOX_PYTHON=scientific", "-t", SCIENTIFIC_TAG, CONTEXT);
  });

  it("adds one layer to the minimal image's, which has the standard library only", async () => {
    const layers = async (tag: string) => (JSON.parse((await docker("image", "inspect", tag, "--format", "{{json .RootFS.Layers}}")).stdout) as string[]);
    const [minimal, scientific] = [await layers(TAG), await layers(SCIENTIFIC_TAG)];
    // Base image and the shared packages: the same layers, so the scientific build reuses them.
    assert.deepEqual(scientific.slice(0, 2), minimal.slice(0, 2));
    assert.equal(scientific.length, minimal.length + 1);
    const imports = "import importlib.util as u; print([m for m in ('numpy', 'pandas', 'matplotlib') if u.find_spec(m)])";
    const run = (tag: string) => docker("run", "--rm", "--network", "none", "--read-only", "--entrypoint", "python3", tag, "-I", "-c", imports);
    assert.equal((await run(TAG)).stdout, "[]\n");
    assert.equal((await run(SCIENTIFIC_TAG)).stdout, "['numpy', 'pandas', 'matplotlib']\n");
  });

  const platforms: Array<[Platform, string]> = [
    [KUBERNETES, "each execution's private tmpfs"],
    [FARGATE, "each execution's private directory"],
  ];
  for (const [platform, scratch] of platforms) {
    it(`runs pandas and saves a matplotlib PNG into ${scratch} on ${platform.name}, read-only, no capabilities, no network`, async (t) => {
      const pod = await startPod(platform, { image: SCIENTIFIC_TAG });
      try {
        const answer = await pod.execute(PLOT);
        assert.equal(answer.status, 200, await pod.logs());
        const { stdout, stderr, exitCode } = answer.body;
        // No warning either: matplotlib found a writable config and cache directory and a backend.
        assert.deepEqual([stderr, exitCode], ["", 0], stdout);
        const [sums, readBack, setup, png] = stdout.trimEnd().split("\n");
        assert.equal(sums, "55 3.0");
        assert.equal(readBack, "(150, 200, 4) True", "the figure read back: 4 x 3 in at 50 dpi, the black line drawn");
        // "Agg" as /etc/matplotlibrc names it (matplotlib's own pick, with no display, says "agg").
        assert.equal(setup, "Agg True True", "Agg, cache under HOME, HOME is the working directory");
        const bytes = Buffer.from(png, "base64");
        assert.deepEqual(bytes.subarray(0, 8), PNG_SIGNATURE);
        assert.equal(bytes.subarray(12, 16).toString("latin1"), "IHDR");
        assert.deepEqual([bytes.readUInt32BE(16), bytes.readUInt32BE(20)], [200, 150]);
        const again = await pod.execute(PLOT);
        assert.equal(again.body.exitCode, 0, again.body.stderr);
        t.diagnostic(`first execution ${answer.ms.toFixed(0)} ms, second ${again.ms.toFixed(0)} ms (imports, font cache and figure in each)`);
      } finally {
        await pod.stop();
      }
    });
  }
});
