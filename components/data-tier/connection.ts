import type * as pulumi from "@pulumi/pulumi";

/** A value kept in a secret store, referenced, never copied into config or plain state. */
export type SecretReference =
  | {
      readonly source: "secretsmanager";
      readonly secretArn: pulumi.Output<string>;
      /** The key within the secret's JSON (ECS: `valueFrom: "<arn>:<jsonKey>::"`). */
      readonly jsonKey: string;
    }
  | {
      readonly source: "kubernetes";
      readonly namespace: pulumi.Output<string>;
      readonly secretName: pulumi.Output<string>;
      readonly key: string;
      /** The value itself (a secret output), so that a consumer in another namespace can hold a copy. */
      readonly value: pulumi.Output<string>;
    };

/**
 * What a service needs to reach the data tier, as environment variables: plain values in `env`,
 * credentials (`DATABASE_URL`, `REDIS_URL` and the passwords) as references in `secrets`.
 */
export interface ConnectionSettings {
  readonly env: Readonly<Record<string, pulumi.Output<string>>>;
  readonly secrets: Readonly<Record<string, SecretReference>>;
}

/** The ECS `valueFrom` of a Secrets Manager reference: the whole secret or one JSON key of it. */
export function ecsValueFrom(ref: Extract<SecretReference, { source: "secretsmanager" }>): pulumi.Output<string> {
  return ref.secretArn.apply((arn) => `${arn}:${ref.jsonKey}::`);
}
