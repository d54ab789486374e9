import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite/vector";
import { pgDump } from "@electric-sql/pglite-tools/pg_dump";
import { renderBootstrapSql } from "../infra/database/sql";

/*
 * A backup is only a backup once it has been restored. Here the bootstrapped schema, with rows and
 * vectors in both tables, is dumped by pg_dump 17 (PGlite's WASM build of it, `@electric-sql/pglite-tools`)
 * and restored into a fresh PostgreSQL 17 with pgvector; then the rows, the vectors, the
 * nearest-neighbour answers and the HNSW index's query plan are compared with the original's.
 */

const DIMENSIONS = 16;
const ROWS = 2000;
const probe = `'[${Array.from({ length: DIMENSIONS }, (_, d) => Math.cos(d + 1).toFixed(4)).join(",")}]'`;
/**
 * A value in [-0.5, 0.5) that looks random but is the same on every run: the fractional part of a
 * large multiple of a sine (a common shader hash). Vectors like `sin(i * d)` repeat every ~710 rows
 * (710 is close to 113 × 2π), and an HNSW graph over thousands of near-duplicates loses its way:
 * embeddings are not like that.
 */
function spread(row: string, dimension: string, salt: number): string {
  const x = `sin(${row} * 12.9898 + ${dimension} * 78.233 + ${salt}) * 43758.5453`;
  return `(${x} - floor(${x}) - 0.5)`;
}
const NEAREST = `SELECT source, chunk_index FROM agentyard.documents ORDER BY embedding <=> ${probe} LIMIT 10`;
const MEMORY_NEAREST = `SELECT content FROM agentyard.agent_memories WHERE embedding IS NOT NULL ORDER BY embedding <=> ${probe} LIMIT 10`;

async function freshDatabase(): Promise<PGlite> {
  // The contrib module is published as ESM only.
  const { uuid_ossp } = await import("@electric-sql/pglite/contrib/uuid_ossp");
  return PGlite.create({ extensions: { vector, uuid_ossp } });
}

/** A digest of a table's rows in a fixed order: equal digests, equal contents (vectors included). */
async function tableDigest(db: PGlite, table: string, order: string): Promise<string> {
  const r = await db.query<{ digest: string; n: number }>(`SELECT md5(string_agg(t::text, '|' ORDER BY ${order})) AS digest, count(*)::int AS n FROM agentyard.${table} t`);
  return `${r.rows[0].n}:${r.rows[0].digest}`;
}

/** The same nearest-neighbour query, answering the distances of the rows it finds. */
function distanceQuery(query: string): string {
  return query.replace(/^SELECT .*? FROM/, `SELECT embedding <=> ${probe} AS distance FROM`);
}

/** The exact answer: the query with index scans off (a sequential scan and a sort). */
async function exactAnswer(db: PGlite, query: string): Promise<unknown[]> {
  await db.exec("SET enable_indexscan = off");
  try {
    return (await db.query(query)).rows;
  } finally {
    await db.exec("RESET enable_indexscan");
  }
}

async function planOf(db: PGlite, query: string): Promise<string> {
  const plan = await db.query<{ "QUERY PLAN": string }>(`EXPLAIN ${query}`);
  return plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
}

