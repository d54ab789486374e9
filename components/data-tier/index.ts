import * as pulumi from "@pulumi/pulumi";
import type * as ec2 from "@pulumi/aws/ec2";
import * as kms from "@pulumi/aws/kms";
import type { Platform } from "../../infra/config/schema";
import { physicalName, standardTags } from "../../infra/naming";
import { applyTransform } from "../../infra/transform";
import { type DataTierArgs, type NormalizedDataTierArgs, normalizeDataTierArgs } from "./args";
import { createAwsBackup } from "./aws-backup";
import { createAwsBootstrap } from "./aws-bootstrap";
import { REDIS_PORT, createAwsCache } from "./aws-cache";
import { POSTGRES_PORT, createAwsDatabase } from "./aws-database";
import { COMPONENT, admit, storeSecurityGroup } from "./aws-security";
import { createAwsProxy } from "./aws-proxy";
import type { ConnectionSettings } from "./connection";
import { createKubernetesDataTier } from "./kubernetes";

export type { DataTierArgs } from "./args";
export type { ConnectionSettings, SecretReference } from "./connection";
export { ecsValueFrom } from "./connection";

/**
 * The agents' vector store, memory store and cache. On `eks` and `ecs`: RDS PostgreSQL with
 * pgvector and ElastiCache Redis (or Valkey) in isolated subnets, encrypted with a customer key,
 * credentials in Secrets Manager, and the schema bootstrapped during `pulumi up` by a function in
 * the VPC. On `kubernetes`: the same as StatefulSets. Services read `connection`.
 */
export class DataTier extends pulumi.ComponentResource {
  readonly platform: Platform;
  readonly databaseHost: pulumi.Output<string>;
  readonly databasePort: number;
  readonly databaseName: string;
  /** Read replica hosts (RDS only). */
  readonly readerHosts: pulumi.Output<string>[];
  readonly cacheHost: pulumi.Output<string>;
  readonly cachePort: number;
  /** What a service needs, as env: plain values and secret references (never the values). */
  readonly connection: ConnectionSettings;
  /** Secrets services may read (their roles need `secretsmanager:GetSecretValue` on them), AWS only. */
  readonly secretArns: pulumi.Output<string>[];
  /** RDS's managed master secret; only the bootstrap should read it. */
  readonly masterSecretArn: pulumi.Output<string> | undefined;
  /** The key the stores and secrets are encrypted with; readers of the secrets need `kms:Decrypt` on it. */
  readonly kmsKeyArn: pulumi.Output<string> | undefined;
  readonly databaseSecurityGroupId: pulumi.Output<string> | undefined;
  readonly cacheSecurityGroupId: pulumi.Output<string> | undefined;
  /** sha256 of the bootstrap SQL last applied. */
  readonly bootstrapChecksum: string;
  /** The RDS instance identifier (`eks`, `ecs`), for CloudWatch alarms. */
  readonly databaseIdentifier: pulumi.Output<string> | undefined;
  /** The ElastiCache replication group id (`eks`, `ecs`); its nodes are `<id>-001`, `<id>-002`... */
  readonly cacheReplicationGroupId: pulumi.Output<string> | undefined;
  /** Allocated database storage in GB, the base of the free-storage alarm. */
  readonly allocatedStorageGb: number;
  /** Settings the stores were made with. */
  readonly settings: Pick<NormalizedDataTierArgs, "database" | "cache" | "appUser">;
  /** Kubernetes namespace of the stores. */
  readonly namespace: pulumi.Output<string> | undefined;

  private readonly securityGroups: { database: ec2.SecurityGroup; cache: ec2.SecurityGroup } | undefined;
  private readonly tierName: string;
  private readonly admitted = new Set<string>();
  private proxySecurityGroup: ec2.SecurityGroup | undefined;
  /**
   * What a client's IAM role needs to use `connection` (with RDS Proxy, `rds-db:connect` as the
   * application user); AgentService takes them as `iamStatements`. Empty without a proxy.
   */
  readonly clientIamStatements: ReadonlyArray<{ Effect: "Allow"; Action: string[]; Resource: pulumi.Output<string>[] }> = [];

