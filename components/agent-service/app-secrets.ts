import * as pulumi from "@pulumi/pulumi";
import * as secretsmanager from "@pulumi/aws/secretsmanager";
import { physicalName, standardTags } from "../../infra/naming";
import type { SecretReference } from "../data-tier";

/**
 * The app's own secret values (from `pulumi config set --secret`) as one Secrets Manager secret,
 * one JSON key per variable, referenced by ARN and key: ECS injects them through `secrets`
 * (`valueFrom`), never plain environment. The ARN is taken from the secret's version, so nothing
 * reads the secret before its value exists. Values stay secret outputs: the plan shows "[secret]".
 */
export function storeAppSecrets(parent: pulumi.Resource, name: string, values: Record<string, pulumi.Input<string>>, recoveryWindowInDays: number): Record<string, SecretReference> {
  const secret = new secretsmanager.Secret(
    `${name}-app-secrets`,
    { name: physicalName("secret", [name, "app"]), description: `Secrets of agent service ${name}, from the stack's config`, recoveryWindowInDays, tags: standardTags("agents") },
    { parent },
  );
  const version = new secretsmanager.SecretVersion(
    `${name}-app-secrets`,
    { secretId: secret.id, secretString: pulumi.secret(pulumi.output(values).apply((v) => JSON.stringify(v))) },
    { parent },
  );
  const secretArn = pulumi.all([secret.arn, version.versionId]).apply(([arn]) => arn);
  return Object.fromEntries(Object.keys(values).map((key) => [key, { source: "secretsmanager" as const, secretArn, jsonKey: key }]));
}
