/**
 * The gateway's HTTP face at `/ws/:slug`: MCP Streamable HTTP (POST, GET stream, DELETE; `Mcp-Session-Id`) and the
 * legacy HTTP+SSE transport (`/ws/:slug/sse` + `/ws/:slug/messages?sessionId=`). Here: member token, body limits and
 * JSON-RPC framing, behind the platform's HTTP middleware (http/middleware.ts: request id, Origin/CORS, consumed
 * bodies). Session work happens in the session's Durable Object (session.ts).
 */
import type { PlatformEnv } from "../env";
import { workspaceObject } from "../workspaces/workspace";
import { MEMBER_SLUG_PATTERN, MEMBER_TOKEN_PREFIX, type WorkspaceConfig } from "../../shared/gateway";
import {
  BAD_REQUEST,
  httpError,
  INVALID_REQUEST,
  isObject,
  isRequest,
  MAX_BATCH,
  MAX_BODY_BYTES,
  MAX_DEPTH,
  nestedDeeperThan,
  PARSE_ERROR,
  RATE_LIMITED,
  SESSION_NOT_FOUND,
  sharedRequestId,
  validateMessage,
  type JsonRpcMessage,
} from "./jsonrpc";
import { negotiateVersion, SUPPORTED_PROTOCOL_VERSIONS } from "./methods";
import { readBodyText } from "../http/body";
import { HttpError } from "../http/http-error";
import { serveHttp, type Surface } from "../http/middleware";
import { answerResponse, sessionObject, type SessionCall } from "./session";
import type { RateState, SessionAsk, SessionRecord, WorkspaceAccess } from "../workspaces/workspace";
import type { WorkspaceRole } from "../../shared/workspaces";
import { sha256Hex } from "../../shared/sha256";
import { OAUTH_ACCESS_PREFIX } from "../../shared/oauth";
import { withResourceMetadata } from "../oauth/http";
import { randomHex } from "../../shared/hex";

export const GATEWAY_PREFIX = "/ws/";

const SESSION_ID = /^[0-9a-f]{64}$/;
const EXPOSED_HEADERS = "Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate";



function newSessionId(): string {
  return randomHex(32);
}

/**
 * Workspace configs by slug, as last read with their revision. The workspace's object is asked on every request anyway
 * (token check, so revocation is immediate, and the rate limit); the config only travels when its revision moved.
 */
// A cache, correct when empty: an unknown revision (-1) makes the workspace object send the config.
const configs = new Map<string, { rev: number; config: WorkspaceConfig; disabledTools: Record<string, string[]>; toolPins: Record<string, Record<string, string>> }>();

type Authorized = Pick<SessionCall, "workspace" | "tokenHash" | "rev" | "config" | "policy" | "depth"> & {
  session: SessionRecord | null;
  rateHeaders: Record<string, string>;
};

/** IETF RateLimit fields (draft-ietf-httpapi-ratelimit-headers): the client sees its budget on every answer. */
function rateHeaders(rate: RateState, now = Date.now()): Record<string, string> {
  const reset = Math.max(0, Math.ceil((rate.resetAt - now) / 1000));
  return { "ratelimit-limit": String(rate.limit), "ratelimit-remaining": String(Math.max(0, rate.remaining)), "ratelimit-reset": String(reset) };
}

function unauthorized(message: string): Response {
  return httpError(401, BAD_REQUEST, message, { "www-authenticate": 'Bearer realm="aerostack", error="invalid_token"' });
}

function tokenHint(workspace: string): string {
  return workspace === "dev"
    ? "Send the dev token `aerostack dev` printed, as `Authorization: Bearer mwt_dev_…` (it changes on every start)."
    : `Send a member token of workspace "${workspace}" as \`Authorization: Bearer mwt_…\`.`;
}

/** The bearer token's hash, or the 401 for a request that carries no member token at all (no object is asked). */
async function bearerHash(request: Request, workspace: string): Promise<string | Response> {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
  if (!match) return unauthorized(`Unauthorized: this gateway needs a member token. ${tokenHint(workspace)}`);
  const token = match[1]!;
  // An OAuth access token (worker/oauth) is checked by the workspace's object beside member tokens.
  if (!token.startsWith(MEMBER_TOKEN_PREFIX) && !token.startsWith(OAUTH_ACCESS_PREFIX)) return unauthorized(`Unauthorized: not a member token. ${tokenHint(workspace)}`);
  return sha256Hex(token);
}

