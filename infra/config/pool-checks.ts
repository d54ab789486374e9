import type { ConfigProblem } from "./problems";
import type { EnvironmentSettings, Platform } from "./schema";

/*
 * Connections PostgreSQL keeps from applications: `superuser_reserved_connections` (3 by default,
 * https://www.postgresql.org/docs/17/runtime-config-connection.html) and, on RDS,
 * `rds.rds_superuser_reserved_connections` (2 by default, for the master user,
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections),
 * plus room kept here for what connects besides the agents: the bootstrap, postgres_exporter and a migration.
 */
export const RESERVED_CONNECTIONS = { postgres: 3, rds: 2, operators: 5 } as const;
const RESERVED = RESERVED_CONNECTIONS.postgres + RESERVED_CONNECTIONS.rds + RESERVED_CONNECTIONS.operators;

/** Share of max_connections RDS Proxy may open (its MaxConnectionsPercent; components/data-tier/aws-proxy.ts). */
export const PROXY_MAX_CONNECTIONS_PERCENT = 90;

/**
 * Every agent replica at its maximum opens its whole pool: `agents.maxReplicas` x
 * `agents.databasePoolSize` must fit what the database accepts. Through RDS Proxy the same bound
 * holds in the worst case, since a pinned session keeps one database connection per client
 * connection (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-proxy-pinning.html), and
 * the proxy opens at most PROXY_MAX_CONNECTIONS_PERCENT of max_connections.
 */
export function connectionPoolProblem(s: EnvironmentSettings, platform: Platform, ns: string): ConfigProblem | undefined {
  const wanted = s.agents.maxReplicas * s.agents.databasePoolSize;
  const direct = s.database.maxConnections - RESERVED;
  const proxied = s.database.proxy && platform !== "kubernetes" ? Math.floor((s.database.maxConnections * PROXY_MAX_CONNECTIONS_PERCENT) / 100) : Infinity;
  const limit = Math.min(direct, proxied);
  if (wanted <= limit) return undefined;
  const why =
    limit === proxied
      ? `RDS Proxy's ${PROXY_MAX_CONNECTIONS_PERCENT} % of database.maxConnections (${s.database.maxConnections}) = ${limit}`
      : `database.maxConnections (${s.database.maxConnections}) less ${RESERVED} reserved (superuser, RDS admin, bootstrap, exporter, migrations) = ${limit}`;
  return {
    key: `${ns}:agents.databasePoolSize`,
    got: s.agents.databasePoolSize,
    expected: `at most ${Math.floor(limit / s.agents.maxReplicas)}: agents.maxReplicas (${s.agents.maxReplicas}) x databasePoolSize (${s.agents.databasePoolSize}) = ${wanted} connections, more than ${why}`,
  };
}
