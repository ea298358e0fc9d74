/**
 * The platform's side of hosted MCP sessions (the contract is in shared/mcp.ts): it keeps each session's state in the
 * tenant's ProjectStore, hands it back on the session's later requests, and holds session streams across version flips.
 */
import {
  LEGACY_SESSION_PARAM,
  MCP_ENDED_HEADER,
  MCP_INTERNAL_HEADERS,
  MCP_REATTACH_HEADER,
  MCP_SESSION_HEADER,
  MCP_STATE_HEADER,
  MCP_STREAM_HEADER,
} from "../../shared/mcp";
import { holdStream } from "./held-stream";
import { projectStore } from "../projects/project-store";
import type { PlatformEnv } from "../env";

/** States are base64url of a small JSON object; anything else is not from serveMcp. */
const MAX_STATE_CHARS = 8192;
/** How long this isolate trusts a state it read or wrote; another isolate may have ended the session meanwhile. */
const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 10_000;

/**
 * A cache of session states, correct when empty: the states live in the tenant's ProjectStore (any isolate of a
 * scaled-out platform may serve a session's next request). A state is written once per session (at initialize),
 * so a stale entry can only hand back, for the TTL, the state of a session its own client just ended.
 */
const cache = new Map<string, { at: number; state: string }>();
const cacheKey = (project: string, id: string) => `${project}\n${id}`;

function cached(project: string, id: string, state: string): void {
  const key = cacheKey(project, id);
  cache.delete(key);
  cache.set(key, { at: Date.now(), state });
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
}

async function stateOf(env: PlatformEnv, project: string, id: string): Promise<string | undefined> {
  const hit = cache.get(cacheKey(project, id));
  if (hit && Date.now() - hit.at < CACHE_TTL_MS) return hit.state;
  const state = await projectStore(env, project).mcpSessionState(id);
  if (state === null) {
    cache.delete(cacheKey(project, id));
    return undefined;
  }
  cached(project, id, state);
  return state;
}

async function remember(env: PlatformEnv, project: string, id: string, state: string): Promise<void> {
  if (state.length > MAX_STATE_CHARS || !/^[A-Za-z0-9_-]+$/.test(state)) return;
  // Stored before the client sees the response: its next request may reach another isolate.
  await projectStore(env, project).rememberMcpSession(id, state);
  cached(project, id, state);
}

async function forget(env: PlatformEnv, project: string, id: string): Promise<void> {
  cache.delete(cacheKey(project, id));
  await projectStore(env, project).forgetMcpSession(id);
}

const hasInternal = (headers: Headers) => MCP_INTERNAL_HEADERS.some((name) => headers.has(name));

function withoutInternal(headers: Headers): Headers {
  const copy = new Headers(headers);
  for (const name of MCP_INTERNAL_HEADERS) copy.delete(name);
  return copy;
}

/** The request as the isolate gets it: internal headers a client sent are dropped, the session's state is added. */
export async function toIsolate(env: PlatformEnv, request: Request, url: URL, project: string): Promise<Request> {
  const id = request.headers.get("mcp-session-id") ?? url.searchParams.get(LEGACY_SESSION_PARAM);
  const state = id === null ? undefined : await stateOf(env, project, id);
  if (state === undefined && !hasInternal(request.headers)) return request;
  const headers = withoutInternal(request.headers);
  if (state !== undefined) headers.set(MCP_STATE_HEADER, state);
  return new Request(request, { headers });
}

/** Where a held stream comes from: the isolate it is on now, and how to reach the one serving the project next. */
export interface StreamOrigin {
  key: string;
  currentKey(): Promise<string | null>;
  /** Sends `request` to the isolate named by `key`. */
  send(key: string, request: Request): Promise<Response | null>;
}

/**
 * The response as the client gets it: session state recorded, internal headers removed, and a session stream
 * (GET /mcp, GET /sse) held so that a version flip re-opens it on the new isolate, which announces list_changed.
 */
export async function fromIsolate(
  env: PlatformEnv,
  response: Response,
  project: string,
  request: Request,
  origin: () => StreamOrigin,
): Promise<Response> {
  if (!hasInternal(response.headers)) return response;
  const ended = response.headers.get(MCP_ENDED_HEADER);
  if (ended) await forget(env, project, ended);
  const id = response.headers.get(MCP_SESSION_HEADER);
  const state = response.headers.get(MCP_STATE_HEADER);
  if (id && state) await remember(env, project, id, state);
  const kind = response.headers.get(MCP_STREAM_HEADER);
  let body = response.body;
  if (kind && id && body && response.ok) {
    const from = origin();
    const url = request.url;
    const clientHeaders = withoutInternal(request.headers);
    body = holdStream(body, {
      key: from.key,
      currentKey: from.currentKey,
      async reopen(key) {
        const headers = new Headers(clientHeaders);
        headers.set(MCP_REATTACH_HEADER, "1");
        headers.set(MCP_SESSION_HEADER, id);
        const known = await stateOf(env, project, id);
        if (known) headers.set(MCP_STATE_HEADER, known);
        const res = await from.send(key, new Request(url, { method: "GET", headers }));
        if (!res?.ok || !res.body) {
          await res?.body?.cancel();
          return null;
        }
        const next = res.headers.get(MCP_STATE_HEADER);
        if (next) await remember(env, project, id, next);
        return res.body;
      },
      onEnd() {
        // A legacy SSE session lives as long as its stream; a Streamable HTTP one outlives it.
        if (kind === "sse") void forget(env, project, id).catch(() => {});
      },
    });
  }
  return new Response(body, { status: response.status, statusText: response.statusText, headers: withoutInternal(response.headers) });
}
