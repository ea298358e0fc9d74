/** What the Streamable HTTP and legacy SSE handlers share: options, the server factory and the isolate's sessions. */
import { MCP_ENDED_HEADER, MCP_STATE_HEADER } from "../shared/mcp";
import { jsonRpcErrorResponse, SESSION_NOT_FOUND } from "./jsonrpc";
import { decodeState, type McpServerLike, type Session, type SessionKind, type SessionState } from "./session";

export interface ResolvedOptions {
  path: string;
  ssePath: string | false;
  messagesPath: string;
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
  jsonResponse: boolean;
  maxSessions: number;
}

export interface McpContext {
  options: ResolvedOptions;
  sessions: SessionStore;
  /** Builds a fresh server for a new (or rebuilt) session. */
  createServer(): Promise<McpServerLike>;
  /** CORS headers for the request's Origin (empty without one). */
  cors: Record<string, string>;
  /** Rebuilds a session from the state the platform kept (see shared/mcp.ts). */
  adopt(id: string, state: SessionState, request: Request): Promise<Session>;
}

/** Sessions not used for this long, without an open stream, are dropped; the platform's state can rebuild them. */
const IDLE_MS = 60 * 60 * 1000;

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly adopting = new Map<string, Promise<Session>>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): Session | undefined {
    const session = this.sessions.get(id);
    return session && !session.closed ? session : undefined;
  }

  add(session: Session): void {
    this.sweep();
    this.sessions.set(session.id, session);
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  /** One rebuild per session even when its requests arrive together (the stream and a POST, after a reload). */
  adoptOnce(id: string, build: () => Promise<Session>): Promise<Session> {
    let pending = this.adopting.get(id);
    if (!pending) {
      pending = build().finally(() => this.adopting.delete(id));
      this.adopting.set(id, pending);
    }
    return pending;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.sessions) {
      if (s.closed || (!s.streamOpen && now - s.lastUsed > IDLE_MS)) this.sessions.delete(id);
    }
    if (this.sessions.size < this.max) return;
    const idle = [...this.sessions.values()].filter((s) => !s.streamOpen).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const s of idle.slice(0, this.sessions.size - this.max + 1)) {
      this.sessions.delete(s.id);
      void s.close();
    }
  }
}

/** The session a request names: this isolate's, or rebuilt from the platform's state, or a 404 saying to start over. */
export async function resolveSession(ctx: McpContext, id: string, kind: SessionKind, request: Request): Promise<Session | Response> {
  const existing = ctx.sessions.get(id);
  if (existing && existing.kind === kind) return existing;
  const state = decodeState(request.headers.get(MCP_STATE_HEADER));
  if (!state || state.kind !== kind) {
    return jsonRpcErrorResponse(404, SESSION_NOT_FOUND, "Session not found: it ended or the server restarted. Start a new session with initialize.", {
      headers: { ...ctx.cors, [MCP_ENDED_HEADER]: id },
    });
  }
  return ctx.sessions.adoptOnce(id, () => ctx.adopt(id, state, request));
}

/** A copy of `response` with extra headers (SDK responses' headers may be immutable). */
export function withHeaders(response: Response, headers: Record<string, string>): Response {
  if (Object.keys(headers).length === 0) return response;
  const copy = new Response(response.body, response);
  for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value);
  return copy;
}
