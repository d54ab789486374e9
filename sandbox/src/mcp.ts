import type { IncomingMessage, ServerResponse } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";
import { executeInSession, registerSessionTools } from "./mcp-sessions";
import { executeRequestShape } from "./request";
import type { Sandbox } from "./sandbox";
import type { Caller } from "./session-door";

export const TOOL_NAME = "execute_python";

function mcpServer(sandbox: Sandbox, caller: Caller): McpServer {
  const server = new McpServer({ name: "agentyard-sandbox", version: "1.0.0" });
  const sessions = sandbox.config.maxSessions > 0;
  server.registerTool(
    TOOL_NAME,
    {
      description: sessions
        ? "Runs Python 3 code in a fresh, isolated process, or with session_id in that session's interpreter (state kept between calls), and returns its stdout, stderr and exit code."
        : "Runs Python 3 code in a fresh, isolated process and returns its stdout, stderr and exit code.",
      inputSchema: { ...executeRequestShape(sandbox.config.timeoutMs), ...(sessions ? { session_id: z.string().min(1).max(600).optional().describe("Run in this session (create_session) instead of a fresh process.") } : {}) },
    },
    async ({ code, timeoutMs, stdin, session_id }: { code: string; timeoutMs?: number; stdin?: string; session_id?: string }) => {
      const request = { code, stdin, timeoutMs: timeoutMs ?? sandbox.config.timeoutMs };
      if (session_id !== undefined) return executeInSession(sandbox.sessionDoor.calls(caller), session_id, request);
      const answer = await sandbox.execute(request);
      if (answer.kind === "refused") {
        const why = { capacity: "at capacity", shutdown: "shutting down", unavailable: "executor unavailable" }[answer.reason];
        return { isError: true, content: [{ type: "text", text: `sandbox ${why}: retry in ${answer.retryAfterSeconds} s` }] };
      }
      const { outcome, ...result } = answer.result;
      return { isError: outcome !== "success", content: [{ type: "text", text: JSON.stringify(result) }], structuredContent: { ...result, outcome } };
    },
  );
  if (sessions) registerSessionTools(server, sandbox, caller);
  return server;
}

/** Stateless streamable HTTP: a server and transport per request, nothing kept between calls. */
export async function handleMcp(sandbox: Sandbox, req: IncomingMessage, res: ServerResponse, body: unknown, caller: Caller): Promise<void> {
  const server = mcpServer(sandbox, caller);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on("close", () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}
