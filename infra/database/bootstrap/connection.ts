/*
 * Where the bootstrap gets its credentials: pure functions over the environment and the secrets'
 * JSON, so that what the Lambda and the Job read is tested without AWS.
 */

export interface Credentials {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

export interface BootstrapEnvironment {
  /** Master (admin) connection. */
  readonly admin: Credentials;
  readonly appUser: string;
  readonly appPassword: string;
  /** `require`: TLS with the server's certificate verified against the trust store. */
  readonly tls: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, key: string): string {
  const value = env[key];
  if (value === undefined || value === "") throw new Error(`bootstrap: environment variable ${key} is not set`);
  return value;
}

/** RDS's managed master secret and our app secret both hold JSON with `username` and `password`. */
export function parseSecret(json: string, what: string): { username: string; password: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`bootstrap: ${what} is not JSON`);
  }
  const { username, password } = (parsed ?? {}) as Record<string, unknown>;
  if (typeof username !== "string" || typeof password !== "string") throw new Error(`bootstrap: ${what} has no username and password`);
  return { username, password };
}

/**
 * The Lambda's view: DB_HOST, DB_PORT, DB_NAME in the environment; the master and app secrets
 * fetched by ARN (MASTER_SECRET_ARN, APP_SECRET_ARN) through `fetchSecret`.
 */
export async function lambdaEnvironment(env: Env, fetchSecret: (arn: string) => Promise<string>): Promise<BootstrapEnvironment> {
  const master = parseSecret(await fetchSecret(required(env, "MASTER_SECRET_ARN")), "the master secret");
  const app = parseSecret(await fetchSecret(required(env, "APP_SECRET_ARN")), "the app secret");
  return {
    admin: { host: required(env, "DB_HOST"), port: Number(required(env, "DB_PORT")), database: required(env, "DB_NAME"), user: master.username, password: master.password },
    appUser: app.username,
    appPassword: app.password,
    // Verified TLS unless DB_SSLMODE=disable says otherwise (a database on a laptop or in a test).
    tls: env.DB_SSLMODE !== "disable",
  };
}

/** The Job's view: libpq's own variables (PGHOST...) plus APP_USER and APP_PASSWORD, all from Secrets. */
export function jobEnvironment(env: Env): BootstrapEnvironment {
  return {
    admin: {
      host: required(env, "PGHOST"),
      port: Number(env.PGPORT ?? "5432"),
      database: required(env, "PGDATABASE"),
      user: required(env, "PGUSER"),
      password: required(env, "PGPASSWORD"),
    },
    appUser: required(env, "APP_USER"),
    appPassword: required(env, "APP_PASSWORD"),
    tls: env.PGSSLMODE === "require" || env.PGSSLMODE === "verify-full",
  };
}
