/**
 * The dispatcher's side of hosted MCP sessions (the contract is in shared/mcp.ts): it keeps each session's state
 * for the isolate, hands it back on the session's later requests, and holds session streams across version flips.
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

/** Per project; past this the least recently updated session is forgotten (its client starts a new one). */
const MAX_SESSIONS_PER_PROJECT = 10_000;
/** States are base64url of a small JSON object; anything else is not from serveMcp. */
const MAX_STATE_CHARS = 8192;

const states = new Map<string, Map<string, string>>();

function remember(project: string, id: string, state: string): void {
  if (state.length > MAX_STATE_CHARS || !/^[A-Za-z0-9_-]+$/.test(state)) return;
  let sessions = states.get(project);
  if (!sessions) states.set(project, (sessions = new Map()));
  sessions.delete(id);
  sessions.set(id, state);
  if (sessions.size > MAX_SESSIONS_PER_PROJECT) sessions.delete(sessions.keys().next().value!);
}

function forget(project: string, id: string): void {
  states.get(project)?.delete(id);
}

const hasInternal = (headers: Headers) => MCP_INTERNAL_HEADERS.some((name) => headers.has(name));

function withoutInternal(headers: Headers): Headers {
  const copy = new Headers(headers);
  for (const name of MCP_INTERNAL_HEADERS) copy.delete(name);
  return copy;
}

/** The request as the isolate gets it: internal headers a client sent are dropped, the session's state is added. */
export function toIsolate(request: Request, url: URL, project: string): Request {
  const id = request.headers.get("mcp-session-id") ?? url.searchParams.get(LEGACY_SESSION_PARAM);
  const state = id === null ? undefined : states.get(project)?.get(id);
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
export function fromIsolate(response: Response, project: string, request: Request, origin: () => StreamOrigin): Response {
  if (!hasInternal(response.headers)) return response;
  const ended = response.headers.get(MCP_ENDED_HEADER);
  if (ended) forget(project, ended);
  const id = response.headers.get(MCP_SESSION_HEADER);
  const state = response.headers.get(MCP_STATE_HEADER);
  if (id && state) remember(project, id, state);
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
        const known = states.get(project)?.get(id);
        if (known) headers.set(MCP_STATE_HEADER, known);
        const res = await from.send(key, new Request(url, { method: "GET", headers }));
        if (!res?.ok || !res.body) {
          await res?.body?.cancel();
          return null;
        }
        const next = res.headers.get(MCP_STATE_HEADER);
        if (next) remember(project, id, next);
        return res.body;
      },
      onEnd() {
        // A legacy SSE session lives as long as its stream; a Streamable HTTP one outlives it.
        if (kind === "sse") forget(project, id);
      },
    });
  }
  return new Response(body, { status: response.status, statusText: response.statusText, headers: withoutInternal(response.headers) });
}
