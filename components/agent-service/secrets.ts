import * as pulumi from "@pulumi/pulumi";
import { getSecretVersionOutput } from "@pulumi/aws/secretsmanager/getSecretVersion";
import type { SecretReference } from "../data-tier";

/**
 * A reference's value, for the workload's own Secret. Secrets Manager values are read at deploy
 * time (kept encrypted in state as secrets); a rotated value reaches pods on the next `pulumi up`.
 */
export function resolveSecret(parent: pulumi.Resource, ref: SecretReference): pulumi.Output<string> {
  if (ref.source === "kubernetes") return pulumi.secret(ref.value);
  const version = getSecretVersionOutput({ secretId: ref.secretArn }, { parent });
  return pulumi.secret(
    version.secretString.apply((text) => {
      const value = (JSON.parse(text) as Record<string, unknown>)[ref.jsonKey];
      if (typeof value !== "string") throw new Error(`secret ${ref.jsonKey}: not a string in its Secrets Manager secret`);
      return value;
    }),
  );
}
