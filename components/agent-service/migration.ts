import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as batch from "@pulumi/kubernetes/batch/v1";
import * as core from "@pulumi/kubernetes/core/v1";
import type * as k8s from "@pulumi/kubernetes";
import { restrictedContainerSecurity, restrictedPodSecurity } from "../../infra/kubernetes/hardening";
import { type Transform, applyTransform } from "../../infra/transform";
import type { AppMigration } from "./app-args";

export interface MigrationJobSpec {
  readonly namespace: pulumi.Input<string>;
  readonly appName: string;
  readonly image: pulumi.Output<string>;
  readonly migration: AppMigration;
  /** Everything the app gets as env (settings and secret values); the migration's own secrets win. */
  readonly env: Record<string, pulumi.Input<string>>;
  readonly uid: number;
  readonly cpuMillicores: number;
  readonly memoryMb: number;
  readonly serviceAccountName?: pulumi.Input<string>;
  readonly imagePullSecrets?: string[];
  readonly transform?: Transform<k8s.batch.v1.JobArgs>;
}

/** `<app>-migrate-<12 hex>`: a digest of the image and the command, so either change is a new Job. */
export function migrationJobName(appName: string, image: string, command: readonly string[]): string {
  return `${appName.slice(0, 40)}-migrate-${createHash("sha256").update(JSON.stringify([image, command])).digest("hex").slice(0, 12)}`;
}

/**
 * The app's migration as a one-off Job, before its Deployment rolls (the Deployment depends on
 * it). Pulumi's Kubernetes provider waits for a Job's `Complete` condition and fails the update
 * at once on `Failed` (https://www.pulumi.com/registry/packages/kubernetes/api-docs/batch/v1/job/),
 * so a failed migration fails `pulumi up` and the new version does not roll out. One attempt
 * (`backoffLimit: 0`): a migration that failed half-way is for a person to look at, not to retry.
 * The Job is named by the image and command: the same release re-run is no change, a new image
 * or command is a new Job (a Job's template is immutable anyway).
 */
export function createMigrationJob(parent: pulumi.Resource, name: string, spec: MigrationJobSpec, provider: pulumi.ProviderResource | undefined): batch.Job {
  const opts = { parent, provider };
  const timeout = spec.migration.timeoutSeconds ?? 600;
  const jobName = spec.image.apply((image) => migrationJobName(spec.appName, image, spec.migration.command));
  const labels = { "app.kubernetes.io/name": spec.appName, "app.kubernetes.io/component": "migration", "app.kubernetes.io/part-of": "agentyard", "app.kubernetes.io/managed-by": "pulumi" };
  const secret = new core.Secret(
    `${name}-migration-env`,
    { metadata: { name: `${spec.appName}-migration`, namespace: spec.namespace, labels }, type: "Opaque", stringData: pulumi.secret(pulumi.output(spec.env)) },
    opts,
  );
  return new batch.Job(
    ...applyTransform(
      spec.transform,
      `${name}-migration`,
      {
        metadata: { name: jobName, namespace: spec.namespace, labels },
        spec: {
          backoffLimit: 0,
          activeDeadlineSeconds: timeout,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: "Never",
              serviceAccountName: spec.serviceAccountName,
              automountServiceAccountToken: false,
              securityContext: restrictedPodSecurity(spec.uid),
              imagePullSecrets: spec.imagePullSecrets?.map((n) => ({ name: n })),
              containers: [
                {
                  name: "migrate",
                  image: spec.image,
                  command: spec.migration.command,
                  envFrom: [{ secretRef: { name: secret.metadata.name } }],
                  resources: { requests: { cpu: `${spec.cpuMillicores}m`, memory: `${spec.memoryMb}Mi` }, limits: { cpu: `${spec.cpuMillicores * 2}m`, memory: `${spec.memoryMb}Mi` } },
                  securityContext: restrictedContainerSecurity(),
                  volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                },
              ],
              volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }],
            },
          },
        },
      },
      { ...opts, customTimeouts: { create: `${timeout + 60}s`, update: `${timeout + 60}s` } },
    ),
  );
}
