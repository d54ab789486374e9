// Fresh consumer projects for test/consumer.test.ts: the packed tarball installed into a project
// laid out as `pulumi new aws-typescript` lays one out, outside this repository.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { REPO_ROOT } from "../cli/plan/stack-file";

/**
 * The Node.js binaries the consumer runs on (`AGENTYARD_CONSUMER_NODE`, one path or several
 * separated by `:`, e.g. from scripts/install-node.sh); by default the one running the tests.
 * npm stays the repo's.
 */
export const CONSUMER_NODES = (process.env.AGENTYARD_CONSUMER_NODE ?? process.execPath).split(path.delimiter).filter((bin) => bin !== "");
/**
 * Installs are kept here between runs: one directory per checkout (worktrees do not share a
 * tarball), one project per set of versions asked for.
 */
const CACHE = path.join(
  process.env.AGENTYARD_CONSUMER_CACHE ?? path.join(tmpdir(), "agentyard-consumer"),
  createHash("sha256").update(REPO_ROOT).digest("hex").slice(0, 12),
);

const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
  name: string;
  version: string;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * A command to its end, without blocking: the projects of consumer.test.ts run side by side, and
 * a synchronous spawn would hold the whole test process.
 */
export function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.once("error", reject);
    child.once("close", (status) =>
      resolve({ status, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8"), ms: Date.now() - started }),
    );
  });
}

function must(r: Run, what: string): Run {
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** The modification times of the files under `dir` (none if it does not exist), `node_modules` left out. */
function fileTimesUnder(dir: string): number[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.name !== "node_modules")
    .flatMap((entry) => (entry.isDirectory() ? fileTimesUnder(path.join(dir, entry.name)) : [statSync(path.join(dir, entry.name)).mtimeMs]));
}

/**
 * Whether dist/ was built after every file the build compiles (tsconfig.build.json's sources and
 * configuration) last changed: `npm test` has just built it, and the examples, running beside this
 * test, import the package from it, so a `prepack` that deletes and rewrites it must not run then.
 */
function distIsCurrent(): boolean {
  const built = fileTimesUnder(path.join(REPO_ROOT, "dist"));
  if (built.length === 0) return false;
  const sources = ["components", "infra", "cli", "policy"].flatMap((dir) => fileTimesUnder(path.join(REPO_ROOT, dir)));
  const configs = ["package.json", "tsconfig.json", "tsconfig.build.json"].map((file) => statSync(path.join(REPO_ROOT, file)).mtimeMs);
  // The oldest output was written after the build began, so after every input it compiled.
  return built.reduce((a, b) => Math.min(a, b)) >= [...sources, ...configs].reduce((a, b) => Math.max(a, b));
}

let tarball: Promise<string> | undefined;

/** `npm pack` of this repository, once per test process; dist/ is rebuilt by `prepack` unless current. */
export function packTarball(): Promise<string> {
  tarball ??= (async () => {
    mkdirSync(CACHE, { recursive: true });
    const out = mkdtempSync(path.join(CACHE, "pack-"));
    const scripts = distIsCurrent() ? ["--ignore-scripts"] : [];
    const packed = must(await run("npm", ["pack", "--json", "--loglevel=warn", ...scripts, "--pack-destination", out], REPO_ROOT), "npm pack");
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as Array<{ filename: string }>;
    if (!info) throw new Error(`npm pack printed no file: ${packed.stdout}`);
    // One stable path (the consumers' package.json names it), replaced in one step.
    const file = path.join(CACHE, `${pkg.name}.tgz`);
    renameSync(path.join(out, info.filename), file);
    rmSync(out, { recursive: true, force: true });
    return file;
  })();
  return tarball;
}

/** The peer range's lowest version (`^3.142.0` gives `3.142.0`). */
export function lowestOf(range: string): string {
  const match = /^(?:\^|~|>=)?(\d+\.\d+\.\d+)/.exec(range);
  if (!match?.[1]) throw new Error(`cannot read the lowest version of range ${range}`);
  return match[1];
}

/**
 * The newest published version in the range, asked of the registry (cached metadata, which
 * `--prefer-offline` would use, can be months old); offline, the range itself, which npm resolves
 * from its cache.
 */
export function newestOf(name: string, range: string): string {
  // Synchronous: the version names the tests, which are declared before anything runs.
  const r = spawnSync("npm", ["view", `${name}@${range}`, "version", "--json"], { cwd: REPO_ROOT, encoding: "utf8" });
  if (r.status !== 0) return range;
  const versions = JSON.parse(r.stdout) as string | string[];
  return Array.isArray(versions) ? (versions.at(-1) ?? range) : versions;
}

