import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { restoreArgs } from "../components/data-tier/aws-backup";
import { backupScript } from "../components/data-tier/kubernetes-backup";
import { parseStackConfig } from "../infra/config/load";
import { ConfigError } from "../infra/config/problems";
import { planStack } from "./harness";
import { prodStackConfig } from "./prod-config";
import { skipUnlessInstalled } from "./tools";

function problems(raw: Record<string, unknown>): string[] {
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) config[k] = typeof v === "string" ? v : JSON.stringify(v);
  try {
    parseStackConfig(config, { project: "agentyard", stack: "test" });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message.split("\n").slice(1).map((l) => l.replace(/^\s+- /, ""));
  }
  return [];
}

// Prod as it must be but for the section under test: no database section (so no copy region).
const prod: Record<string, unknown> = prodStackConfig("eks", { "agentyard:database": undefined });

describe("database backups on AWS", () => {
  it("backs up prod's database daily with AWS Backup, kept 90 days, into a vault under its own key, copied to a vault in the second region", async () => {
    const graph = (await planStack("prod")).within("agentyard:components:DataTier");
    const plan = graph.get("aws:backup/plan:Plan", "data-backup-plan");
    const [rule] = plan.inputs.rules as Array<Record<string, unknown>>;
    assert.equal(rule.schedule, "cron(30 5 ? * * *)");
    assert.deepEqual(rule.lifecycle, { deleteAfter: 90 });
    const vault = graph.get("aws:backup/vault:Vault", "data-backup-vault");
    const vaultKey = graph.get("aws:kms/key:Key", "data-backup-key");
    assert.ok(vault.dependencies.includes(vaultKey.urn), "the vault is encrypted with its own key");
    const copy = graph.get("aws:backup/vault:Vault", "data-backup-copy-vault");
    const copyKey = graph.get("aws:kms/key:Key", "data-backup-copy-key");
    assert.ok(copy.dependencies.includes(copyKey.urn), "the copy vault is encrypted with a key of its own");
    assert.notEqual(copyKey.urn, vaultKey.urn);
    const [action] = rule.copyActions as Array<Record<string, unknown>>;
    assert.deepEqual(action.lifecycle, { deleteAfter: 90 });
    assert.ok(plan.dependencies.includes(copy.urn), "the copy action names the second region's vault");
    const provider = graph.get("pulumi:providers:aws", "data-backup-copy-region");
    assert.equal(provider.inputs.region, "us-west-2");
    const selection = graph.get("aws:backup/selection:Selection", "data-backup-selection");
    assert.ok(selection.dependencies.includes(graph.get("aws:rds/instance:Instance", "data-db").urn), "the selection names the database");
    // Deletion protection keeps the vaults (and their recovery points) out of `pulumi destroy`.
    assert.equal(vault.inputs.forceDestroy, false);
  });

  it("keeps dev's backups 7 days in one region", async () => {
    const graph = (await planStack("dev")).within("agentyard:components:DataTier");
    const [rule] = graph.get("aws:backup/plan:Plan", "data-backup-plan").inputs.rules as Array<Record<string, unknown>>;
    assert.deepEqual(rule.lifecycle, { deleteAfter: 7 });
    assert.equal(rule.copyActions, undefined);
    assert.deepEqual(graph.ofType("pulumi:providers:aws"), []);
  });

  it("refuses prod on AWS without a copy region, or with the stack's own region", () => {
    assert.ok(problems(prod).some((p) => p.startsWith("agentyard:database.backupCopyRegion: got nothing, expected a second AWS region in prod")));
    assert.ok(problems({ ...prod, "agentyard:database": { backupCopyRegion: "us-east-1" } }).some((p) => p.startsWith('agentyard:database.backupCopyRegion: got "us-east-1", expected a region other than aws:region (us-east-1)')));
    assert.deepEqual(problems({ ...prod, "agentyard:database": { backupCopyRegion: "us-west-2" } }), []);
  });
});

