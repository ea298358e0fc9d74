/** Streamable HTTP at `/mcp`: POST (JSON or SSE answers), GET (the session's stream), DELETE (ends the session). */
import { SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { MCP_ENDED_HEADER, MCP_REATTACH_HEADER, MCP_SESSION_HEADER, MCP_STATE_HEADER, MCP_STREAM_HEADER } from "../shared/mcp";
import { withHeaders, type McpContext } from "./context";
import { idOf, INVALID_PARAMS, invalidMeta, invalidParams, jsonRpcErrorResponse, readJsonRpc, refuseBatch, SERVER_ERROR } from "./jsonrpc";
import { SSE_HEADERS, type InitParams, type Session } from "./session";
import type { StreamableTransport } from "./transports";

const isInitialize = (m: JSONRPCMessage): m is JSONRPCMessage & { id: string | number; params: InitParams } =>
  "method" in m && m.method === "initialize" && "id" in m;

function missingSession(cors: Record<string, string>): Response {
  return jsonRpcErrorResponse(400, SERVER_ERROR, "Bad Request: Mcp-Session-Id header is required (send initialize first to start a session)", { headers: cors });
}

/** A MCP-Protocol-Version this server does not speak is refused, as the transport spec asks. */
function badVersion(request: Request, cors: Record<string, string>): Response | undefined {
  const version = request.headers.get("mcp-protocol-version");
  if (version === null || SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return undefined;
  return jsonRpcErrorResponse(400, SERVER_ERROR, `Bad Request: unsupported MCP-Protocol-Version ${version} (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")})`, {
    headers: cors,
  });
}

export async function handleStreamable<Env>(ctx: McpContext<Env>, request: Request, env: Env, cors: Record<string, string>): Promise<Response> {
  switch (request.method) {
    case "POST":
      return post(ctx, request, env, cors);
    case "GET":
      return get(ctx, request, env, cors);
    case "DELETE":
      return end(ctx, request, cors);
    default:
      return jsonRpcErrorResponse(405, SERVER_ERROR, `Method not allowed: ${request.method}`, { headers: { ...cors, allow: "GET, POST, DELETE, OPTIONS" } });
  }
}

async function post<Env>(ctx: McpContext<Env>, request: Request, env: Env, cors: Record<string, string>): Promise<Response> {
  const read = await readJsonRpc(request, ctx.options.maxBodyBytes, cors);
  if (!read.ok) return read.response;
  const parsedBody = read.batch ? read.messages : read.messages[0];
  for (const message of read.messages) {
    const reason = invalidMeta(message);
    if (!reason) continue;
    // A lone request gets its error as its answer; a notification (which has none) or a batch, an HTTP error.
    const answerable = !read.batch && "id" in message;
    return jsonRpcErrorResponse(answerable ? 200 : 400, INVALID_PARAMS, reason, { id: idOf(message), headers: cors });
  }
  const init = read.messages.find(isInitialize);
  if (init) {
    const reason = invalidParams(init);
    if (reason) return jsonRpcErrorResponse(200, INVALID_PARAMS, reason, { id: init.id, headers: cors });
    if (read.messages.length > 1) return jsonRpcErrorResponse(400, -32600, "Invalid Request: initialize must be sent on its own", { id: init.id, headers: cors });
    const id = crypto.randomUUID();
    const session = await ctx.streamableSession(id, env);
    session.init = { protocolVersion: init.params.protocolVersion, capabilities: init.params.capabilities, clientInfo: init.params.clientInfo };
    const response = await session.transport.handleRequest(request, { parsedBody });
    if (!response.ok) {
      // Refused before a session began (Accept, Content-Type): nothing to keep.
      await session.close();
      return withHeaders(response, cors);
    }
    ctx.sessions.add(session);
    return withHeaders(response, { ...cors, [MCP_SESSION_HEADER]: id, [MCP_STATE_HEADER]: session.state() });
  }
  const id = request.headers.get("mcp-session-id");
  if (!id) return missingSession(cors);
  const found = await ctx.resolve(id, "streamable", request, env, cors);
  if (found instanceof Response) return found;
  // resolve() returned a session of the kind asked for.
  const session = found as Session<StreamableTransport>;
  const refused = refuseBatch(read.batch, session.protocolVersion, cors);
  if (refused) return refused;
  session.touch();
  const response = await session.transport.handleRequest(request, { parsedBody });
  return withHeaders(response, cors);
}

/** The session's server-to-client stream: the platform holds it across reloads (see shared/mcp.ts). */
async function get<Env>(ctx: McpContext<Env>, request: Request, env: Env, cors: Record<string, string>): Promise<Response> {
  if (!request.headers.get("accept")?.includes("text/event-stream")) {
    return jsonRpcErrorResponse(406, SERVER_ERROR, "Not Acceptable: the stream needs Accept: text/event-stream", { headers: cors });
  }
  const id = request.headers.get("mcp-session-id");
  if (!id) return missingSession(cors);
  const refused = badVersion(request, cors);
  if (refused) return refused;
  const session = await ctx.resolve(id, "streamable", request, env, cors);
  if (session instanceof Response) return session;
  // Re-opened on a new version of the code: its tools may have changed.
  if (request.headers.has(MCP_REATTACH_HEADER)) session.announceListsChanged();
  return new Response(session.openStream(), {
    headers: { ...SSE_HEADERS, ...cors, "mcp-session-id": id, [MCP_SESSION_HEADER]: id, [MCP_STREAM_HEADER]: "streamable" },
  });
}

async function end<Env>(ctx: McpContext<Env>, request: Request, cors: Record<string, string>): Promise<Response> {
  const id = request.headers.get("mcp-session-id");
  if (!id) return missingSession(cors);
  const refused = badVersion(request, cors);
  if (refused) return refused;
  const session = ctx.sessions.get(id);
  if (!session && !request.headers.has(MCP_STATE_HEADER)) {
    return jsonRpcErrorResponse(404, -32001, "Session not found", { headers: { ...cors, [MCP_ENDED_HEADER]: id } });
  }
  ctx.sessions.delete(id);
  await session?.close();
  return new Response(null, { status: 200, headers: { ...cors, [MCP_ENDED_HEADER]: id } });
}
