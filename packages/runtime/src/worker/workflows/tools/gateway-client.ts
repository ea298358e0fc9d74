/**
 * Workspace tools for mcp_tool and agent_loop, called inside the platform the way a composed workspace is
 * (gateway/http.ts serveComposed): no network hop and no member token; the workflow is the caller, as a principal of
 * the workspace, so its switched-off tools, role limits, rate limit, secret injection and call log all apply. Each
 * node opens one MCP session (initialize, calls, DELETE), so nothing outlives the node.
 */
import type { PlatformEnv } from "../../env";
import { serveComposed } from "../../gateway/http";
import { directory } from "../../accounts/directory";
import { NodeFailure } from "../nodes/types";

const PROTOCOL_VERSION = "2025-06-18";

export interface GatewayTool {
  name: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
}

export interface ToolClient {
  list(): Promise<GatewayTool[]>;
  /** `idempotencyKey` travels in the request's `_meta` (`aerostack/idempotency-key`). */
  call(name: string, args: Record<string, unknown>, idempotencyKey?: string): Promise<unknown>;
  close(): Promise<void>;
}

interface RpcAnswer {
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

export async function openToolClient(env: PlatformEnv, workspace: string, workflow: string): Promise<ToolClient> {
  const composer = { workspace: `workflow:${workflow}`, depth: 1, role: "developer" as const };
  let session: string | null = null;
  let nextId = 1;
  const send = async (method: string, body: unknown): Promise<Response> => {
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json", "mcp-protocol-version": PROTOCOL_VERSION };
    if (session) headers["mcp-session-id"] = session;
    const request = new Request(`https://platform.internal/ws/${workspace}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return serveComposed(request, env, workspace, composer);
  };
  const rpc = async (method: string, params: unknown): Promise<Record<string, unknown>> => {
    const response = await send("POST", { jsonrpc: "2.0", id: nextId++, method, params });
    const text = await response.text();
    let answer: RpcAnswer;
    try {
      answer = JSON.parse(text) as RpcAnswer;
    } catch {
      throw new Error(`workspace "${workspace}" answered ${method} with HTTP ${response.status} and no JSON`);
    }
    if (answer.error) throw new NodeFailure(`workspace "${workspace}": ${method} failed: ${answer.error.message}`, response.status === 429 || response.status >= 500);
    return answer.result ?? {};
  };

  const init = await send("POST", { jsonrpc: "2.0", id: nextId++, method: "initialize", params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: `aerostack-workflow-${workflow}`, version: "1" } } });
  session = init.headers.get("mcp-session-id");
  if (!init.ok || !session) {
    const detail = await init.text().catch(() => "");
    const message = (() => {
      try {
        return (JSON.parse(detail) as RpcAnswer).error?.message ?? detail;
      } catch {
        return detail;
      }
    })();
    throw new NodeFailure(`workspace "${workspace}" refused the workflow's session: ${message.slice(0, 300)}`, init.status >= 500 || init.status === 429);
  }
  await send("POST", { jsonrpc: "2.0", method: "notifications/initialized" });

  return {
    async list() {
      const tools: GatewayTool[] = [];
      let cursor: string | undefined;
      do {
        const page = await rpc("tools/list", cursor ? { cursor } : {});
        tools.push(...((page.tools as GatewayTool[] | undefined) ?? []));
        cursor = page.nextCursor as string | undefined;
      } while (cursor);
      return tools;
    },
    async call(name, args, idempotencyKey) {
      const result = await rpc("tools/call", { name, arguments: args, ...(idempotencyKey ? { _meta: { "aerostack/idempotency-key": idempotencyKey } } : {}) });
      const content = (result.content as { type: string; text?: string }[] | undefined) ?? [];
      const text = content.filter((c) => c.type === "text").map((c) => c.text ?? "").join("\n");
      if (result.isError) throw new NodeFailure(`tool ${name} failed: ${text.slice(0, 500) || "(no message)"}`);
      if (result.structuredContent !== undefined) return result.structuredContent;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    },
    async close() {
      await send("DELETE", undefined).then((r) => r.body?.cancel(), () => {});
    },
  };
}

/**
 * Opens a client, runs `fn`, and always closes the session. The workspace must still be the run's account's: a
 * workspace deleted and its slug taken by another account since the deploy is not called.
 */
export async function withTools<T>(env: PlatformEnv, run: { workspace: string | null; workflow: string; account: string }, fn: (client: ToolClient) => Promise<T>): Promise<T> {
  const { workspace, workflow } = run;
  if (!workspace) throw new NodeFailure(`workflow "${workflow}" is bound to no workspace: set \`workspace\` in the definition or deploy it with one`);
  if ((await directory(env).workspaceOwner(workspace)) !== run.account) throw new NodeFailure(`workspace "${workspace}" is not in account "${run.account}" any more; deploy the workflow with one of your workspaces`);
  const client = await openToolClient(env, workspace, workflow);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}
