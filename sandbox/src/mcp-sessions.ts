import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ExecutionRequest } from "./executor-client";
import type { Sandbox } from "./sandbox";
import type { Answer, SessionExecBody } from "./session-answer";
import type { Caller, SessionCalls } from "./session-door";
import { pathProblem } from "./session-path";
import { createSessionShape } from "./session-routes";

/*
 * The MCP tools of sessions (sandbox/SESSIONS.md): create_session, upload_file, download_file,
 * list_files, close_session, and execute_python's `session_id`. A session of another replica is
 * reached through its owner's HTTP routes (session-door.ts), so any replica answers any id.
 */

type ToolResult = { isError: boolean; content: Array<{ type: "text"; text: string }>; structuredContent?: Record<string, unknown> };

const sessionId = z.string().min(1).max(600).describe("The id create_session returned.");
const filePath = z.string().min(1).max(512).describe("Relative to the session's home, /-separated, e.g. data/input.csv.");
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function result<T>(answer: Answer<T>, shape: (value: T) => Record<string, unknown>, isError: (value: T) => boolean = () => false): ToolResult {
  if (answer.kind === "failed") {
    const retry = answer.retryAfterSeconds === undefined ? "" : `: retry in ${answer.retryAfterSeconds} s`;
    return { isError: true, content: [{ type: "text", text: `${answer.error}${retry}` }] };
  }
  const value = shape(answer.value);
  return { isError: isError(answer.value), content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

const refused = (text: string): ToolResult => ({ isError: true, content: [{ type: "text", text }] });

/** execute_python with a session_id: the code runs in that session's interpreter. */
export async function executeInSession(calls: SessionCalls, id: string, request: ExecutionRequest): Promise<ToolResult> {
  return result(
    await calls.execute(id, request),
    (body: SessionExecBody) => ({ ...body }),
    (body) => body.exitCode !== 0 || body.timedOut || body.truncated,
  );
}

export function registerSessionTools(server: McpServer, sandbox: Sandbox, caller: Caller): void {
  const { config } = sandbox;
  const calls = sandbox.sessionDoor.calls(caller);
  server.registerTool(
    "create_session",
    {
      description: "Creates a session: a Python interpreter whose variables, imports and files persist between execute_python calls given its id, until close_session, its idle timeout or its TTL.",
      inputSchema: createSessionShape(config.sessionTtlMs / 1000, config.sessionIdleMs / 1000),
    },
    async ({ ttlSeconds, idleTimeoutSeconds }) => result(await sandbox.sessions.create(ttlSeconds, idleTimeoutSeconds), (created) => ({ ...created })),
  );
  server.registerTool(
    "upload_file",
    {
      description: `Writes a file into a session's home: \`content\` as UTF-8 text, or \`content_base64\` for bytes (at most ${config.sessionFileBytes} bytes).`,
      inputSchema: { session_id: sessionId, path: filePath, content: z.string().optional(), content_base64: z.string().regex(BASE64, "content_base64: expected base64").optional() },
    },
    async ({ session_id, path, content, content_base64 }) => {
      if ((content === undefined) === (content_base64 === undefined)) return refused("give exactly one of content (text) and content_base64 (bytes)");
      const problem = pathProblem(path);
      if (problem) return refused(problem);
      const bytes = content === undefined ? Buffer.from(content_base64 ?? "", "base64") : Buffer.from(content, "utf8");
      if (bytes.length > config.sessionFileBytes) return refused(`file: expected at most ${config.sessionFileBytes} bytes (SANDBOX_SESSION_FILE_LIMIT), got ${bytes.length}`);
      return result(await calls.upload(session_id, path, bytes), (stored) => ({ ...stored }));
    },
  );
  server.registerTool(
    "download_file",
    {
      description: "Reads a file from a session's home: `content` when it is UTF-8 text, else `content_base64`.",
      inputSchema: { session_id: sessionId, path: filePath },
    },
    async ({ session_id, path }) => {
      const problem = pathProblem(path);
      if (problem) return refused(problem);
      return result(await calls.download(session_id, path), ({ content, ...file }) => {
        try {
          return { ...file, content: new TextDecoder("utf-8", { fatal: true }).decode(content) };
        } catch {
          return { ...file, content_base64: content.toString("base64") };
        }
      });
    },
  );
  server.registerTool(
    "list_files",
    { description: "Lists the regular files in a session's home (at most 1,000) with their sizes.", inputSchema: { session_id: sessionId } },
    async ({ session_id }) => result(await calls.listFiles(session_id), (listing) => ({ ...listing })),
  );
  server.registerTool(
    "close_session",
    { description: "Closes a session: its interpreter and every file of it are gone.", inputSchema: { session_id: sessionId } },
    async ({ session_id }) => result(await calls.close(session_id), () => ({ closed: true })),
  );
}