/** The workspace object's answer as the caller's authorization, or the HTTP error refusing it. */
function admit(env: PlatformEnv, workspace: string, access: WorkspaceAccess, caller: { tokenHash: string; depth: number; hint: string }): Authorized | Response {
  const { tokenHash, depth, hint } = caller;
  const known = configs.get(workspace);
  if (access.status === "no-workspace") {
    return httpError(404, BAD_REQUEST, `No workspace "${workspace}" on this platform.${env.AEROSTACK_MODE === "dev" ? " aerostack dev serves /ws/dev." : ""}`);
  }
  if (access.status === "bad-token") return unauthorized(`Unauthorized: the token is not valid for workspace "${workspace}" (unknown or revoked). ${hint}`);
  if (access.status === "expired") return unauthorized(`Unauthorized: the token for workspace "${workspace}" has expired; ask a workspace admin for a new one.`);
  if (access.status === "rate-limited") {
    const headers = rateHeaders(access.rate);
    return httpError(429, RATE_LIMITED, `Too Many Requests: this token may send ${access.rate.limit} requests a minute; retry in ${headers["ratelimit-reset"]} s`, {
      ...headers,
      "retry-after": headers["ratelimit-reset"]!,
    });
  }
  if (access.status === "no-session") return httpError(404, SESSION_NOT_FOUND, "Session not found");
  let cached = known;
  if (access.config) configs.set(workspace, (cached = { rev: access.rev, config: access.config, disabledTools: access.disabledTools ?? {}, toolPins: access.toolPins ?? {} }));
  if (!cached) return httpError(500, BAD_REQUEST, "workspace config unavailable");
  return {
    workspace,
    tokenHash,
    depth,
    rev: access.rev,
    config: cached.config,
    session: access.session,
    policy: { tokenId: access.token.id, tokenName: access.token.name, role: access.token.role, tools: access.token.tools, disabledTools: cached.disabledTools, toolPins: cached.toolPins },
    rateHeaders: rateHeaders(access.rate),
  };
}

/** Parses a POST body into messages, or the HTTP error answering it (-32700 bad JSON, -32600 not JSON-RPC, 413). */
async function parseMessages(request: Request): Promise<{ messages: JsonRpcMessage[]; batch: boolean } | Response> {
  const type = (request.headers.get("content-type") ?? "").toLowerCase();
  if (!type.includes("application/json")) {
    return httpError(415, BAD_REQUEST, "Unsupported Media Type: Content-Type must be application/json");
  }
  let text: string;
  try {
    text = await readBodyText(request, MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof HttpError && err.code === "payload_too_large") {
      return httpError(413, BAD_REQUEST, `Payload Too Large: a message body is at most ${MAX_BODY_BYTES} bytes`);
    }
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return httpError(400, PARSE_ERROR, "Parse error: the body is not valid JSON");
  }
  if (nestedDeeperThan(raw)) return httpError(400, INVALID_REQUEST, `Invalid Request: the message nests deeper than ${MAX_DEPTH} levels`);
  const batch = Array.isArray(raw);
  const items = batch ? (raw as unknown[]) : [raw];
  if (items.length === 0) return httpError(400, INVALID_REQUEST, "Invalid Request: an empty batch");
  if (items.length > MAX_BATCH) return httpError(400, INVALID_REQUEST, `Invalid Request: a batch holds at most ${MAX_BATCH} messages`);
  const messages: JsonRpcMessage[] = [];
  for (const [i, item] of items.entries()) {
    const checked = validateMessage(item);
    if (!checked.ok) return httpError(400, INVALID_REQUEST, `Invalid Request: ${batch ? `message ${i}: ` : ""}${checked.reason}`, {}, checked.id);
    messages.push(checked.message);
  }
  // Refused whole, as serveMcp refuses it (src/mcp/jsonrpc.ts): MCP forbids reusing a request id, and answers that
  // share an id cannot be told apart by the client.
  const shared = sharedRequestId(messages);
  if (shared !== undefined) {
    return httpError(400, INVALID_REQUEST, `Invalid Request: the id ${JSON.stringify(shared)} is used by more than one request of the batch (request ids must be unique)`);
  }
  return { messages, batch };
}

const GATEWAY_SURFACE: Surface = {
  name: "gateway",
  error: (err, headers) => httpError(err.status, BAD_REQUEST, err.message, headers),
  // Origin: shared/origin.ts (browsers' pages on other sites, DNS rebinding); only loopback origins reach the gateway.
  browsers: { exposed: EXPOSED_HEADERS, refusal: "Forbidden: the gateway only accepts browser requests from localhost origins" },
};

