import type { IncomingMessage, ServerResponse } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { executeRequestShape } from "./request";
import type { Sandbox } from "./sandbox";

export const TOOL_NAME = "execute_python";

function mcpServer(sandbox: Sandbox): McpServer {
  const server = new McpServer({ name: "agentyard-sandbox", version: "1.0.0" });
  server.registerTool(
    TOOL_NAME,
    {
      description: "Runs Python 3 code in a fresh, isolated process and returns its stdout, stderr and exit code.",
      inputSchema: executeRequestShape(sandbox.config.timeoutMs),
    },
    async ({ code, timeoutMs, stdin }) => {
      const answer = await sandbox.execute({ code, stdin, timeoutMs: timeoutMs ?? sandbox.config.timeoutMs });
      if (answer.kind === "refused") {
        const why = { capacity: "at capacity", shutdown: "shutting down", unavailable: "executor unavailable" }[answer.reason];
        return { isError: true, content: [{ type: "text", text: `sandbox ${why}: retry in ${answer.retryAfterSeconds} s` }] };
      }
      const { outcome, ...result } = answer.result;
      return { isError: outcome !== "success", content: [{ type: "text", text: JSON.stringify(result) }], structuredContent: { ...result, outcome } };
    },
  );
  return server;
}

/** Stateless streamable HTTP: a server and transport per request, nothing kept between calls. */
export async function handleMcp(sandbox: Sandbox, req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
  const server = mcpServer(sandbox);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on("close", () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}
