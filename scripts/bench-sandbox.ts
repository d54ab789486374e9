/*
 * npm run bench:sandbox: latency and throughput of trivial executions through the HTTP API, with
 * the warm pool and without it, at concurrency 1 and 8, in one run. The interpreter is the one the
 * image ships (/usr/bin/python3), or SANDBOX_PYTHON.
 */
import { startSandbox } from "../test/sandbox-harness";

const PYTHON = process.env.SANDBOX_PYTHON ?? "/usr/bin/python3";
const REQUESTS: Record<number, number> = { 1: 150, 8: 400 };

interface Row {
  pool: string;
  concurrency: number;
  p50: number;
  p99: number;
  perSecond: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measure(warmPool: number, concurrency: number, uid: number): Promise<Row> {
  const s = await startSandbox(uid, { SANDBOX_PYTHON: PYTHON, MAX_SANDBOXES: "8", SANDBOX_QUEUE_LIMIT: "1000", SANDBOX_WARM_POOL: String(warmPool) });
  try {
    await new Promise((r) => setTimeout(r, 300)); // let the pool fill, as in a service that has been up
    for (let i = 0; i < 10; i++) await s.execute({ code: "pass" });
    const total = REQUESTS[concurrency];
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          next++;
          const t = performance.now();
          const r = await s.execute({ code: "print(1)" });
          if (r.stdout !== "1\n") throw new Error(`wrong answer: ${JSON.stringify(r)}`);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return { pool: warmPool ? `warm (${warmPool})` : "none", concurrency, p50: percentile(latencies, 50), p99: percentile(latencies, 99), perSecond: total / seconds };
  } finally {
    await s.close();
  }
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  let uid = 61020;
  for (const concurrency of [1, 8]) for (const pool of [8, 0]) rows.push(await measure(pool, concurrency, uid++));
  console.log(`sandbox runtime: trivial executions over HTTP, interpreter ${PYTHON} -I, ${process.version}`);
  console.log("| pool | concurrency | p50 ms | p99 ms | executions/s |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const r of rows) console.log(`| ${r.pool} | ${r.concurrency} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.perSecond.toFixed(0)} |`);
  for (const concurrency of [1, 8]) {
    const [warm, cold] = rows.filter((r) => r.concurrency === concurrency);
    console.log(`concurrency ${concurrency}: the warm pool cuts p50 by ${(cold.p50 / warm.p50).toFixed(1)}x and raises throughput ${(warm.perSecond / cold.perSecond).toFixed(1)}x`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
