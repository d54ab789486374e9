import * as pulumi from "@pulumi/pulumi";
import * as apps from "@pulumi/kubernetes/apps/v1";
import * as batch from "@pulumi/kubernetes/batch/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import type * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { bundleBootstrap } from "../../infra/database/bundle";
import { BOOTSTRAP_NODE } from "../../infra/database/node-runtime";
import { renderBootstrapSql } from "../../infra/database/sql";
import { appLabels, restrictedContainerSecurity, restrictedPodSecurity } from "../../infra/kubernetes/hardening";
import { currentScope } from "../../infra/naming";
import { type Transform, applyTransform } from "../../infra/transform";
import type { DataTierArgs, NormalizedDataTierArgs } from "./args";
import type { ConnectionSettings } from "./connection";
import { createKubernetesBackup } from "./kubernetes-backup";

export const DEFAULT_IMAGES = {
  postgres: "pgvector/pgvector:0.8.1-pg17",
  redis: "redis:7.4-alpine",
  valkey: "valkey/valkey:8.1-alpine",
  node: BOOTSTRAP_NODE.jobImage,
} as const;

/** The uid the postgres, redis and valkey images run as; node's image uses 1000. */
const STORE_UID = 999;
const NODE_UID = 1000;
const ADMIN_USER = "postgres";

export interface KubernetesDataTier {
  readonly namespace: pulumi.Output<string>;
  readonly databaseHost: pulumi.Output<string>;
  readonly cacheHost: pulumi.Output<string>;
  readonly bootstrapJob: batch.Job;
  readonly checksum: string;
  readonly connection: ConnectionSettings;
}

