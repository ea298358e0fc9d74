/**
 * The legacy HTTP+SSE transport (protocol 2024-11-05) for older clients: GET `/sse` opens the session's stream and
 * names the endpoint to POST messages to (`/messages?sessionId=…`); every answer travels on the stream.
 */
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { LEGACY_SESSION_PARAM, MCP_REATTACH_HEADER, MCP_SESSION_HEADER, MCP_STATE_HEADER, MCP_STREAM_HEADER } from "../shared/mcp";
import type { McpContext } from "./context";
import { invalidParams, jsonRpcErrorResponse, readJsonRpc, refuseBatch, SERVER_ERROR } from "./jsonrpc";
import { SSE_HEADERS, type InitParams, type Session } from "./session";
import type { LegacySseTransport } from "./transports";

export async function openLegacyStream<Env>(ctx: McpContext<Env>, request: Request, env: Env, cors: Record<string, string>): Promise<Response> {
  if (request.method !== "GET") {
    return jsonRpcErrorResponse(405, SERVER_ERROR, `Method not allowed: ${request.method} (open the stream with GET)`, { headers: { ...cors, allow: "GET, OPTIONS" } });
  }
  let session: Session;
  let prelude = "";
  const reattach = request.headers.get(MCP_SESSION_HEADER);
  if (request.headers.has(MCP_REATTACH_HEADER) && reattach) {
    // The platform re-opens a stream the client already holds, on a new version: no second endpoint event.
    const found = await ctx.resolve(reattach, "sse", request, env, cors);
    if (found instanceof Response) return found;
    session = found;
    session.announceListsChanged();
  } else {
    session = await ctx.legacySession(crypto.randomUUID(), env);
    ctx.sessions.add(session);
    prelude = `event: endpoint\ndata: ${ctx.options.messagesPath}?${LEGACY_SESSION_PARAM}=${encodeURIComponent(session.id)}\n\n`;
  }
  // A legacy session lives as long as its stream.
  const ended = session;
  session.onStreamClosed = () => {
    ctx.sessions.delete(ended.id);
    void ended.close();
  };
  return new Response(session.openStream(prelude), {
    headers: { ...SSE_HEADERS, ...cors, [MCP_SESSION_HEADER]: session.id, [MCP_STATE_HEADER]: session.state(), [MCP_STREAM_HEADER]: "sse" },
  });
}

export async function postLegacyMessage<Env>(ctx: McpContext<Env>, request: Request, env: Env, cors: Record<string, string>): Promise<Response> {
  if (request.method !== "POST") {
    return jsonRpcErrorResponse(405, SERVER_ERROR, `Method not allowed: ${request.method}`, { headers: { ...cors, allow: "POST, OPTIONS" } });
  }
  const id = new URL(request.url).searchParams.get(LEGACY_SESSION_PARAM);
  if (!id) return jsonRpcErrorResponse(400, SERVER_ERROR, `Bad Request: the ${LEGACY_SESSION_PARAM} query parameter is required (open ${ctx.options.ssePath} first)`, { headers: cors });
  const found = await ctx.resolve(id, "sse", request, env, cors);
  if (found instanceof Response) return found;
  const session = found as Session<LegacySseTransport>;
  const read = await readJsonRpc(request, ctx.options.maxBodyBytes, cors);
  if (!read.ok) return read.response;
  const refused = refuseBatch(read.batch, session.protocolVersion, cors);
  if (refused) return refused;
  const init = read.messages.find((m): m is JSONRPCMessage & { params: InitParams } => "method" in m && m.method === "initialize" && "params" in m);
  if (init && !invalidParams(init)) session.init = { protocolVersion: init.params.protocolVersion, capabilities: init.params.capabilities, clientInfo: init.params.clientInfo };
  session.touch();
  // Waiting for the answers keeps this request (and so the server's work for it) alive until they are queued.
  await session.transport.receive(read.messages);
  const headers: Record<string, string> = { ...cors, "content-type": "text/plain; charset=utf-8" };
  if (session.init && init) Object.assign(headers, { [MCP_SESSION_HEADER]: id, [MCP_STATE_HEADER]: session.state() });
  return new Response("Accepted", { status: 202, headers });
}
