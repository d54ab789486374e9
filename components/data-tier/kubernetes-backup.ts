import type * as pulumi from "@pulumi/pulumi";
import * as batch from "@pulumi/kubernetes/batch/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import { appLabels, restrictedContainerSecurity, restrictedPodSecurity } from "../../infra/kubernetes/hardening";
import type { NormalizedDataTierArgs } from "./args";

/** The uid of the postgres image, whose pg_dump matches the server's major version. */
const POSTGRES_UID = 999;

/**
 * The backup script: a custom-format dump (compressed, restorable table by table with
 * pg_restore), written under a temporary name and renamed only when complete, so that a dump cut
 * short is never taken for a backup; then dumps older than the retention are removed.
 * pg_dump's custom format: https://www.postgresql.org/docs/17/app-pgdump.html
 */
export function backupScript(retentionDays: number): string {
  return [
    "set -eu",
    'stamp=$(date -u +%Y%m%dT%H%M%SZ)',
    'pg_dump --format=custom --no-owner --file="/backup/.agentyard-${stamp}.dump.partial"',
    'mv "/backup/.agentyard-${stamp}.dump.partial" "/backup/agentyard-${stamp}.dump"',
    `find /backup -maxdepth 1 -name 'agentyard-*.dump' -mtime +${retentionDays} -delete`,
    "find /backup -maxdepth 1 -name '.agentyard-*.partial' -mmin +360 -delete",
    'ls -l /backup',
  ].join("\n");
}

/**
 * On `kubernetes`: a CronJob that dumps the database daily with pg_dump to its own volume, as the
 * fourth seed's `pmcp-backup` does, keeping `database.backupPlanRetentionDays` days of dumps.
 * Restoring is docs/runbooks/restore.md. The volume is in the cluster: copy it off the cluster
 * for a backup that survives the cluster.
 */
export function createKubernetesBackup(
  parent: pulumi.Resource,
  name: string,
  cfg: NormalizedDataTierArgs,
  opts: { namespace: pulumi.Output<string>; image: string; databaseHost: pulumi.Input<string>; secretName: pulumi.Input<string>; storageClassName: string | undefined },
): batch.CronJob | undefined {
  const retentionDays = cfg.database.backupPlanRetentionDays;
  if (retentionDays === 0) return undefined;
  const labels = appLabels("db-backup", "database-backup", name);
  const volume = new core.PersistentVolumeClaim(
    `${name}-db-backup-volume`,
    {
      // A WaitForFirstConsumer claim binds only when the first Job mounts it, a day later: Pulumi must
      // not wait for it (the provider finds the bind mode only of a named class,
      // https://github.com/pulumi/pulumi-kubernetes/pull/3130; the default class is unnamed here).
      metadata: { name: "db-backup", namespace: opts.namespace, labels, annotations: { "pulumi.com/skipAwait": "true" } },
      spec: { accessModes: ["ReadWriteOnce"], storageClassName: opts.storageClassName, resources: { requests: { storage: `${cfg.database.allocatedStorageGb}Gi` } } },
    },
    { parent },
  );
  const secretEnv = (envName: string, key: string) => ({ name: envName, valueFrom: { secretKeyRef: { name: opts.secretName, key } } });
  return new batch.CronJob(
    `${name}-db-backup`,
    {
      metadata: { name: "db-backup", namespace: opts.namespace, labels },
      spec: {
        schedule: "30 5 * * *",
        timeZone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 2,
            activeDeadlineSeconds: 3 * 3600,
            template: {
              metadata: { labels },
              spec: {
                restartPolicy: "OnFailure",
                automountServiceAccountToken: false,
                securityContext: restrictedPodSecurity(POSTGRES_UID),
                containers: [
                  {
                    name: "backup",
                    image: opts.image,
                    command: ["sh", "-c", backupScript(retentionDays)],
                    env: [
                      { name: "PGHOST", value: opts.databaseHost },
                      { name: "PGPORT", value: "5432" },
                      { name: "PGDATABASE", value: cfg.databaseName },
                      secretEnv("PGUSER", "POSTGRES_USER"),
                      secretEnv("PGPASSWORD", "POSTGRES_PASSWORD"),
                    ],
                    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } },
                    securityContext: restrictedContainerSecurity(),
                    volumeMounts: [{ name: "backup", mountPath: "/backup" }],
                  },
                ],
                volumes: [{ name: "backup", persistentVolumeClaim: { claimName: volume.metadata.name } }],
              },
            },
          },
        },
      },
    },
    { parent },
  );
}
