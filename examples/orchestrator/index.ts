// The Pulumi program of the example (`pulumi up` in this directory after `npm install`).
// `pulumi config set --secret orchestrator:AZURE_OPENAI_API_KEY ...` (or leave it unset and use workload identity).
import * as pulumi from "@pulumi/pulumi";
import { defineTopology } from "./topology";

const config = new pulumi.Config("orchestrator");
const platform = config.get("platform") === "ecs" ? "ecs" : "eks";
const outputs = defineTopology(platform, { AZURE_OPENAI_API_KEY: config.requireSecret("AZURE_OPENAI_API_KEY") });
export const url = outputs.url;
export const serviceUrl = outputs.service;
