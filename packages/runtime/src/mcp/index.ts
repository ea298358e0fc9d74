/**
 * `serveMcp`: serves an MCP server from a project's fetch handler, over Streamable HTTP at `/mcp` and the legacy
 * HTTP+SSE transport at `/sse` (+ `/messages`), with sessions that survive a save in `aerostack dev` or a deploy.
 *
 *     import { serveMcp } from "@aerostack/runtime/mcp";
 *     export default { fetch: serveMcp((env) => buildServer(env)) };
 */
import { McpContext, type ResolvedOptions } from "./context";
import { jsonRpcErrorResponse, SERVER_ERROR } from "./jsonrpc";
import { MAX_BODY_BYTES } from "../shared/jsonrpc";
import { openLegacyStream, postLegacyMessage } from "./legacy-sse";
import { corsHeaders, originAllowed, preflight } from "./origin";
import type { McpServerLike } from "./session";
import { handleStreamable } from "./streamable";

export type { McpServerLike } from "./session";
// Function-backed tools and skills: the build generates a default export calling these (host/bundle/entries.ts).
export { serveTools, createToolServer, type ToolDefinition, type ToolExtra } from "./tools";
export { serveSkill, type SkillRun } from "./skill";
export type { SkillDefinition } from "../shared/skills";

export interface ServeMcpOptions<Env = unknown> {
  /** The Streamable HTTP endpoint. Default `/mcp`. */
  path?: string;
  /** The legacy HTTP+SSE stream endpoint, or `false` to serve Streamable HTTP only. Default `/sse`. */
  ssePath?: string | false;
  /** Where legacy SSE clients POST their messages. Default `/messages`. */
  messagesPath?: string;
  /**
   * Browser origins allowed besides loopback ones (`http://localhost:*`, `http://127.0.0.1:*`); `"*"` allows any.
   * Requests without an Origin (every non-browser client) are always allowed.
   */
  allowedOrigins?: string[];
  /** Largest accepted POST body, in bytes. Default 4 MiB. */
  maxBodyBytes?: number;
  /** Answer POSTs with a JSON body instead of an SSE stream (no progress notifications). Default false. */
  jsonResponse?: boolean;
  /** Sessions one isolate keeps at most; the least recently used idle ones go first. Default 1000. */
  maxSessions?: number;
  /** Serves every other path (a health check, a web page); without it they get 404. */
  fallback?: (request: Request, env: Env, ctx: unknown) => Response | Promise<Response>;
}

/** The `fetch` handler `serveMcp` returns: `(request, env, ctx)`, as a module's default export expects. */
export type McpFetchHandler<Env> = (request: Request, env: Env, ctx?: unknown) => Promise<Response>;

/**
 * Builds the fetch handler. `factory` makes one server per session and gets the project's `env` (its bindings:
 * DB, CACHE, …); return the SDK's `McpServer` (or low-level `Server`), not yet connected.
 */
export function serveMcp<Env = Record<string, unknown>>(
  factory: (env: Env) => McpServerLike | Promise<McpServerLike>,
  options: ServeMcpOptions<Env> = {},
): McpFetchHandler<Env> {
  const resolved: ResolvedOptions = {
    path: options.path ?? "/mcp",
    ssePath: options.ssePath ?? "/sse",
    messagesPath: options.messagesPath ?? "/messages",
    allowedOrigins: options.allowedOrigins ?? [],
    maxBodyBytes: options.maxBodyBytes ?? MAX_BODY_BYTES,
    jsonResponse: options.jsonResponse ?? false,
    maxSessions: options.maxSessions ?? 1000,
  };
  const ctx = new McpContext<Env>(resolved, factory);

  return async (request, env, executionContext) => {
    const { pathname } = new URL(request.url);
    const route =
      pathname === resolved.path ? "streamable" : pathname === resolved.ssePath ? "sse" : resolved.ssePath && pathname === resolved.messagesPath ? "messages" : undefined;
    if (!route) {
      if (options.fallback) return options.fallback(request, env, executionContext);
      return jsonRpcErrorResponse(404, SERVER_ERROR, `Not found: the MCP endpoint is ${resolved.path}`);
    }
    const origin = request.headers.get("origin");
    if (!originAllowed(origin, resolved.allowedOrigins)) {
      return jsonRpcErrorResponse(403, SERVER_ERROR, `Forbidden: Origin ${origin} is not allowed (DNS-rebinding protection; list it in serveMcp's allowedOrigins)`);
    }
    if (request.method === "OPTIONS") return preflight(origin);
    const cors = corsHeaders(origin);
    if (route === "streamable") return handleStreamable(ctx, request, env, cors);
    if (route === "sse") return openLegacyStream(ctx, request, env, cors);
    return postLegacyMessage(ctx, request, env, cors);
  };
}
