// The Pulumi program of the example (`pulumi up` in this directory after `npm install`).
// Secrets: `pulumi config set --secret saplings:OPENAI_API_KEY ...` (and ANTHROPIC_API_KEY, ENCRYPTION_KEY).
// Registry: `saplings:registrySecretName` (a dockerconfigjson Secret, eks) or `saplings:registrySecretArn` (ecs).
import * as pulumi from "@pulumi/pulumi";
import { SAPLINGS_SECRET_NAMES, defineTopology } from "./topology";

const config = new pulumi.Config("saplings");
const platform = config.get("platform") === "ecs" ? "ecs" : "eks";
const secrets = Object.fromEntries(SAPLINGS_SECRET_NAMES.map((key) => [key, config.requireSecret(key)]));
const registry = platform === "eks" ? { kubernetesSecretName: config.get("registrySecretName") ?? "registry-secret" } : { secretArn: config.require("registrySecretArn") };
const outputs = defineTopology(platform, secrets, registry);
export const url = outputs.url;
export const serviceUrl = outputs.service;
