import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import { GVISOR_INSTALL_SCRIPT_PATH, GVISOR_RUNTIME_HANDLER } from "../infra/cluster/gvisor-nodes";
import { type ResourceGraph, planStack } from "./harness";
import { waitsFor } from "./eks-graph";
import { skipUnlessInstalled } from "./tools";

const ROOT = path.join(__dirname, "..");

/** The parts of a MIME multi-part document, by content type. */
function mimeParts(document: string): Array<{ type: string; body: string }> {
  const boundary = /boundary="([^"]+)"/.exec(document)?.[1];
  assert.ok(boundary, "a multipart document with a boundary");
  return document
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const [head, ...body] = part.replace(/^\n/, "").split("\n\n");
      return { type: /Content-Type: ([^;\n]+)/.exec(head)?.[1] ?? "", body: body.join("\n\n") };
    });
}

describe("the gVisor node group of an eks stack with sandbox.gvisor", () => {
  let graph: ResourceGraph;
  let userData: string;
  before(async () => {
    graph = await planStack("prod", { override: { "agentyard:sandbox": { gvisor: true } } });
    const template = graph.get("aws:ec2/launchTemplate:LaunchTemplate", "cluster-sandbox-launch-template");
    userData = Buffer.from(String(template.inputs.userData), "base64").toString("utf8");
  });

  it("launches its nodes from a launch template whose user data is the install script and a NodeConfig", () => {
    const group = graph.get("aws:eks/nodeGroup:NodeGroup", "cluster-sandbox-nodes");
    const template = graph.get("aws:ec2/launchTemplate:LaunchTemplate", "cluster-sandbox-launch-template");
    assert.ok(group.dependencies.includes(template.urn), "the node group uses the template");
    assert.match(String(group.inputs.amiType), /^AL2023_/, "nodeadm user data needs an AL2023 AMI");
    assert.equal(template.inputs.imageId, undefined, "no AMI id: EKS adds its own NodeConfig (cluster, endpoint, CA) to this user data");
    assert.deepEqual(
      mimeParts(userData).map((p) => p.type),
      ["text/x-shellscript", "application/node.eks.aws"],
    );
    assert.equal(mimeParts(userData)[0].body.trimEnd(), readFileSync(GVISOR_INSTALL_SCRIPT_PATH, "utf8").trimEnd(), "the shipped script, as it is");
    assert.deepEqual(template.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
    assert.ok(waitsFor(graph, group, graph.get("aws:eks/addon:Addon", "cluster-addon-vpc-cni")));
  });

  it("registers containerd's runtime handler under the name the sandbox's RuntimeClass uses", () => {
    const nodeConfig = yaml.load(mimeParts(userData)[1].body) as { apiVersion: string; kind: string; spec: { containerd: { config: string } } };
    assert.deepEqual([nodeConfig.apiVersion, nodeConfig.kind], ["node.eks.aws/v1alpha1", "NodeConfig"]);
    const runtimeClass = graph.ofType("kubernetes:node.k8s.io/v1:RuntimeClass")[0];
    assert.equal(runtimeClass.inputs.handler, GVISOR_RUNTIME_HANDLER);
    // Parsed as TOML by Python's tomllib: the table containerd reads, keyed by the RuntimeClass's handler.
    const parsed = JSON.parse(
      execFileSync("python3", ["-c", "import json, sys, tomllib; print(json.dumps(tomllib.loads(sys.stdin.read())))"], { input: nodeConfig.spec.containerd.config, encoding: "utf8" }),
    ) as { plugins: Record<string, { containerd: { runtimes: Record<string, { runtime_type: string }> } }> };
    const runtimes = parsed.plugins["io.containerd.grpc.v1.cri"].containerd.runtimes;
    assert.deepEqual(Object.keys(runtimes), [String(runtimeClass.inputs.handler)]);
    assert.equal(runtimes[String(runtimeClass.inputs.handler)].runtime_type, "io.containerd.runsc.v1");
  });

  it("schedules sandbox pods only there: the RuntimeClass selects the group's label and tolerates its taint", () => {
    const group = graph.get("aws:eks/nodeGroup:NodeGroup", "cluster-sandbox-nodes");
    const scheduling = graph.ofType("kubernetes:node.k8s.io/v1:RuntimeClass")[0].inputs.scheduling as { nodeSelector: Record<string, string>; tolerations: Array<{ key: string; value: string }> };
    for (const [k, v] of Object.entries(scheduling.nodeSelector)) assert.equal((group.inputs.labels as Record<string, string>)[k], v);
    const taint = (group.inputs.taints as Array<{ key: string; value: string; effect: string }>)[0];
    assert.ok(scheduling.tolerations.some((t) => t.key === taint.key && t.value === taint.value));
  });

  it("tells the sandbox's executor it runs under gVisor (SANDBOX_GVISOR=1, which keeps executions from unix sockets)", () => {
    const config = graph.get("kubernetes:core/v1:ConfigMap", "sandbox-config").inputs.data as Record<string, string>;
    assert.equal(config.SANDBOX_GVISOR, "1");
  });

  it("has no launch template, second node group or SANDBOX_GVISOR without sandbox.gvisor", async () => {
    const plain = await planStack("prod");
    assert.equal(plain.ofType("aws:ec2/launchTemplate:LaunchTemplate").length, 0);
    assert.deepEqual(plain.ofType("aws:eks/nodeGroup:NodeGroup").map((g) => g.name), ["cluster-general-nodes"]);
    assert.equal((plain.get("kubernetes:core/v1:ConfigMap", "sandbox-config").inputs.data as Record<string, string>).SANDBOX_GVISOR, undefined);
  });
});

describe("the gVisor install script", () => {
  it("passes shellcheck", { skip: skipUnlessInstalled("shellcheck", "--version", "apt-get install shellcheck") }, () => {
    execFileSync("shellcheck", [path.relative(ROOT, GVISOR_INSTALL_SCRIPT_PATH)], { cwd: ROOT, stdio: "pipe" });
  });

  /*
   * The script run for real against a release laid out as gVisor publishes it
   * (<base>/<release>/<arch>/gvisor.tar.bz2 and .sha512), served from a directory through
   * curl's file:// scheme since no network is reachable here. The tarball holds this machine's
   * real runsc (Debian's); Debian ships no containerd-shim-runsc-v1, so a one-line stand-in takes
   * its place: the script only places and marks that file.
   */
  describe("run against a local copy of a release", { skip: skipUnlessInstalled("runsc", "--version", "apt-get install runsc") }, () => {
    let work: string;
    let releaseDir: string;
    const arch = execFileSync("uname", ["-m"], { encoding: "utf8" }).trim();
    const run = (installDir: string) =>
      spawnSync("bash", [GVISOR_INSTALL_SCRIPT_PATH], {
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", GVISOR_BASE_URL: `file://${work}/releases`, GVISOR_RELEASE: "20260817.0", INSTALL_DIR: installDir },
        encoding: "utf8",
      });

    before(() => {
      work = mkdtempSync(path.join(tmpdir(), "agentyard-gvisor-"));
      const staged = path.join(work, "staged");
      mkdirSync(path.join(staged, "gvisor-bin"), { recursive: true });
      copyFileSync(execFileSync("sh", ["-c", "command -v runsc"], { encoding: "utf8" }).trim(), path.join(staged, "runsc"));
      writeFileSync(path.join(staged, "containerd-shim-runsc-v1"), "#!/bin/sh\necho containerd-shim-runsc-v1 stand-in\n");
      chmodSync(path.join(staged, "runsc"), 0o644);
      chmodSync(path.join(staged, "containerd-shim-runsc-v1"), 0o644);
      releaseDir = path.join(work, "releases", "20260817.0", arch);
      mkdirSync(releaseDir, { recursive: true });
      // bzip2 -1: the tarball's contents matter here, not its size.
      execFileSync("sh", ["-c", `tar -C "${staged}" -cf - ./runsc ./containerd-shim-runsc-v1 ./gvisor-bin | bzip2 -1 > "${releaseDir}/gvisor.tar.bz2"`]);
      const sum = createHash("sha512").update(readFileSync(path.join(releaseDir, "gvisor.tar.bz2"))).digest("hex");
      writeFileSync(path.join(releaseDir, "gvisor.tar.bz2.sha512"), `${sum}  gvisor.tar.bz2\n`);
    });
    after(() => rmSync(work, { recursive: true, force: true }));

    it("verifies the checksum and installs runsc, the shim and gvisor-bin/, executable by everyone", () => {
      const installDir = path.join(work, "bin");
      const result = run(installDir);
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /runsc version/);
      for (const file of ["runsc", "containerd-shim-runsc-v1"]) assert.equal(statSync(path.join(installDir, file)).mode & 0o555, 0o555, file);
      assert.ok(statSync(path.join(installDir, "gvisor-bin")).isDirectory(), "the sidecar directory stays next to runsc");
    });

    it("installs nothing when the download does not match its checksum", () => {
      const tarball = path.join(releaseDir, "gvisor.tar.bz2");
      const good = readFileSync(tarball);
      writeFileSync(tarball, Buffer.concat([good, Buffer.from("tampered")]));
      try {
        const installDir = path.join(work, "bin-tampered");
        const result = run(installDir);
        assert.notEqual(result.status, 0);
        assert.match(result.stderr, /FAILED|did NOT match/);
        assert.equal(existsSync(path.join(installDir, "runsc")), false);
      } finally {
        writeFileSync(tarball, good);
      }
    });
  });
});
