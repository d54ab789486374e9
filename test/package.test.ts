import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../cli/plan/stack-file";
import * as index from "../components";
import { SANDBOX_CONTEXT } from "../components/sandbox-host/runtime-config";
import { BOOTSTRAP_ENTRIES } from "../infra/database/bundle";
import { BOOTSTRAP_SQL_PATH } from "../infra/database/sql";
import { GVISOR_INSTALL_SCRIPT_PATH } from "../infra/cluster/gvisor-nodes";

// The installed package itself is tested in consumer.test.ts; these check its manifest, quickly.
const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  main: string;
  types: string;
  exports: Record<string, string | Record<string, string>>;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** The source a build path is compiled from: `dist/cli/bin.js` from `cli/bin.ts`. */
const sourceOf = (built: string) => built.replace(/^\.?\/?dist\//, "").replace(/(\.d)?\.ts$|\.js$/, ".ts");

function packedFiles(): string[] {
  // --ignore-scripts: the list without building; dist/ is listed when a build exists.
  const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts", "--loglevel=silent"], { cwd: REPO_ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf("["))) as Array<{ files: Array<{ path: string }> }>;
  return (info?.files ?? []).map((f) => f.path);
}

describe("the agentyard package", () => {
  it("points main, types, exports and bin at the build of sources that exist", () => {
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (subpath === "./package.json") continue;
      assert.equal(typeof target, "object", `${subpath}: conditions, types first`);
      assert.deepEqual(Object.keys(target as object), ["types", "default"], `${subpath}: types first, then default`);
      targets.push(...Object.values(target as Record<string, string>));
    }
    for (const target of targets) {
      assert.match(target, /^(\.\/)?dist\//, `${target} is in the build`);
      assert.ok(existsSync(path.join(REPO_ROOT, sourceOf(target))), `${target} is built from ${sourceOf(target)}`);
    }
    const bin = readFileSync(path.join(REPO_ROOT, sourceOf(pkg.bin.agentyard ?? "")), "utf8");
    assert.match(bin, /^#!\/usr\/bin\/env node\n/, "the bin runs as a command");
  });

  it("exports the components and config helpers", () => {
    for (const name of ["Network", "DataTier", "SandboxHost", "parseStackConfig", "readStackConfig", "ConfigError", "PRESETS", "DASHBOARDS", "physicalName", "standardTags", "applyTransform"]) {
      assert.ok((index as Record<string, unknown>)[name], `agentyard exports ${name}`);
    }
  });

  it("has the Pulumi SDKs as peers (one copy, the consumer's), kept in devDependencies for its own tests", () => {
    for (const name of ["@pulumi/pulumi", "@pulumi/aws", "@pulumi/kubernetes", "@pulumi/docker-build", "@pulumi/random"]) {
      assert.ok(pkg.peerDependencies[name], `${name} is a peer`);
      assert.equal(pkg.dependencies[name], undefined, `${name} is not a dependency (a second SDK copy would not see the program's resources)`);
      assert.ok(pkg.devDependencies[name], `${name} is installed for the repository's tests`);
    }
  });

  it("ships the build and the assets components read at run time (the gVisor script, the SQL bootstrap), and no tests, stacks or scripts", () => {
    const files = packedFiles();
    const assets = [
      path.join(SANDBOX_CONTEXT, "Dockerfile"),
      path.join(SANDBOX_CONTEXT, "package-lock.json"),
      path.join(SANDBOX_CONTEXT, "src", "main.ts"),
      BOOTSTRAP_SQL_PATH,
      GVISOR_INSTALL_SCRIPT_PATH,
      ...Object.values(BOOTSTRAP_ENTRIES).map((entry) => path.join(REPO_ROOT, "infra", "database", "bootstrap", entry)),
    ].map((file) => path.relative(REPO_ROOT, file));
    for (const asset of assets) assert.ok(files.includes(asset), `${asset} is shipped`);
    const allowed = /^(dist\/|sandbox\/|infra\/assets\/(sql|node)\/|infra\/database\/bootstrap\/|package\.json$|README\.md$|CHANGELOG\.md$|LICENSE$)/;
    assert.deepEqual(files.filter((f) => !allowed.test(f)), []);
    assert.deepEqual(files.filter((f) => /(^|\/)test\/|\.test\.ts$|node_modules\//.test(f)), []);
  });
});
