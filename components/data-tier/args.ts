import type * as pulumi from "@pulumi/pulumi";
import type * as ec2 from "@pulumi/aws/ec2";
import type * as elasticache from "@pulumi/aws/elasticache";
import type * as kms from "@pulumi/aws/kms";
import type * as lambda from "@pulumi/aws/lambda";
import type * as rds from "@pulumi/aws/rds";
import type * as k8s from "@pulumi/kubernetes";
import { crossCheck } from "../../infra/config/checks";
import { ConfigError, type ConfigProblem } from "../../infra/config/problems";
import { type CacheSettings, type DatabaseSettings, type Platform, type PresetName, cacheSection, databaseSection } from "../../infra/config/schema";
import { argProblems } from "../../infra/config/zod-problems";
import { MAX_INDEXED_DIMENSIONS } from "../../infra/database/sql";
import type { Transform } from "../../infra/transform";
import { PRESETS } from "../../infra/config/presets";

export interface DataTierArgs {
  /**
   * Where it renders: RDS and ElastiCache on `eks` and `ecs`, StatefulSets on `kubernetes`.
   * @example
   * ```ts
   * { platform: "ecs" }
   * ```
   */
  platform: Platform;
  /**
   * The environment preset that fills every setting not given here.
   * @default "prod"
   * @example
   * ```ts
   * { preset: "dev" }
   * ```
   */
  preset?: PresetName;
  /**
   * The VPC (required on `eks` and `ecs`).
   * @example
   * ```ts
   * { vpcId: network.vpcId }
   * ```
   */
  vpcId?: pulumi.Input<string>;
  /**
   * Subnets with no route to the internet, in at least two AZs, for the database and the cache
   * (required on `eks` and `ecs`).
   * @example
   * ```ts
   * { isolatedSubnetIds: network.isolatedSubnetIds }
   * ```
   */
  isolatedSubnetIds?: pulumi.Input<string>[];
  /**
   * Private subnets (with a route to Secrets Manager) for the schema bootstrap function (required on `eks` and `ecs`).
   * @example
   * ```ts
   * { privateSubnetIds: network.privateSubnetIds }
   * ```
   */
  privateSubnetIds?: pulumi.Input<string>[];
  /**
   * Security groups admitted on 5432 and 6379. More can be added later with `allowFrom`.
   * @default [] (nothing but the bootstrap function reaches the database)
   * @example
   * ```ts
   * { workloadSecurityGroupIds: [agents.securityGroupId] }
   * ```
   */
  workloadSecurityGroupIds?: pulumi.Input<string>[];
  /**
   * PostgreSQL settings over the preset's.
   * @default the preset's `database` section
   * @example
   * ```ts
   * { database: { instanceClass: "db.r6g.xlarge", readReplicas: 1 } }
   * ```
   */
  database?: Partial<DatabaseSettings>;
  /**
   * Redis (or Valkey) settings over the preset's.
   * @default the preset's `cache` section
   * @example
   * ```ts
   * { cache: { engine: "valkey", engineVersion: "8.0" } }
   * ```
   */
  cache?: Partial<CacheSettings>;
  /**
   * The database the agents use.
   * @default "agentyard"
   * @example
   * ```ts
   * { databaseName: "agents" }
   * ```
   */
  databaseName?: string;
  /**
   * The role services connect as: it owns no schema and can only read and write the tables.
   * @default "agentyard_app"
   * @example
   * ```ts
   * { appUser: "agents" }
   * ```
   */
  appUser?: string;
  /**
   * Size of the embedding vectors in the memory and document tables (1536 fits OpenAI's
   * text-embedding-3-small). Changing it later does not alter existing tables.
   * @default 1536
   * @example
   * ```ts
   * { embeddingDimensions: 1024 }
   * ```
   */
  embeddingDimensions?: number;
  /**
   * Deletion protection and a final snapshot on the database; the secrets get a recovery window.
   * @default the preset's (prod: true)
   * @example
   * ```ts
   * { deletionProtection: true }
   * ```
   */
  deletionProtection?: boolean;
  /**
   * Days the database, cache and bootstrap logs are kept.
   * @default the preset's `logs.retentionDays`
   * @example
   * ```ts
   * { logRetentionDays: 90 }
   * ```
   */
  logRetentionDays?: number;
  /**
   * Namespace for the in-cluster stores (platform `kubernetes`); created when not given.
   * @default "<project>-<stack>-data", created
   * @example
   * ```ts
   * { namespace: "data" }
   * ```
   */
  namespace?: pulumi.Input<string>;
  /**
   * Storage class of the volumes (platform `kubernetes`).
   * @default the cluster's default class
   * @example
   * ```ts
   * { storageClassName: "gp3" }
   * ```
   */
  storageClassName?: string;
  /**
   * Images of the in-cluster stores and the bootstrap Job (platform `kubernetes`).
   * @default postgres "pgvector/pgvector:0.8.1-pg17", redis "redis:7.4-alpine" or "valkey/valkey:8.1-alpine", node "node:24-alpine" (Node.js 22 or later)
   * @example
   * ```ts
   * { images: { postgres: "registry.example.com/pgvector:0.8.1-pg17" } }
   * ```
   */
  images?: { postgres?: string; redis?: string; node?: string };
  /**
   * Edits any child resource's args before it is created.
   * @example
   * ```ts
   * { transform: { database: { storageThroughput: 500 } } }
   * ```
   */
  transform?: {
    key?: Transform<kms.KeyArgs>;
    database?: Transform<rds.InstanceArgs>;
    readReplica?: Transform<rds.InstanceArgs>;
    parameterGroup?: Transform<rds.ParameterGroupArgs>;
    cache?: Transform<elasticache.ReplicationGroupArgs>;
    cacheParameterGroup?: Transform<elasticache.ParameterGroupArgs>;
    securityGroup?: Transform<ec2.SecurityGroupArgs>;
    bootstrapFunction?: Transform<lambda.FunctionArgs>;
    postgresStatefulSet?: Transform<k8s.apps.v1.StatefulSetArgs>;
    redisStatefulSet?: Transform<k8s.apps.v1.StatefulSetArgs>;
    bootstrapJob?: Transform<k8s.batch.v1.JobArgs>;
  };
}