describe("database.restoreFrom", () => {
  const db = (v: unknown) => ({ ...prod, "agentyard:database": { backupCopyRegion: "us-west-2", restoreFrom: v } });

  it("builds prod's database from a snapshot, with the master user and database name from it", async () => {
    const graph = await planStack("prod", { override: { "agentyard:database": { backupCopyRegion: "us-west-2", restoreFrom: { snapshotIdentifier: "agentyard-prod-db-final" } } } });
    const instance = graph.get("aws:rds/instance:Instance", "data-db");
    assert.equal(instance.inputs.snapshotIdentifier, "agentyard-prod-db-final");
    assert.equal(instance.inputs.username, undefined);
    assert.equal(instance.inputs.dbName, undefined);
    assert.equal(instance.inputs.kmsKeyId, undefined, "the backup's key: a restore cannot change it");
    assert.equal(instance.inputs.storageEncrypted, true);
  });

  it("restores to a point in time, or to the latest restorable time when none is given", () => {
    assert.deepEqual(restoreArgs({ sourceDbInstanceIdentifier: "agentyard-prod-db", restoreTime: "2026-12-01T09:30:00Z" }).restoreToPointInTime, {
      sourceDbInstanceIdentifier: "agentyard-prod-db",
      restoreTime: "2026-12-01T09:30:00Z",
    });
    assert.deepEqual(restoreArgs({ sourceDbInstanceIdentifier: "agentyard-prod-db" }).restoreToPointInTime, { sourceDbInstanceIdentifier: "agentyard-prod-db", useLatestRestorableTime: true });
    assert.deepEqual(restoreArgs(undefined), {});
  });

  it("refuses both sources at once, neither, a time with a snapshot, a local time, and any restore on kubernetes", () => {
    const both = problems(db({ snapshotIdentifier: "snap-1", sourceDbInstanceIdentifier: "agentyard-prod-db" }));
    assert.ok(both.some((p) => p.includes("database.restoreFrom") && p.includes("exactly one of snapshotIdentifier or sourceDbInstanceIdentifier")), both.join("\n"));
    assert.ok(problems(db({})).some((p) => p.includes("exactly one of")));
    assert.ok(problems(db({ snapshotIdentifier: "snap-1", restoreTime: "2026-12-01T09:30:00Z" })).some((p) => p.includes("restoreTime only with sourceDbInstanceIdentifier")));
    assert.ok(problems(db({ sourceDbInstanceIdentifier: "agentyard-prod-db", restoreTime: "2026-12-01 09:30" })).some((p) => p.includes("expected a UTC time such as 2026-12-01T09:30:00Z")));
    assert.ok(problems(db({ sourceDbInstanceIdentifier: "bad--name" })).some((p) => p.includes("expected an RDS DB instance identifier")));
    const local = problems({ "agentyard:platform": "kubernetes", "agentyard:preset": "dev", "agentyard:database": { restoreFrom: { snapshotIdentifier: "snap-1" } } });
    assert.ok(local.some((p) => p.startsWith("agentyard:database.restoreFrom:") && p.includes("unset on kubernetes")), local.join("\n"));
  });
});

describe("database backups on kubernetes", () => {
  it("dumps the database daily with pg_dump to a volume of its own, hardened, one run at a time", async () => {
    const graph = await planStack("local");
    const cron = graph.get("kubernetes:batch/v1:CronJob", "data-db-backup");
    const spec = cron.inputs.spec as { schedule: string; concurrencyPolicy: string; jobTemplate: { spec: { template: { spec: Record<string, unknown> } } } };
    assert.equal(spec.schedule, "30 5 * * *");
    assert.equal(spec.concurrencyPolicy, "Forbid");
    const pod = spec.jobTemplate.spec.template.spec as { containers: Array<{ image: string; command: string[]; securityContext: Record<string, unknown> }>; volumes: Array<{ persistentVolumeClaim?: { claimName: string } }> };
    assert.equal(pod.containers[0].image, "pgvector/pgvector:0.8.1-pg17");
    assert.match(pod.containers[0].command[2], /pg_dump --format=custom/);
    assert.match(pod.containers[0].command[2], /-mtime \+7 -delete/);
    assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
    assert.equal(pod.volumes[0].persistentVolumeClaim?.claimName, "db-backup");
    graph.get("kubernetes:core/v1:PersistentVolumeClaim", "data-db-backup-volume");
  });

  it("ships a backup script that passes shellcheck (POSIX sh, as the image's /bin/sh)", { skip: skipUnlessInstalled("shellcheck", "--version", "apt-get install shellcheck") }, () => {
    execFileSync("shellcheck", ["--shell=sh", "-"], { input: backupScript(7), stdio: ["pipe", "pipe", "pipe"] });
  });
});