/** The peer's version as installed in this repository (its tests ran against it; the npm cache has it). */
export function repoVersionOf(name: string): string {
  return (JSON.parse(readFileSync(path.join(REPO_ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
}

export function peerRange(name: string): string {
  const range = pkg.peerDependencies[name];
  if (!range) throw new Error(`${name} is not a peer dependency`);
  return range;
}

// `pulumi new aws-typescript`'s files, from github.com/pulumi/templates (aws-typescript/, commit
// 65db26bf, 2026-08-04): runtime nodejs (TypeScript by default), main index.ts, and this tsconfig.json
// verbatim: strict, module nodenext, no skipLibCheck.
const TEMPLATE_TSCONFIG = {
  compilerOptions: {
    strict: true,
    outDir: "bin",
    target: "es2020",
    module: "nodenext",
    moduleResolution: "nodenext",
    sourceMap: true,
    experimentalDecorators: true,
    pretty: true,
    noFallthroughCasesInSwitch: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  files: ["index.ts"],
};

/**
 * A consumer project with the tarball and the required peers installed, `@pulumi/pulumi` at the
 * version (or range) asked for: the other peers at the versions this repository tests with.
 * Its program is examples/two-agents (index.ts, topology.ts), plus the ES module variant and the
 * loader in test/fixtures/consumer.
 */
export async function consumerProject(label: string, pulumiVersion: string): Promise<string> {
  const tgz = await packTarball();
  const peers: Record<string, string> = {};
  for (const name of Object.keys(pkg.peerDependencies)) {
    if (pkg.peerDependenciesMeta?.[name]?.optional) continue;
    peers[name] = name === "@pulumi/pulumi" ? pulumiVersion : repoVersionOf(name);
  }
  const manifest = {
    name: `consumer-${label}`,
    main: "index.ts",
    devDependencies: { "@types/node": "^18", typescript: "^5.0.0" },
    dependencies: { ...peers, [pkg.name]: `file:${tgz}` },
  };
  // The install is kept per manifest (peers, versions); a new tarball is installed over it.
  const key = createHash("sha256").update(JSON.stringify(manifest)).digest("hex").slice(0, 16);
  const dir = path.join(CACHE, `${label}-${key}`);
  const tarballSum = createHash("sha256").update(readFileSync(tgz)).digest("hex");
  const marker = path.join(dir, ".agentyard-tarball");
  const npmInstall = ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=warn"];
  if (!existsSync(marker)) {
    const staging = `${dir}.partial-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    writeFileSync(path.join(staging, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    // Install scripts download provider plugins for `pulumi up`; the offline plan needs none.
    must(await run("npm", npmInstall, staging), `npm install in ${label}`);
    writeFileSync(path.join(staging, ".agentyard-tarball"), tarballSum);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } else if (readFileSync(marker, "utf8") !== tarballSum) {
    must(await run("npm", [...npmInstall, `${pkg.name}@file:${tgz}`], dir), `npm install of the new tarball in ${label}`);
    writeFileSync(marker, tarballSum);
  }
  writeProgram(dir, label);
  return dir;
}

/** The project's own files, rewritten on every run (cheap; the install is what is cached). */
function writeProgram(dir: string, label: string): void {
  writeFileSync(path.join(dir, "Pulumi.yaml"), `name: consumer-${label}\ndescription: agentyard installed from its tarball\nruntime: nodejs\n`);
  writeFileSync(path.join(dir, "Pulumi.dev.yaml"), "config:\n  aws:region: us-east-1\n");
  writeFileSync(path.join(dir, "tsconfig.json"), `${JSON.stringify(TEMPLATE_TSCONFIG, null, 4)}\n`);
  // The same options over the program and the project's own test of it (plan.ts, on agentyard/plan).
  writeFileSync(path.join(dir, "tsconfig.check.json"), `${JSON.stringify({ extends: "./tsconfig.json", files: ["index.ts", "plan.ts"] }, null, 4)}\n`);
  const example = path.join(REPO_ROOT, "examples", "two-agents");
  for (const file of readdirSync(example).filter((f) => f.endsWith(".ts"))) copyFileSync(path.join(example, file), path.join(dir, file));
  const fixtures = path.join(REPO_ROOT, "test", "fixtures", "consumer");
  for (const file of readdirSync(fixtures)) copyFileSync(path.join(fixtures, file), path.join(dir, file));
  rmSync(path.join(dir, "bin"), { recursive: true, force: true });
}

/** Runs a command of the project's (tsc, the loader, agentyard's bin) on one of the consumer's Node.js binaries. */
export function node(bin: string, dir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return run(bin, args, dir, { PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH ?? ""}`, ...env });
}

/** `node --version` of a consumer Node.js binary (v22.22.0). */
export function versionOf(bin: string): string {
  return spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim();
}
