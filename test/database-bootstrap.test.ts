import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite/vector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { jobEnvironment, lambdaEnvironment } from "../infra/database/bootstrap/connection";
import { bundleBootstrap } from "../infra/database/bundle";
import { renderBootstrapSql } from "../infra/database/sql";

/*
 * The bootstrap against a real PostgreSQL 17 with pgvector (PGlite: Postgres compiled to WASM,
 * served over the wire protocol by pglite-socket), through the bundles the stack ships.
 */

const run = promisify(execFile);
const DIMENSIONS = 8;
const APP_USER = "agentyard_app";
const NODE_PATH = path.join(__dirname, "..", "node_modules");

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A Secrets Manager endpoint on loopback: GetSecretValue over the service's JSON protocol. */
function secretsManagerEndpoint(secrets: Record<string, string>): Promise<{ server: Server; url: string; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      calls.push(`${String(req.headers["x-amz-target"])} ${SecretId}`);
      const value = secrets[SecretId];
      res.setHeader("content-type", "application/x-amz-json-1.1");
      if (value === undefined) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." }));
        return;
      }
      res.end(JSON.stringify({ ARN: SecretId, Name: SecretId, SecretString: value, VersionId: "v1" }));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls })));
}

describe("the bootstrap SQL and its shipped code, against PostgreSQL with pgvector", () => {
  let db: PGlite;
  let socket: PGLiteSocketServer;
  let port: number;
  let work: string;
  const { sql, checksum } = renderBootstrapSql(DIMENSIONS);

  before(async () => {
    // The contrib module is published as ESM only.
    const { uuid_ossp } = await import("@electric-sql/pglite/contrib/uuid_ossp");
    db = await PGlite.create({ extensions: { vector, uuid_ossp } });
    port = await freePort();
    socket = new PGLiteSocketServer({ db, port, host: "127.0.0.1" });
    await socket.start();
    work = mkdtempSync(path.join(tmpdir(), "agentyard-bootstrap-"));
    writeFileSync(path.join(work, "job.js"), bundleBootstrap("job"));
    writeFileSync(path.join(work, "lambda.js"), bundleBootstrap("lambda"));
    writeFileSync(path.join(work, "bootstrap.sql"), sql);
  });

  after(async () => {
    await socket.stop();
    await db.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("is idempotent: applied twice, it leaves one schema and raises no error", async () => {
    await db.exec(sql);
    await db.exec(sql);
    const tables = await db.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'agentyard' ORDER BY 1");
    assert.deepEqual(tables.rows.map((r) => r.table_name), ["agent_memories", "bootstrap_history", "documents"]);
    const extensions = await db.query<{ extname: string }>("SELECT extname FROM pg_extension ORDER BY 1");
    assert.deepEqual(extensions.rows.map((r) => r.extname).filter((e) => e !== "plpgsql"), ["uuid-ossp", "vector"]);
    const indexes = await db.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = 'agentyard' AND indexdef LIKE '%USING hnsw%' ORDER BY 1");
    assert.deepEqual(indexes.rows.map((r) => r.indexname), ["agent_memories_embedding_hnsw_idx", "documents_embedding_hnsw_idx"]);
  });

  it("answers a nearest-neighbour query from the HNSW index", async () => {
    // Deterministic vectors: enough rows that the planner prefers the index to a scan.
    await db.exec(`INSERT INTO agentyard.documents (source, chunk_index, content, embedding)
      SELECT 'doc-' || (i / 10), i % 10, 'chunk ' || i, ARRAY(SELECT sin(i * d) FROM generate_series(1, ${DIMENSIONS}) AS d)::vector
      FROM generate_series(1, 3000) AS i`);
    await db.exec("ANALYZE agentyard.documents");
    const query = `SELECT content FROM agentyard.documents ORDER BY embedding <=> '[${Array(DIMENSIONS).fill(0.5).join(",")}]' LIMIT 5`;
    const plan = await db.query<{ "QUERY PLAN": string }>(`EXPLAIN ${query}`);
    const text = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
    assert.match(text, /Index Scan using documents_embedding_hnsw_idx/, text);
    assert.equal((await db.query(query)).rows.length, 5);
  });

  it("runs the Job's bundle twice: the second run applies nothing new and counts the checksum again", async () => {
    const env = { ...process.env, NODE_PATH, PGHOST: "127.0.0.1", PGPORT: String(port), PGDATABASE: "postgres", PGUSER: "postgres", PGPASSWORD: "unused-by-pglite", APP_USER, APP_PASSWORD: "app-password-0123456789" };
    for (const expected of [1, 2]) {
      const { stdout } = await run("node", [path.join(work, "job.js"), path.join(work, "bootstrap.sql")], { env });
      const result = JSON.parse(stdout.trim()) as { checksum: string; appliedCount: number; appRole: string; extensions: Record<string, string> };
      assert.equal(result.checksum, checksum);
      assert.equal(result.appliedCount, expected);
      assert.equal(result.appRole, expected === 1 ? "created" : "updated");
      assert.ok(result.extensions.vector);
    }
  });

  it("gives the app role reads and writes on the tables and nothing else", async () => {
    await db.exec(`SET ROLE ${APP_USER}`);
    try {
      await db.query("INSERT INTO agentyard.agent_memories (agent_id, content) VALUES ('a1', 'remember this')");
      assert.equal((await db.query("SELECT 1 FROM agentyard.agent_memories WHERE agent_id = 'a1'")).rows.length, 1);
      await assert.rejects(db.exec("CREATE TABLE agentyard.intruder (id int)"), /permission denied/);
      await assert.rejects(db.exec("DROP TABLE agentyard.documents"), /must be owner/);
    } finally {
      await db.exec("RESET ROLE");
    }
  });

  it("runs the Lambda's bundle with its secrets from a Secrets Manager endpoint, and fails the invocation on bad SQL", async () => {
    const master = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-master";
    const app = "arn:aws:secretsmanager:us-east-1:123456789012:secret:agentyard-test-db-app";
    const endpoint = await secretsManagerEndpoint({
      [master]: JSON.stringify({ username: "postgres", password: "unused-by-pglite" }),
      [app]: JSON.stringify({ username: APP_USER, password: "another-app-password-0123" }),
    });
    const env = {
      ...process.env,
      NODE_PATH,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "AKIDLOCALTEST",
      AWS_SECRET_ACCESS_KEY: "local-test-secret",
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint.url,
      DB_HOST: "127.0.0.1",
      DB_PORT: String(port),
      DB_NAME: "postgres",
      DB_SSLMODE: "disable",
      MASTER_SECRET_ARN: master,
      APP_SECRET_ARN: app,
    };
    const invoke = (event: object) =>
      run("node", ["-e", `require(${JSON.stringify(path.join(work, "lambda.js"))}).handler(${JSON.stringify(event)}).then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e.message); process.exit(1); })`], { env });
    try {
      const { stdout } = await invoke({ sql, checksum });
      const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { appliedCount: number };
      assert.equal(result.appliedCount, 3);
      assert.deepEqual(endpoint.calls, [`secretsmanager.GetSecretValue ${master}`, `secretsmanager.GetSecretValue ${app}`]);
      await assert.rejects(invoke({ sql: "CREATE TABLE agentyard.documents (id int)", checksum: "bad" }), /already exists/);
      const history = await db.query<{ checksum: string }>("SELECT checksum FROM agentyard.bootstrap_history");
      assert.deepEqual(history.rows.map((r) => r.checksum), [checksum], "a failed run is rolled back");
    } finally {
      endpoint.server.close();
    }
  });
});

describe("where the bootstrap reads its credentials", () => {
  it("takes the Job's from libpq's variables and refuses a missing one by name", () => {
    const env = { PGHOST: "postgres.data.svc", PGDATABASE: "agentyard", PGUSER: "postgres", PGPASSWORD: "p", APP_USER, APP_PASSWORD: "q" };
    assert.equal(jobEnvironment(env).admin.port, 5432);
    assert.throws(() => jobEnvironment({ ...env, PGPASSWORD: undefined }), /PGPASSWORD is not set/);
  });

  it("takes the Lambda's from the two secrets, with verified TLS unless told otherwise", async () => {
    const secrets: Record<string, string> = { m: '{"username":"agentyard_admin","password":"pw"}', a: '{"username":"agentyard_app","password":"pw2"}' };
    const env = { MASTER_SECRET_ARN: "m", APP_SECRET_ARN: "a", DB_HOST: "h", DB_PORT: "5432", DB_NAME: "agentyard" };
    const got = await lambdaEnvironment(env, async (arn) => secrets[arn] ?? "");
    assert.equal(got.admin.user, "agentyard_admin");
    assert.equal(got.appUser, "agentyard_app");
    assert.equal(got.tls, true);
    await assert.rejects(lambdaEnvironment(env, async () => "not json"), /the master secret is not JSON/);
  });
});