/** In-cluster PostgreSQL with pgvector and Redis: one replica each, on volumes, for `local` and clusters without AWS. */
export function createKubernetesDataTier(parent: pulumi.Resource, name: string, cfg: NormalizedDataTierArgs, args: DataTierArgs): KubernetesDataTier {
  const child = { parent };
  const scope = currentScope();
  const namespace = args.namespace
    ? pulumi.output(args.namespace)
    : new core.Namespace(`${name}-namespace`, { metadata: { name: `${scope.project}-${scope.stack}-data`.slice(0, 63), labels: { "app.kubernetes.io/part-of": "agentyard" } } }, child).metadata.name;
  const images = { postgres: args.images?.postgres ?? DEFAULT_IMAGES.postgres, redis: args.images?.redis ?? DEFAULT_IMAGES[cfg.cache.engine], node: args.images?.node ?? DEFAULT_IMAGES.node };

  const adminPassword = new random.RandomPassword(`${name}-db-admin-password`, { length: 40, special: false }, child);
  const appPassword = new random.RandomPassword(`${name}-db-app-password`, { length: 40, special: false }, child);
  const cachePassword = new random.RandomPassword(`${name}-cache-password`, { length: 64, special: false }, child);
  const databaseHost = pulumi.interpolate`postgres.${namespace}.svc.cluster.local`;
  const cacheHost = pulumi.interpolate`redis.${namespace}.svc.cluster.local`;

  const dbSecret = new core.Secret(
    `${name}-db-credentials`,
    {
      metadata: { name: "postgres-credentials", namespace },
      type: "Opaque",
      stringData: {
        POSTGRES_USER: ADMIN_USER,
        POSTGRES_PASSWORD: adminPassword.result,
        APP_USER: cfg.appUser,
        APP_PASSWORD: appPassword.result,
        DATABASE_URL: pulumi.interpolate`postgresql://${cfg.appUser}:${appPassword.result}@${databaseHost}:5432/${cfg.databaseName}`,
      },
    },
    child,
  );
  const cacheSecret = new core.Secret(
    `${name}-cache-credentials`,
    {
      metadata: { name: "redis-credentials", namespace },
      type: "Opaque",
      stringData: { REDIS_PASSWORD: cachePassword.result, REDIS_URL: pulumi.interpolate`redis://:${cachePassword.result}@${cacheHost}:6379/0` },
    },
    child,
  );

  const postgres = postgresStatefulSet(parent, name, cfg, args, namespace, images.postgres, dbSecret);
  createKubernetesBackup(parent, name, cfg, { namespace, image: images.postgres, databaseHost, secretName: dbSecret.metadata.name, storageClassName: args.storageClassName });
  redisStatefulSet(parent, name, cfg, args, namespace, images.redis, cacheSecret);

  const { sql, checksum } = renderBootstrapSql(cfg.embeddingDimensions);
  const script = new core.ConfigMap(
    `${name}-db-bootstrap-script`,
    { metadata: { name: `db-bootstrap-${checksum.slice(0, 10)}`, namespace }, data: { "bootstrap.sql": sql, "job.js": bundleBootstrap("job") } },
    child,
  );
  const secretEnv = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: dbSecret.metadata.name, key } } });
  const labels = appLabels("db-bootstrap", "database-bootstrap", name);
  const bootstrapJob = new batch.Job(
    ...applyTransform(
      args.transform?.bootstrapJob,
      `${name}-db-bootstrap`,
      {
        // Named by the SQL's checksum: a new SQL is a new Job (Jobs are immutable); the same SQL, no run.
        metadata: { name: `db-bootstrap-${checksum.slice(0, 10)}`, namespace, labels },
        spec: {
          backoffLimit: 6,
          activeDeadlineSeconds: 900,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: "OnFailure",
              automountServiceAccountToken: false,
              securityContext: restrictedPodSecurity(NODE_UID),
              containers: [
                {
                  name: "bootstrap",
                  image: images.node,
                  command: ["node", "/bootstrap/job.js", "/bootstrap/bootstrap.sql"],
                  env: [
                    { name: "PGHOST", value: databaseHost },
                    { name: "PGPORT", value: "5432" },
                    { name: "PGDATABASE", value: cfg.databaseName },
                    { name: "PGUSER", valueFrom: { secretKeyRef: { name: dbSecret.metadata.name, key: "POSTGRES_USER" } } },
                    { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: dbSecret.metadata.name, key: "POSTGRES_PASSWORD" } } },
                    secretEnv("APP_USER"),
                    secretEnv("APP_PASSWORD"),
                  ],
                  resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                  securityContext: restrictedContainerSecurity(),
                  volumeMounts: [{ name: "bootstrap", mountPath: "/bootstrap", readOnly: true }],
                },
              ],
              volumes: [{ name: "bootstrap", configMap: { name: script.metadata.name } }],
            },
          },
        },
      },
      // Retried by the Job until PostgreSQL is ready; Pulumi waits for it to complete.
      { parent, dependsOn: [postgres], deleteBeforeReplace: true },
    ),
  );

  const ref = (secret: core.Secret, key: string, value: pulumi.Input<string>) => ({ source: "kubernetes" as const, namespace, secretName: secret.metadata.name, key, value: pulumi.secret(value) });
  const databaseUrl = pulumi.interpolate`postgresql://${cfg.appUser}:${appPassword.result}@${databaseHost}:5432/${cfg.databaseName}`;
  const redisUrl = pulumi.interpolate`redis://:${cachePassword.result}@${cacheHost}:6379/0`;
  const connection: ConnectionSettings = {
    env: {
      DATABASE_HOST: databaseHost,
      DATABASE_PORT: pulumi.output("5432"),
      DATABASE_NAME: pulumi.output(cfg.databaseName),
      DATABASE_USER: pulumi.output(cfg.appUser),
      REDIS_HOST: cacheHost,
      REDIS_PORT: pulumi.output("6379"),
      REDIS_TLS: pulumi.output("false"),
    },
    secrets: {
      DATABASE_URL: ref(dbSecret, "DATABASE_URL", databaseUrl),
      DATABASE_PASSWORD: ref(dbSecret, "APP_PASSWORD", appPassword.result),
      REDIS_URL: ref(cacheSecret, "REDIS_URL", redisUrl),
      REDIS_PASSWORD: ref(cacheSecret, "REDIS_PASSWORD", cachePassword.result),
    },
  };
  return { namespace, databaseHost, cacheHost, bootstrapJob, checksum, connection };
}

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;

interface StoreSpec {
  /** Name of the StatefulSet, its headless Service and its container. */
  readonly store: "postgres" | "redis";
  readonly component: string;
  readonly port: number;
  readonly storageGb: number;
  /** The container without name, image, port and securityContext, which every store has alike. */
  readonly container: Omit<Container, "name" | "image" | "ports" | "securityContext">;
  readonly volumes?: Volume[];
  readonly terminationGracePeriodSeconds?: number;
  readonly transform: Transform<k8s.apps.v1.StatefulSetArgs> | undefined;
}