/** Serves `/ws/...`; the router sends every request under that prefix here (on the platform's own host). */
export function handleGateway(request: Request, env: PlatformEnv): Promise<Response> {
  return serveHttp(request, GATEWAY_SURFACE, async () => {
    const response = await serveGateway(request, env);
    // On a platform a 401 also tells OAuth clients where to sign in (MCP authorization); `aerostack dev` has no OAuth.
    if (env.AEROSTACK_MODE !== "platform") return response;
    return withResourceMetadata(response, request, new URL(request.url).pathname.slice(GATEWAY_PREFIX.length).split("/")[0] ?? "");
  });
}

/** CORS headers and the request id are the middleware's: every answer here gets them. */
async function serveGateway(request: Request, env: PlatformEnv): Promise<Response> {
  const url = new URL(request.url);
  const [workspace = "", endpoint = "", ...extra] = url.pathname.slice(GATEWAY_PREFIX.length).split("/");
  if (!MEMBER_SLUG_PATTERN.test(workspace) || extra.length > 0 || !["", "sse", "messages"].includes(endpoint)) {
    return httpError(404, BAD_REQUEST, `No gateway endpoint at ${url.pathname}. Workspaces are served at /ws/<slug>.`);
  }
  if (request.method === "OPTIONS") {
    return new Response(null, {
      status: 204,
      headers: {
        "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
        "access-control-allow-headers": "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID",
        "access-control-max-age": "600",
      },
    });
  }
  const allowed = endpoint === "" ? ["GET", "POST", "DELETE"] : endpoint === "sse" ? ["GET"] : ["POST"];
  if (!allowed.includes(request.method)) {
    return httpError(405, BAD_REQUEST, `Method Not Allowed: ${url.pathname} takes ${allowed.join(", ")}`, { allow: [...allowed, "OPTIONS"].join(", ") });
  }
  const tokenHash = await bearerHash(request, workspace);
  if (tokenHash instanceof Response) return tokenHash;
  const plan = await planRequest(request, url, workspace, endpoint, tokenHash, 0);
  // One call to the workspace's object: token, rate limit, session, config. A request refused for what it is still
  // gets the token's verdict first: an unknown token learns nothing about what else was wrong.
  const access = await workspaceObject(env, workspace).gatewayAccess(tokenHash, configs.get(workspace)?.rev ?? -1, plan instanceof Response ? { none: true } : plan.ask);
  const auth = admit(env, workspace, access, { tokenHash, depth: 0, hint: tokenHint(workspace) });
  if (auth instanceof Response) return auth;
  // Every answer tells the client its rate budget (a streamed one too: headers go before the body).
  if (plan instanceof Response) {
    for (const [k, v] of Object.entries(auth.rateHeaders)) plan.headers.set(k, v);
    return plan;
  }
  return serveAuthorized(env, workspace, plan, auth, auth.rateHeaders);
}

/** Who composes a workspace into its own: the composing workspace, how deep the composition already is, and the role passed on. */
export interface Composer {
  workspace: string;
  /** 1 for a workspace composed by one a client called; each level of composition adds one. */
  depth: number;
  role: WorkspaceRole;
}

/**
 * Serves a composed workspace's gateway to the workspace composing it, inside the platform (no network hop, no
 * token): the composing workspace is the caller, as a principal of this workspace (Workspace.composedAccess), so
 * this workspace's switched-off tools, role limits and rate limit hold for it. Never reachable over HTTP.
 */
export async function serveComposed(request: Request, env: PlatformEnv, workspace: string, composer: Composer): Promise<Response> {
  // The session belongs to the composing workspace: no token of this workspace can take it over, nor it theirs.
  const tokenHash = `workspace:${composer.workspace}`;
  const plan = await planRequest(request, new URL(request.url), workspace, "", tokenHash, composer.depth);
  const known = configs.get(workspace);
  const access = await workspaceObject(env, workspace).composedAccess(composer.workspace, composer.role, known?.rev ?? -1, plan instanceof Response ? { none: true } : plan.ask);
  const auth = admit(env, workspace, access, { tokenHash, depth: composer.depth, hint: "" });
  if (auth instanceof Response) return auth;
  return plan instanceof Response ? plan : serveAuthorized(env, workspace, plan, auth, {});
}

/** What a well-formed gateway request asks for, read before the workspace's object is asked (its session is part of the question). */
type Plan =
  | { kind: "legacy-open"; sessionId: string; ask: SessionAsk }
  | { kind: "legacy-post"; sessionId: string; ask: SessionAsk; messages: JsonRpcMessage[]; batch: boolean }
  | { kind: "post"; sessionId: string; ask: SessionAsk; messages: JsonRpcMessage[]; batch: boolean; acceptsSse: boolean; create: boolean }
  | { kind: "listen" | "terminate"; sessionId: string; ask: SessionAsk };