  constructor(name: string, args: DataTierArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const cfg = normalizeDataTierArgs(name, args);
    super("agentyard:components:DataTier", name, {}, opts);
    this.tierName = name;
    this.platform = cfg.platform;
    this.databasePort = POSTGRES_PORT;
    this.cachePort = REDIS_PORT;
    this.databaseName = cfg.databaseName;
    this.allocatedStorageGb = cfg.database.allocatedStorageGb;
    this.settings = { database: cfg.database, cache: cfg.cache, appUser: cfg.appUser };

    if (cfg.platform === "kubernetes") {
      const made = createKubernetesDataTier(this, name, cfg, args);
      this.databaseHost = made.databaseHost;
      this.readerHosts = [];
      this.cacheHost = made.cacheHost;
      this.connection = made.connection;
      this.secretArns = [];
      this.masterSecretArn = undefined;
      this.kmsKeyArn = undefined;
      this.databaseSecurityGroupId = undefined;
      this.cacheSecurityGroupId = undefined;
      this.bootstrapChecksum = made.checksum;
      this.namespace = made.namespace;
      this.databaseIdentifier = undefined;
      this.cacheReplicationGroupId = undefined;
    } else {
      const made = this.createOnAws(name, cfg, args);
      this.securityGroups = made.securityGroups;
      this.databaseHost = made.database.instance.address;
      this.readerHosts = made.database.replicas.map((r) => r.address);
      this.cacheHost = made.cache.replicationGroup.primaryEndpointAddress;
      this.secretArns = [made.database.appSecret.arn, made.cache.secret.arn];
      this.masterSecretArn = made.database.masterSecretArn;
      this.kmsKeyArn = made.key.arn;
      this.databaseSecurityGroupId = made.securityGroups.database.id;
      this.cacheSecurityGroupId = made.securityGroups.cache.id;
      this.bootstrapChecksum = made.bootstrap.checksum;
      this.namespace = undefined;
      this.databaseIdentifier = made.database.instance.identifier;
      this.cacheReplicationGroupId = made.cache.replicationGroup.replicationGroupId;
      const ref = (secretArn: pulumi.Output<string>, jsonKey: string) => ({ source: "secretsmanager" as const, secretArn, jsonKey });
      this.connection = {
        env: {
          DATABASE_HOST: this.databaseHost,
          DATABASE_PORT: pulumi.output(String(POSTGRES_PORT)),
          DATABASE_NAME: pulumi.output(cfg.databaseName),
          DATABASE_USER: pulumi.output(cfg.appUser),
          DATABASE_SSLMODE: pulumi.output("require"),
          REDIS_HOST: this.cacheHost,
          REDIS_PORT: pulumi.output(String(REDIS_PORT)),
          REDIS_TLS: pulumi.output("true"),
        },
        // The ARN as the secret's value (SecretVersion) gives it: a reader (a deploy-time read, an
        // ECS task definition's valueFrom) then waits until the value is written, not only the secret
        // created; before that Secrets Manager has no AWSCURRENT version to return.
        secrets: {
          DATABASE_URL: ref(made.database.appSecretVersion.arn, "url"),
          DATABASE_PASSWORD: ref(made.database.appSecretVersion.arn, "password"),
          REDIS_URL: ref(made.cache.secretVersion.arn, "url"),
          REDIS_PASSWORD: ref(made.cache.secretVersion.arn, "authToken"),
        },
      };
      if (made.proxy) {
        // Through RDS Proxy: DATABASE_URL has no password (an IAM token is the password, DATABASE_AUTH=iam); the
        // direct URL stays for migrations, which need session features a proxy would pin.
        const direct = this.connection.secrets.DATABASE_URL;
        this.connection = {
          env: { ...this.connection.env, DATABASE_HOST: made.proxy.endpoint, DATABASE_DIRECT_HOST: this.databaseHost, DATABASE_AUTH: pulumi.output("iam") },
          secrets: { ...this.connection.secrets, DATABASE_URL: ref(made.proxy.urlSecretVersion.arn, "url"), DATABASE_DIRECT_URL: direct },
        };
        this.secretArns = [...this.secretArns, made.proxy.urlSecret.arn];
        this.proxySecurityGroup = made.proxy.securityGroup;
        this.clientIamStatements = [made.proxy.connectStatement];
      }
      for (const [i, sg] of (args.workloadSecurityGroupIds ?? []).entries()) this.allowFrom(`workload-${i + 1}`, sg);
    }

    this.registerOutputs({
      databaseHost: this.databaseHost,
      cacheHost: this.cacheHost,
      secretArns: this.secretArns,
      kmsKeyArn: this.kmsKeyArn,
      bootstrapChecksum: this.bootstrapChecksum,
    });
  }

