// The Pulumi program of the example (`pulumi up` in this directory after `npm install`).
// Secrets come from the stack's config: `pulumi config set --secret cartrita:OPENAI_API_KEY sk-...`.
import * as pulumi from "@pulumi/pulumi";
import { APP_SECRET_NAMES, defineTopology } from "./topology";

const config = new pulumi.Config("cartrita");
const platform = config.get("platform") === "ecs" ? "ecs" : "eks";
const secrets = Object.fromEntries(APP_SECRET_NAMES.map((key) => [key, config.requireSecret(key)]));
const outputs = defineTopology(platform, secrets);
export const url = outputs.url;
export const serviceUrl = outputs.service;