async function planRequest(request: Request, url: URL, workspace: string, endpoint: string, tokenHash: string, depth: number): Promise<Plan | Response> {
  const version = request.headers.get("mcp-protocol-version");
  if (version !== null && !(SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(version)) {
    return httpError(400, BAD_REQUEST, `Bad Request: unsupported MCP-Protocol-Version ${version} (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")})`);
  }
  const accept = (request.headers.get("accept") ?? "").toLowerCase();
  const record = (sessionId: string, mode: SessionRecord["mode"], init?: JsonRpcMessage): SessionRecord => {
    const params = init && isRequest(init) ? init.params : undefined;
    return {
      workspace,
      sessionId,
      tokenHash,
      mode,
      // A legacy session learns its client's version from the initialize POSTed after the stream opened.
      protocolVersion: mode === "legacy" ? "2024-11-05" : negotiateVersion(params?.protocolVersion),
      clientInfo: params?.clientInfo ?? null,
      clientCapabilities: isObject(params?.capabilities) ? params.capabilities : {},
      depth,
      createdAt: 0,
      lastSeen: 0,
    };
  };

  if (endpoint === "sse") {
    const sessionId = newSessionId();
    return { kind: "legacy-open", sessionId, ask: { open: record(sessionId, "legacy") } };
  }
  if (endpoint === "messages") {
    const sessionId = url.searchParams.get("sessionId") ?? "";
    if (!SESSION_ID.test(sessionId)) return httpError(404, SESSION_NOT_FOUND, "Session not found");
    const parsed = await parseMessages(request);
    if (parsed instanceof Response) return parsed;
    return { kind: "legacy-post", sessionId, ask: { id: sessionId }, ...parsed };
  }

  const header = request.headers.get("mcp-session-id");
  if (request.method === "POST") {
    const parsed = await parseMessages(request);
    if (parsed instanceof Response) return parsed;
    const first = parsed.messages[0]!;
    const initialize = !parsed.batch && isRequest(first) && first.method === "initialize";
    if (header === null && !initialize) {
      return httpError(400, BAD_REQUEST, "Bad Request: Mcp-Session-Id header is required (start with an initialize request)");
    }
    if (header !== null && !SESSION_ID.test(header)) return httpError(404, SESSION_NOT_FOUND, "Session not found");
    const acceptsSse = accept.includes("text/event-stream") || accept.includes("*/*");
    if (header === null) {
      const sessionId = newSessionId();
      return { kind: "post", sessionId, ask: { open: record(sessionId, "streamable", first) }, ...parsed, acceptsSse, create: true };
    }
    return { kind: "post", sessionId: header, ask: { id: header }, ...parsed, acceptsSse, create: false };
  }
  if (header === null) return httpError(400, BAD_REQUEST, "Bad Request: Mcp-Session-Id header is required");
  if (!SESSION_ID.test(header)) return httpError(404, SESSION_NOT_FOUND, "Session not found");
  if (request.method === "GET") {
    if (!accept.includes("text/event-stream")) return httpError(406, BAD_REQUEST, "Not Acceptable: the GET stream is text/event-stream");
    return { kind: "listen", sessionId: header, ask: { id: header } };
  }
  return { kind: "terminate", sessionId: header, ask: { id: header } };
}

async function serveAuthorized(env: PlatformEnv, workspace: string, plan: Plan, auth: Authorized, headers: Record<string, string>): Promise<Response> {
  const session = auth.session;
  if (!session) return httpError(404, SESSION_NOT_FOUND, "Session not found", headers);
  const base: SessionCall = { workspace, session, sessionId: plan.sessionId, tokenHash: auth.tokenHash, rev: auth.rev, config: auth.config, policy: auth.policy, depth: auth.depth, headers };
  const stub = sessionObject(env, workspace, plan.sessionId);
  switch (plan.kind) {
    case "legacy-open":
      return answerResponse(await stub.openLegacy({ ...base, endpoint: `${GATEWAY_PREFIX}${workspace}/messages?sessionId=${plan.sessionId}` }));
    case "legacy-post":
      return answerResponse(await stub.legacyPost({ ...base, messages: plan.messages, batch: plan.batch, acceptsSse: true, create: false }));
    case "post":
      return answerResponse(await stub.post({ ...base, messages: plan.messages, batch: plan.batch, acceptsSse: plan.acceptsSse, create: plan.create }));
    case "listen":
      return answerResponse(await stub.listen(base));
    case "terminate":
      return answerResponse(await stub.terminate(base));
  }
}
