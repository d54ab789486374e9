// The Pulumi program of the example (`pulumi up` in this directory after `npm install`).
import * as pulumi from "@pulumi/pulumi";
import { defineTopology } from "./topology";

const platform = new pulumi.Config("omcp").get("platform") === "ecs" ? "ecs" : "eks";
const outputs = defineTopology(platform);
/** MCP clients connect to `${mcpUrl}` with `Authorization: Bearer <mcpToken>` (`pulumi stack output --show-secrets mcpToken`). */
export const mcpUrl = outputs.mcpUrl;
export const mcpToken = outputs.token;
