import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PACKAGE_ROOT } from "../package-root";

/** The bootstrap SQL shipped with the stack (`infra/assets/sql/bootstrap.sql`). */
export const BOOTSTRAP_SQL_PATH = path.join(PACKAGE_ROOT, "infra", "assets", "sql", "bootstrap.sql");

/** pgvector indexes (HNSW, IVFFlat) take vectors of at most 2,000 dimensions. */
export const MAX_INDEXED_DIMENSIONS = 2000;

export interface RenderedSql {
  readonly sql: string;
  /** sha256 of the rendered SQL: the bootstrap re-runs when, and only when, this changes. */
  readonly checksum: string;
}

let template: string | undefined;

/** The bootstrap SQL for a given embedding size. */
export function renderBootstrapSql(embeddingDimensions: number): RenderedSql {
  if (!Number.isInteger(embeddingDimensions) || embeddingDimensions < 1 || embeddingDimensions > MAX_INDEXED_DIMENSIONS) {
    throw new Error(`embeddingDimensions: got ${embeddingDimensions}, expected an integer from 1 to ${MAX_INDEXED_DIMENSIONS} (pgvector's limit for an indexed vector)`);
  }
  template ??= readFileSync(BOOTSTRAP_SQL_PATH, "utf8");
  const sql = template.replaceAll("__EMBEDDING_DIMENSIONS__", String(embeddingDimensions));
  return { sql, checksum: createHash("sha256").update(sql).digest("hex") };
}
