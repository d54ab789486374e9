/*
 * The bootstrap itself, shared by the in-VPC Lambda (eks, ecs) and the Kubernetes Job: apply the
 * schema SQL, then make sure the application role exists with the password from its secret and
 * has exactly the rights it needs. No import of any driver here: the caller brings a connection.
 */

/** The one method of a PostgreSQL client this needs (`pg.Client` has it). */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

export interface BootstrapRequest {
  /** The rendered bootstrap SQL. */
  readonly sql: string;
  readonly checksum: string;
  /** The role the services connect as (not the master user). */
  readonly appUser: string;
  readonly appPassword: string;
}

export interface BootstrapResult {
  readonly checksum: string;
  /** How many times this checksum has been applied, this run included. */
  readonly appliedCount: number;
  readonly extensions: Record<string, string>;
  readonly appRole: "created" | "updated";
}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const SCHEMA = "agentyard";

export async function bootstrapDatabase(db: Queryable, request: BootstrapRequest): Promise<BootstrapResult> {
  if (!ROLE_NAME.test(request.appUser)) throw new Error(`appUser: got "${request.appUser}", expected a lower-case PostgreSQL identifier`);
  if (request.appPassword.length < 16) throw new Error("appPassword: expected at least 16 characters");

  // One transaction: a failure half-way leaves the database as it was, and the next `pulumi up` retries.
  await db.query("BEGIN");
  try {
    await db.query(request.sql);
    const appRole = await ensureAppRole(db, request.appUser, request.appPassword);
    const { rows } = await db.query(
      `INSERT INTO ${SCHEMA}.bootstrap_history (checksum) VALUES ($1)
       ON CONFLICT (checksum) DO UPDATE SET applied_count = ${SCHEMA}.bootstrap_history.applied_count + 1, last_applied_at = now()
       RETURNING applied_count`,
      [request.checksum],
    );
    const extensions = await db.query("SELECT extname, extversion FROM pg_extension ORDER BY extname");
    await db.query("COMMIT");
    return {
      checksum: request.checksum,
      appliedCount: Number(rows[0]?.applied_count),
      extensions: Object.fromEntries(extensions.rows.map((r) => [String(r.extname), String(r.extversion)])),
      appRole,
    };
  } catch (error) {
    await db.query("ROLLBACK");
    throw error;
  }
}

/** Statements are built by PostgreSQL's own format() (%I, %L) so that no value is ever spliced in by hand. */
async function run(db: Queryable, template: string, ...values: string[]): Promise<void> {
  const placeholders = values.map((_, i) => `$${i + 2}::text`).join(", ");
  const { rows } = await db.query(`SELECT format($1::text, ${placeholders}) AS statement`, [template, ...values]);
  await db.query(String(rows[0]?.statement));
}

async function ensureAppRole(db: Queryable, user: string, password: string): Promise<"created" | "updated"> {
  const existing = await db.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [user]);
  const created = existing.rows.length === 0;
  await run(db, created ? "CREATE ROLE %I LOGIN PASSWORD %L" : "ALTER ROLE %I LOGIN PASSWORD %L", user, password);
  await run(db, "GRANT CONNECT ON DATABASE %I TO %I", await currentDatabase(db), user);
  await run(db, `GRANT USAGE ON SCHEMA ${SCHEMA} TO %I`, user);
  await run(db, `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${SCHEMA} TO %I`, user);
  await run(db, `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${SCHEMA} TO %I`, user);
  await run(db, `ALTER DEFAULT PRIVILEGES IN SCHEMA ${SCHEMA} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I`, user);
  await run(db, `ALTER ROLE %I SET search_path = ${SCHEMA}, public`, user);
  return created ? "created" : "updated";
}

async function currentDatabase(db: Queryable): Promise<string> {
  const { rows } = await db.query("SELECT current_database() AS name");
  return String(rows[0]?.name);
}