/** One in-cluster store: a single-replica StatefulSet on a volume, hardened, behind a headless Service. */
function storeStatefulSet(parent: pulumi.Resource, name: string, namespace: pulumi.Output<string>, image: string, storageClassName: string | undefined, spec: StoreSpec): apps.StatefulSet {
  const labels = appLabels(spec.store, spec.component, name);
  const service = new core.Service(
    `${name}-${spec.store}-service`,
    { metadata: { name: spec.store, namespace, labels }, spec: { clusterIP: "None", selector: labels, ports: [{ name: spec.store, port: spec.port, targetPort: spec.port }] } },
    { parent },
  );
  return new apps.StatefulSet(
    ...applyTransform(
      spec.transform,
      `${name}-${spec.store}`,
      {
        metadata: { name: spec.store, namespace, labels },
        spec: {
          serviceName: service.metadata.name,
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              automountServiceAccountToken: false,
              securityContext: restrictedPodSecurity(STORE_UID),
              terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
              containers: [{ name: spec.store, image, ports: [{ name: spec.store, containerPort: spec.port }], securityContext: restrictedContainerSecurity(), ...spec.container }],
              volumes: spec.volumes,
            },
          },
          volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], storageClassName, resources: { requests: { storage: `${spec.storageGb}Gi` } } } }],
        },
      },
      { parent },
    ),
  );
}

function postgresStatefulSet(parent: pulumi.Resource, name: string, cfg: NormalizedDataTierArgs, args: DataTierArgs, namespace: pulumi.Output<string>, image: string, secret: core.Secret): apps.StatefulSet {
  const ready = ["pg_isready", "-h", "127.0.0.1", "-U", ADMIN_USER, "-d", cfg.databaseName];
  return storeStatefulSet(parent, name, namespace, image, args.storageClassName, {
    store: "postgres",
    component: "database",
    port: 5432,
    storageGb: cfg.database.allocatedStorageGb,
    terminationGracePeriodSeconds: 60,
    transform: args.transform?.postgresStatefulSet,
    container: {
      args: [
        "-c", "shared_preload_libraries=pg_stat_statements",
        "-c", `max_connections=${cfg.database.maxConnections}`,
        "-c", `log_min_duration_statement=${cfg.database.slowQueryMs}`,
        "-c", "idle_in_transaction_session_timeout=600000",
      ],
      env: [
        { name: "POSTGRES_DB", value: cfg.databaseName },
        { name: "POSTGRES_USER", valueFrom: { secretKeyRef: { name: secret.metadata.name, key: "POSTGRES_USER" } } },
        { name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: secret.metadata.name, key: "POSTGRES_PASSWORD" } } },
        // A subdirectory: initdb refuses a volume's root when it holds lost+found.
        { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
      ],
      readinessProbe: { exec: { command: ready }, periodSeconds: 5, timeoutSeconds: 3 },
      livenessProbe: { exec: { command: ready }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
      resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
      volumeMounts: [
        { name: "data", mountPath: "/var/lib/postgresql/data" },
        // The root filesystem is read-only: the socket directory and temp files go to memory.
        { name: "run", mountPath: "/var/run/postgresql" },
        { name: "tmp", mountPath: "/tmp" },
      ],
    },
    volumes: [
      { name: "run", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
      { name: "tmp", emptyDir: { sizeLimit: "1Gi" } },
    ],
  });
}

function redisStatefulSet(parent: pulumi.Resource, name: string, cfg: NormalizedDataTierArgs, args: DataTierArgs, namespace: pulumi.Output<string>, image: string, secret: core.Secret): apps.StatefulSet {
  const memoryLimitMb = 512;
  const ping = ["sh", "-c", 'redis-cli --no-auth-warning -a "$REDIS_PASSWORD" ping | grep -q PONG'];
  return storeStatefulSet(parent, name, namespace, image, args.storageClassName, {
    store: "redis",
    component: "cache",
    port: 6379,
    storageGb: 5,
    transform: args.transform?.redisStatefulSet,
    container: {
      command: ["sh", "-c"],
      // The password comes from the environment at start, so it is never in the pod spec.
      args: [`exec redis-server --requirepass "$REDIS_PASSWORD" --maxmemory ${Math.floor(memoryLimitMb * 0.75)}mb --maxmemory-policy ${cfg.cache.maxmemoryPolicy} --appendonly yes --dir /data`],
      env: [{ name: "REDIS_PASSWORD", valueFrom: { secretKeyRef: { name: secret.metadata.name, key: "REDIS_PASSWORD" } } }],
      readinessProbe: { exec: { command: ping }, periodSeconds: 5, timeoutSeconds: 3 },
      livenessProbe: { tcpSocket: { port: 6379 }, initialDelaySeconds: 15, periodSeconds: 10, failureThreshold: 6 },
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: `${memoryLimitMb}Mi` } },
      volumeMounts: [{ name: "data", mountPath: "/data" }],
    },
  });
}
