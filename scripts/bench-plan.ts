/*
 * npm run bench:plan [-- --runs N] [--stack S] [--tsx]: how long `npm run plan -- <stack>` takes
 * as a whole process (node cli/launch.js plan, what the npm script runs), how much of it is the
 * program's evaluation, and, side by side, the time to load @pulumi/pulumi alone: the floor no
 * plan goes under. Wall time and CPU time (user + system) per run, median and best of N.
 * CPU time is the steadier figure on a shared machine: the load average is printed with it.
 * --tsx also times the plan through tsx (cli/bin.ts), as `npm run plan` ran before cli/launch.js.
 */
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");
const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const RUNS = Number(option("--runs", "7"));
const STACK = option("--stack", "prod");

interface Sample {
  wallMs: number;
  cpuMs: number;
  evaluationMs?: number;
  evaluationCpuMs?: number;
}

/** One child process, timed from outside (wall) and from inside (its CPU, the evaluation's times). */
function run(args: string[], env: Record<string, string> = {}): Sample {
  const started = process.hrtime.bigint();
  const child = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 28, env: { ...process.env, ...env, AGENTYARD_PLAN_TIMING: "1" } });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.status !== 0) throw new Error(`${args.join(" ")} failed: ${child.stderr}`);
  const line = /agentyard-timing (\{.*\})/.exec(child.stderr)?.[1];
  if (!line) throw new Error(`no timing from ${args.join(" ")}: ${child.stderr.slice(-500)}`);
  const t = JSON.parse(line) as { processCpuMs: number; evaluationMs?: number; evaluationCpuMs?: number };
  return { wallMs, cpuMs: t.processCpuMs, evaluationMs: t.evaluationMs, evaluationCpuMs: t.evaluationCpuMs };
}

const FLOOR = `require("@pulumi/pulumi"); const c = process.cpuUsage(); process.stderr.write("agentyard-timing " + JSON.stringify({ processCpuMs: (c.user + c.system) / 1000 }) + "\\n");`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const best = (xs: number[]) => Math.min(...xs);
const fmt = (ms: number | undefined) => (ms === undefined ? "" : `${(ms / 1000).toFixed(2)} s`);

function measure(label: string, args: string[]): Array<[string, Sample[]]> {
  run(args); // warm: the transpile cache and the OS's file cache, as on a second run
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(run(args));
  return [[label, samples]];
}

const rows: Array<[string, Sample[]]> = [
  ...measure(`plan ${STACK} (node cli/launch.js)`, ["cli/launch.js", "plan", STACK]),
  ...(argv.includes("--tsx") ? measure(`plan ${STACK} (tsx cli/bin.ts)`, ["--import", "tsx", "cli/bin.ts", "plan", STACK]) : []),
  ...measure("require @pulumi/pulumi alone (floor)", ["-e", FLOOR]),
];

console.log(`npm run bench:plan: ${RUNS} runs each, node ${process.version}, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}\n`);
console.log("| what | wall median | wall best | CPU median | CPU best | evaluation wall median | evaluation CPU median |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const [label, s] of rows) {
  const evaluation = s.every((x) => x.evaluationMs !== undefined);
  console.log(
    `| ${label} | ${fmt(median(s.map((x) => x.wallMs)))} | ${fmt(best(s.map((x) => x.wallMs)))} | ${fmt(median(s.map((x) => x.cpuMs)))} | ${fmt(best(s.map((x) => x.cpuMs)))} | ${evaluation ? fmt(median(s.map((x) => x.evaluationMs ?? 0))) : ""} | ${evaluation ? fmt(median(s.map((x) => x.evaluationCpuMs ?? 0))) : ""} |`,
  );
}
const plan = rows[0][1];
console.log(`\ntargets (2 idle cores): whole process under 2 s median (${fmt(median(plan.map((x) => x.wallMs)))} wall, ${fmt(median(plan.map((x) => x.cpuMs)))} CPU), evaluation under 0.8 s (${fmt(median(plan.map((x) => x.evaluationMs ?? 0)))} wall, ${fmt(median(plan.map((x) => x.evaluationCpuMs ?? 0)))} CPU)`);