export interface NormalizedDataTierArgs {
  readonly platform: Platform;
  readonly database: DatabaseSettings;
  readonly cache: CacheSettings;
  readonly databaseName: string;
  readonly appUser: string;
  readonly embeddingDimensions: number;
  readonly deletionProtection: boolean;
  readonly logRetentionDays: number;
}

const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;
/** Names PostgreSQL or RDS keep for themselves. */
const RESERVED_USERS = new Set(["postgres", "rdsadmin", "rds_superuser", "agentyard_admin", "public"]);

/** Fills args from the preset and refuses bad values and combinations before anything is created. */
export function normalizeDataTierArgs(name: string, args: DataTierArgs): NormalizedDataTierArgs {
  const subject = `DataTier "${name}"`;
  const preset = PRESETS[args.preset ?? "prod"];
  const database = { ...preset.database, ...args.database };
  const cache = { ...preset.cache, ...args.cache };
  const problems: ConfigProblem[] = [];
  const parsedDb = databaseSection.safeParse(database);
  if (!parsedDb.success) problems.push(...argProblems(parsedDb.error, database, "database"));
  const parsedCache = cacheSection.safeParse(cache);
  if (!parsedCache.success) problems.push(...argProblems(parsedCache.error, cache, "cache"));
  {
    // Each section's cross-key checks run even when the other section has problems.
    const merged = { ...preset, database: parsedDb.success ? parsedDb.data : preset.database, cache: parsedCache.success ? parsedCache.data : preset.cache };
    problems.push(...crossCheck(merged, args.platform, "").filter((p) => /^:(database|cache)\./.test(p.key)).map((p) => ({ ...p, key: p.key.slice(1) })));
  }
  const databaseName = args.databaseName ?? "agentyard";
  if (!IDENTIFIER.test(databaseName)) problems.push({ key: "databaseName", got: databaseName, expected: "a lower-case identifier of at most 63 characters" });
  const appUser = args.appUser ?? "agentyard_app";
  if (!IDENTIFIER.test(appUser) || RESERVED_USERS.has(appUser)) {
    problems.push({ key: "appUser", got: appUser, expected: `a lower-case identifier other than ${[...RESERVED_USERS].join(", ")}` });
  }
  const embeddingDimensions = args.embeddingDimensions ?? 1536;
  if (!Number.isInteger(embeddingDimensions) || embeddingDimensions < 1 || embeddingDimensions > MAX_INDEXED_DIMENSIONS) {
    problems.push({ key: "embeddingDimensions", got: embeddingDimensions, expected: `an integer from 1 to ${MAX_INDEXED_DIMENSIONS} (pgvector's limit for an HNSW index)` });
  }
  const logRetentionDays = args.logRetentionDays ?? preset.logs.retentionDays;
  if (problems.length > 0) throw new ConfigError(subject, problems);
  if (!parsedDb.success || !parsedCache.success) throw new Error("unreachable: parse failures are reported above");

  if (args.platform !== "kubernetes") {
    if (args.vpcId === undefined || (args.isolatedSubnetIds?.length ?? 0) < 2 || (args.privateSubnetIds?.length ?? 0) < 1) {
      throw new Error(`${subject}: on ${args.platform} it needs vpcId, isolatedSubnetIds in at least two AZs (an RDS subnet group requires them) and privateSubnetIds`);
    }
  }
  return {
    platform: args.platform,
    database: parsedDb.data,
    cache: parsedCache.data,
    databaseName,
    appUser,
    embeddingDimensions,
    deletionProtection: args.deletionProtection ?? preset.deletionProtection,
    logRetentionDays,
  };
}
