/*
 * npm run bench:sandbox: trivial executions (print(1)) through the service, against a cold
 * `python3 -I` spawn per execution, at concurrency 1 and 8, in one run. The service runs as in
 * production, in processes of its own: the api (sandbox/src/main.ts) and the executor
 * (sandbox/executor/executor.py, with its namespaces where this machine allows them); this
 * process is only the client, so its own event loop measures nothing of theirs. The cold baseline
 * is the same client spawning `/usr/bin/python3 -I -c "print(1)"` itself, without HTTP.
 * Then a call in a live session (sandbox/SESSIONS.md: the interpreter is already up, the call is
 * one exec in it) against a one-shot execution, at concurrency 1, in the same run.
 * The last line: `summary: c1_p50_ratio=<cold/new> c8_throughput_ratio=<new/cold>
 * session_c1_p50_ratio=<one-shot/session> session_vs_cold_c1_p50_ratio=<cold/session>`.
 */
import { spawn } from "node:child_process";
import { PYTHON, startApiProcess, startExecutor } from "../test/sandbox-harness";

const REQUESTS: Record<number, number> = { 1: 150, 8: 400 };
const SESSION_DESIGN = "session call (service over HTTP)";
const CODE = "print(1)";

interface Row {
  design: string;
  concurrency: number;
  p50: number;
  p99: number;
  perSecond: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(design: string, concurrency: number, once: () => Promise<string>): Promise<Row> {
  for (let i = 0; i < 10; i++) await once(); // warm up, as a service that has been up
  const total = REQUESTS[concurrency];
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const t = performance.now();
        const out = await once();
        if (out !== "1\n") throw new Error(`${design}: wrong answer ${JSON.stringify(out)}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { design, concurrency, p50: percentile(latencies, 50), p99: percentile(latencies, 99), perSecond: total / seconds };
}

function cold(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ["-I", "-c", CODE], { stdio: ["ignore", "pipe", "inherit"], env: { PATH: "/usr/bin:/bin", LANG: "C.UTF-8" } });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("close", () => resolve(out));
  });
}

async function startApi(socket: string): Promise<{ url: string; stop: () => void }> {
  const api = await startApiProcess(socket, { MAX_SANDBOXES: "8", SANDBOX_QUEUE_LIMIT: "1000" });
  return { url: api.url, stop: () => api.child.kill("SIGTERM") };
}

async function main(): Promise<void> {
  // SANDBOX_ISOLATION=none measures the fallback (no namespaces) for comparison.
  const executor = await startExecutor(61020, process.env.SANDBOX_ISOLATION ? { SANDBOX_ISOLATION: process.env.SANDBOX_ISOLATION } : {});
  const api = await startApi(executor.socket);
  const isolation = ((await (await fetch(`${api.url}/ready`)).json()) as { isolation: string }).isolation;
  const service = async () => {
    const res = await fetch(`${api.url}/v1/execute`, { method: "POST", body: JSON.stringify({ code: CODE }) });
    return ((await res.json()) as { stdout: string }).stdout;
  };
  const rows: Row[] = [];
  try {
    for (const concurrency of [1, 8]) {
      rows.push(await measure("zygote (service over HTTP)", concurrency, service));
      rows.push(await measure("cold python3 -I spawn", concurrency, cold));
    }
    const created = await fetch(`${api.url}/v1/sessions`, { method: "POST" });
    if (created.status !== 201) throw new Error(`POST /v1/sessions answered ${created.status}: ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };
    const inSession = async () => {
      const res = await fetch(`${api.url}/v1/sessions/${id}/execute`, { method: "POST", body: JSON.stringify({ code: CODE }) });
      return ((await res.json()) as { stdout: string }).stdout;
    };
    rows.push(await measure(SESSION_DESIGN, 1, inSession));
    await fetch(`${api.url}/v1/sessions/${id}`, { method: "DELETE" });
  } finally {
    api.stop();
    await executor.stop();
  }
  console.log(`sandbox runtime: print(1), ${PYTHON} -I, ${process.version}, executor isolation: ${isolation}`);
  console.log("| design | concurrency | p50 ms | p99 ms | executions/s |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const r of rows) console.log(`| ${r.design} | ${r.concurrency} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.perSecond.toFixed(0)} |`);
  const [c1, c1cold, c8, c8cold, session] = rows;
  console.log(
    `summary: c1_p50_ratio=${(c1cold.p50 / c1.p50).toFixed(2)} c8_throughput_ratio=${(c8.perSecond / c8cold.perSecond).toFixed(2)} session_c1_p50_ratio=${(c1.p50 / session.p50).toFixed(2)} session_vs_cold_c1_p50_ratio=${(c1cold.p50 / session.p50).toFixed(2)}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