describe("a dump of the bootstrapped database, restored into a fresh PostgreSQL with pgvector", () => {
  let source: PGlite;
  let restored: PGlite;
  let dump: string;
  const { sql, checksum } = renderBootstrapSql(DIMENSIONS);

  before(async () => {
    source = await freshDatabase();
    await source.exec(sql);
    await source.exec(`INSERT INTO agentyard.bootstrap_history (checksum) VALUES ('${checksum}') ON CONFLICT DO NOTHING`);
    await source.exec(`INSERT INTO agentyard.documents (source, chunk_index, content, embedding, metadata)
      SELECT 'doc-' || (i / 10), i % 10, 'chunk ' || i || E' with a quote '' and a newline\n', ARRAY(SELECT ${spread("i", "d", 1)} FROM generate_series(1, ${DIMENSIONS}) AS d)::vector,
             jsonb_build_object('page', i, 'tags', jsonb_build_array('a', 'b'))
      FROM generate_series(1, ${ROWS}) AS i`);
    await source.exec(`INSERT INTO agentyard.agent_memories (agent_id, session_id, role, content, embedding)
      SELECT 'agent-' || (i % 3), 's-' || (i % 7), 'fact', 'memory ' || i,
             CASE WHEN i % 5 = 0 THEN NULL ELSE ARRAY(SELECT ${spread("i", "d", 2)} FROM generate_series(1, ${DIMENSIONS}) AS d)::vector END
      FROM generate_series(1, ${ROWS}) AS i`);
    await source.exec("ANALYZE");
    const file = await pgDump({ pg: source, args: ["--no-owner", "--no-privileges"] });
    dump = await file.text();
    restored = await freshDatabase();
    await restored.exec(dump);
    await restored.exec("SET search_path TO public; ANALYZE");
  });

  after(async () => {
    await source?.close();
    await restored?.close();
  });

  it("is a plain SQL dump that recreates the extensions, the schema and the HNSW indexes", () => {
    assert.match(dump, /CREATE EXTENSION IF NOT EXISTS vector/);
    assert.match(dump, /CREATE SCHEMA agentyard/);
    assert.match(dump, /CREATE INDEX documents_embedding_hnsw_idx ON agentyard\.documents USING hnsw \(embedding public\.vector_cosine_ops\) WITH \(m='16', ef_construction='64'\)/);
    assert.match(dump, /CREATE INDEX agent_memories_embedding_hnsw_idx/);
  });

  it("brings back every row of every table, vectors, JSON and text byte for byte", async () => {
    for (const [table, order] of [
      ["documents", "id"],
      ["agent_memories", "id"],
      ["bootstrap_history", "checksum"],
    ] as const) {
      const [before, after] = [await tableDigest(source, table, order), await tableDigest(restored, table, order)];
      assert.equal(after, before, `${table} differs after the restore`);
    }
    assert.equal((await restored.query<{ n: number }>("SELECT count(*)::int AS n FROM agentyard.documents")).rows[0].n, ROWS);
  });

  it("answers nearest-neighbour queries from the HNSW index as near as the original's exact neighbours", async () => {
    // HNSW is approximate and builds its graph anew on restore (random levels, another insert
    // order), and these vectors come in near-ties, so the rows found may differ from the exact
    // ones by a neighbour at (almost) the same distance. What must hold: the restored index finds
    // neighbours as near as the exact ones (a sequential scan of the original) with a search list
    // wide enough (hnsw.ef_search) for the recall pgvector documents.
    // A wider list costs the index more in the planner's eyes: keep it on the index.
    await restored.exec("SET hnsw.ef_search = 200; SET enable_seqscan = off");
    for (const query of [NEAREST, MEMORY_NEAREST]) {
      const plan = await planOf(restored, query);
      assert.match(plan, /Index Scan using (documents|agent_memories)_embedding_hnsw_idx/, plan);
      const distances = distanceQuery(query);
      const exact = (await exactAnswer(source, distances)).map((row) => (row as { distance: number }).distance);
      const found = (await restored.query<{ distance: number }>(distances)).rows.map((row) => row.distance);
      const kth = exact[exact.length - 1];
      const asNear = found.filter((distance) => distance <= kth * (1 + 1e-6) + 1e-9).length;
      assert.equal(exact.length, 10);
      assert.ok(asNear >= 9, `${asNear} of 10 found as near as the exact 10th neighbour: ${JSON.stringify({ exact, found })}`);
    }
    await restored.exec("RESET hnsw.ef_search; RESET enable_seqscan");
  });

  it("keeps the constraints: a duplicate chunk is refused as it was before the restore", async () => {
    await assert.rejects(
      restored.exec(`INSERT INTO agentyard.documents (source, chunk_index, content, embedding) SELECT source, chunk_index, 'dup', embedding FROM agentyard.documents LIMIT 1`),
      /duplicate key value violates unique constraint/,
    );
  });

  it("takes the bootstrap again afterwards (the runbook's last step), which changes no row", async () => {
    const before = await tableDigest(restored, "documents", "id");
    await restored.exec(sql);
    assert.equal(await tableDigest(restored, "documents", "id"), before);
    const history = await restored.query<{ checksum: string }>("SELECT checksum FROM agentyard.bootstrap_history");
    assert.deepEqual(history.rows.map((r) => r.checksum), [checksum]);
  });
});
