import { type DeployRule, label } from "./rule";

const SECRET = "aws:secretsmanager/secret:Secret";
const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";
/** What reads a secret's value: at deploy time (a Kubernetes Secret filled from it, a Lambda run) or at task start. */
const READERS = new Set(["kubernetes:core/v1:Secret", "aws:ecs/taskDefinition:TaskDefinition", "aws:lambda/invocation:Invocation"]);

/**
 * A secret exists before its value does: GetSecretValue on a secret with no version fails, and so
 * does an ECS task whose `secrets` name it. A reader must wait for the value, not the secret.
 */
export const secretValues: DeployRule = {
  id: "secret-readers-after-value",
  fact: "A Secrets Manager secret created without a value has no AWSCURRENT version; GetSecretValue on it fails (ResourceNotFoundException) until a version is put.",
  source: "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html",
  check(graph) {
    const versions = graph.ofType(VERSION);
    return graph.resources
      .filter((r) => READERS.has(r.type))
      .flatMap((reader) => {
        const waits = graph.waitsFor(reader.urn);
        return graph
          .waitedFor(reader.urn, (r) => r.type === SECRET)
          .flatMap((secret) => {
            const values = versions.filter((v) => v.dependencies.includes(secret.urn));
            if (values.length === 0 || values.some((v) => waits.has(v.urn))) return [];
            return [{ urn: reader.urn, message: `${label(reader)} reads secret ${secret.name} but does not wait for its value (${values.map((v) => v.name).join(", ")}): reference the secret through the SecretVersion (its arn), or depend on it` }];
          });
      });
  },
};
