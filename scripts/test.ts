/*
 * `npm test` [-- --no-checks] [test/x.test.ts ...]: the checks, then the node:test suites, in as
 * little wall time as the machine allows without changing what any test measures.
 *
 * 1. typecheck, lint and build side by side (each is one process; the build writes dist/, which
 *    the examples import as the package, before any test runs).
 * 2. The test files N at a time (N: AGENTYARD_TEST_CONCURRENCY, else the machine's cores; node's
 *    own default is cores - 1, which is one file at a time on a 2-core runner, while many files
 *    mostly wait on Docker, npm or child processes). The longest start first.
 * 3. The files marked `// test-runner: alone` (they measure latency under load), one at a time
 *    with nothing beside them. A suite of theirs listed in BESIDE measures nothing and runs in
 *    step 2 instead.
 * A failed check stops there. Each step's wall time is printed at the end; the exit status is the
 * first failure's.
 */
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");
const TEST_DIR = path.join(ROOT, "test");
const ALONE_MARKER = /^\/\/ test-runner: alone\b/m;

/**
 * The longest files (measured: `node --test` of the whole suite, one file at a time), started
 * first so that none of them starts last; every other file follows in name order.
 */
const LONGEST_FIRST = ["consumer.test.ts", "plan.test.ts", "plan-examples.test.ts", "eks-cluster.test.ts", "eks-gvisor.test.ts", "database-bootstrap.test.ts"];

/**
 * Suites of `alone` files that measure no latency, run in step 2, by name (--test-name-pattern;
 * step 3 skips them with --test-skip-pattern). The gVisor check waits a minute for a pod that must
 * never become ready. A suite renamed away from its pattern is not lost: it runs with its file.
 */
const BESIDE: Readonly<Record<string, string>> = { "sandbox-isolation.test.ts": "^the executor under gVisor" };

interface Step {
  readonly name: string;
  readonly ms: number;
  readonly status: number;
}

/** A child process to its end; its output is inherited, or collected and returned. */
function run(command: string, args: readonly string[], collect: boolean): Promise<{ status: number; output: string }> {
  const child = spawn(command, args, { cwd: ROOT, stdio: collect ? ["ignore", "pipe", "pipe"] : "inherit" });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => {
    child.once("error", (error) => resolve({ status: 1, output: `${output}${String(error)}\n` }));
    child.once("close", (code, signal) => resolve({ status: code ?? (signal ? 128 : 1), output }));
  });
}

async function timed(name: string, work: () => Promise<number>): Promise<Step> {
  const started = Date.now();
  const status = await work();
  return { name, ms: Date.now() - started, status };
}

/** typecheck, lint and build at once, each one's output printed whole when it ends. */
async function checks(): Promise<number> {
  const statuses = await Promise.all(
    ["typecheck", "lint", "build"].map(async (script) => {
      const { status, output } = await run("npm", ["run", "-s", script], true);
      process.stdout.write(`# npm run ${script}: ${status === 0 ? "ok" : `failed (exit ${status})`}\n${output}`);
      return status;
    }),
  );
  return statuses.find((s) => s !== 0) ?? 0;
}

/** `node --import tsx --test ARGS`, on the Node.js running this script. */
const nodeTest = (args: readonly string[]) => ["--import", "tsx", "--test", ...args];

function testFiles(named: readonly string[]): { together: string[]; alone: string[] } {
  const all = named.length > 0 ? named.map((f) => path.basename(f)) : readdirSync(TEST_DIR).filter((f) => f.endsWith(".test.ts")).sort();
  const alone = all.filter((f) => ALONE_MARKER.test(readFileSync(path.join(TEST_DIR, f), "utf8")));
  const rank = (f: string) => (LONGEST_FIRST.includes(f) ? LONGEST_FIRST.indexOf(f) : LONGEST_FIRST.length);
  const together = all.filter((f) => !alone.includes(f)).sort((a, b) => rank(a) - rank(b));
  return { together, alone };
}

const files = (n: number) => `${n} file${n === 1 ? "" : "s"}`;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const named = argv.filter((a) => !a.startsWith("--"));
  const steps: Step[] = [];
  if (!argv.includes("--no-checks")) {
    steps.push(await timed("typecheck, lint and build", checks));
    // As the `&&` chain this replaces: no tests on a failed check (a failed build fails them all).
    if (steps[0]?.status !== 0) return report(steps);
  }

  const { together, alone } = testFiles(named);
  const concurrency = Number(process.env.AGENTYARD_TEST_CONCURRENCY) || availableParallelism();
  const besides = alone.flatMap((file) => (BESIDE[file] ? [{ file, pattern: BESIDE[file] }] : []));
  steps.push(
    await timed(`${files(together.length + besides.length)}, ${concurrency} at a time`, async () => {
      // The suites from `alone` files beside the rest: their own process, their report after the rest's.
      const beside = besides.map(({ file, pattern }) => run(process.execPath, nodeTest([`--test-name-pattern=${pattern}`, `test/${file}`]), true));
      const rest = together.length > 0 ? await run(process.execPath, nodeTest([`--test-concurrency=${concurrency}`, ...together.map((f) => `test/${f}`)]), false) : { status: 0 };
      let status = rest.status;
      for (const [i, { file, pattern }] of besides.entries()) {
        const { status: s, output } = await beside[i];
        process.stdout.write(`# ${file}, the suites that run beside the others (${pattern}):\n${output}`);
        status ||= s;
      }
      return status;
    }),
  );
  if (alone.length > 0) {
    steps.push(
      await timed(`${files(alone.length)} alone`, async () => {
        let status = 0;
        for (const f of alone) {
          const skip = BESIDE[f] ? [`--test-skip-pattern=${BESIDE[f]}`] : [];
          status ||= (await run(process.execPath, nodeTest([...skip, `test/${f}`]), false)).status;
        }
        return status;
      }),
    );
  }
  return report(steps);
}

/** One line of each step's wall time; the first failure's status. */
function report(steps: readonly Step[]): number {
  process.stdout.write(`# npm test: ${steps.map((s) => `${s.name} ${(s.ms / 1000).toFixed(1)} s${s.status === 0 ? "" : " (failed)"}`).join("; ")}\n`);
  return steps.find((s) => s.status !== 0)?.status ?? 0;
}

main().then(
  (status) => process.exit(status),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
