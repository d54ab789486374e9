/*
 * Entry point of the in-VPC bootstrap function (eks, ecs). `aws.lambda.Invocation` calls it with
 * the SQL and its checksum; a thrown error fails the invocation, and with it `pulumi up`.
 * Bundled by esbuild with `pg`; the AWS SDK comes from the Lambda runtime.
 */
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Client } from "pg";
import { lambdaEnvironment } from "./connection";
import { type BootstrapResult, bootstrapDatabase } from "./run";

export interface BootstrapEvent {
  readonly sql: string;
  readonly checksum: string;
}

const secrets = new SecretsManagerClient({});

async function fetchSecret(arn: string): Promise<string> {
  const answer = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
  if (answer.SecretString === undefined) throw new Error(`bootstrap: secret ${arn} has no string value`);
  return answer.SecretString;
}

export async function handler(event: BootstrapEvent): Promise<BootstrapResult> {
  if (typeof event?.sql !== "string" || typeof event.checksum !== "string") throw new Error("bootstrap: the event needs sql and checksum");
  const env = await lambdaEnvironment(process.env, fetchSecret);
  // rds.force_ssl is on; the RDS CA is in the runtime's trust store through NODE_EXTRA_CA_CERTS.
  const client = new Client({ ...env.admin, ssl: env.tls ? { rejectUnauthorized: true } : false, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const result = await bootstrapDatabase(client, { sql: event.sql, checksum: event.checksum, appUser: env.appUser, appPassword: env.appPassword });
    console.log(JSON.stringify({ msg: "bootstrap applied", ...result }));
    return result;
  } finally {
    await client.end();
  }
}