  /**
   * Admits a client security group on 5432 and 6379 (`eks`, `ecs`; on `kubernetes` a
   * NetworkPolicy of the client's side decides). The name keys the rules: keep it stable.
   * @example
   * ```ts
   * data.allowFrom("agents", agents.securityGroupId);
   * ```
   */
  allowFrom(clientName: string, securityGroupId: pulumi.Input<string>): void {
    if (this.securityGroups === undefined) return;
    if (this.admitted.has(clientName)) throw new Error(`DataTier "${this.tierName}": client "${clientName}" is already admitted`);
    this.admitted.add(clientName);
    admit(this, `${this.tierName}-db-from-${clientName}`, this.securityGroups.database, POSTGRES_PORT, securityGroupId, `PostgreSQL from ${clientName}`);
    admit(this, `${this.tierName}-cache-from-${clientName}`, this.securityGroups.cache, REDIS_PORT, securityGroupId, `Redis from ${clientName}`);
    if (this.proxySecurityGroup) admit(this, `${this.tierName}-proxy-from-${clientName}`, this.proxySecurityGroup, POSTGRES_PORT, securityGroupId, `RDS Proxy from ${clientName}`);
  }

  private createOnAws(name: string, cfg: NormalizedDataTierArgs, args: DataTierArgs) {
    const transform = args.transform ?? {};
    const key = new kms.Key(
      ...applyTransform(
        transform.key,
        `${name}-key`,
        { description: "agentyard data tier: RDS, ElastiCache, Performance Insights and secrets", enableKeyRotation: true, deletionWindowInDays: 30, tags: standardTags(COMPONENT) },
        { parent: this },
      ),
    );
    new kms.Alias(`${name}-key-alias`, { name: `alias/${physicalName("kmsAlias", ["data"])}`, targetKeyId: key.keyId }, { parent: this });
    const vpcId = args.vpcId as pulumi.Input<string>;
    const securityGroups = {
      database: storeSecurityGroup(this, `${name}-db-sg`, vpcId, "PostgreSQL: 5432 from admitted workloads only", transform.securityGroup),
      cache: storeSecurityGroup(this, `${name}-cache-sg`, vpcId, "Redis: 6379 from admitted workloads only", transform.securityGroup),
    };
    const database = createAwsDatabase(this, name, cfg, args, key, securityGroups.database);
    const cache = createAwsCache(this, name, cfg, args, key, securityGroups.cache);
    const bootstrap = createAwsBootstrap(this, name, cfg, args, key, securityGroups.database, database);
    const proxy = cfg.database.proxy ? createAwsProxy(this, name, cfg, args, key, database, securityGroups.database) : undefined;
    const backup = createAwsBackup(this, name, cfg, key, database.instance);
    return { key, securityGroups, database, cache, bootstrap, proxy, backup };
  }
}
