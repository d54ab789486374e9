/*
 * Entry point of the Kubernetes bootstrap Job: `node job.js <sql file>`, credentials from the
 * environment. Exits non-zero on failure so that the Job, and the `pulumi up` awaiting it, fail.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Client } from "pg";
import { jobEnvironment } from "./connection";
import { bootstrapDatabase } from "./run";

async function main(sqlPath: string | undefined): Promise<void> {
  if (sqlPath === undefined) throw new Error("usage: job.js <bootstrap.sql>");
  const sql = readFileSync(sqlPath, "utf8");
  const checksum = createHash("sha256").update(sql).digest("hex");
  const env = jobEnvironment(process.env);
  const client = new Client({ ...env.admin, ssl: env.tls ? { rejectUnauthorized: true } : false, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const result = await bootstrapDatabase(client, { sql, checksum, appUser: env.appUser, appPassword: env.appPassword });
    console.log(JSON.stringify({ msg: "bootstrap applied", ...result }));
  } finally {
    await client.end();
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
