/** What the Streamable HTTP and legacy SSE handlers share: options, the isolate's sessions, and building them. */
import { MCP_ENDED_HEADER, MCP_STATE_HEADER } from "../shared/mcp";
import { jsonRpcErrorResponse, SESSION_NOT_FOUND } from "./jsonrpc";
import { decodeState, Session, type McpServerLike, type SessionKind, type SessionState } from "./session";
import { guardParams, LegacySseTransport, REPLAY_ID, StreamableTransport } from "./transports";

export interface ResolvedOptions {
  path: string;
  ssePath: string | false;
  messagesPath: string;
  allowedOrigins: readonly string[];
  maxBodyBytes: number;
  jsonResponse: boolean;
  maxSessions: number;
}

/** Sessions not used for this long, without an open stream, are dropped; the platform's state can rebuild them. */
const IDLE_MS = 60 * 60 * 1000;

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly adopting = new Map<string, Promise<Session>>();

  constructor(private readonly max: number) {}

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
      pending = build()
        .then((session) => {
          this.add(session);
          return session;
        })
        .finally(() => this.adopting.delete(id));
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

export class McpContext<Env> {
  readonly sessions: SessionStore;

  constructor(
    readonly options: ResolvedOptions,
    private readonly factory: (env: Env) => McpServerLike | Promise<McpServerLike>,
  ) {
    this.sessions = new SessionStore(options.maxSessions);
  }

  /** A new Streamable HTTP session: a fresh server on the SDK's transport, its session id fixed in advance. */
  async streamableSession(id: string, env: Env): Promise<Session<StreamableTransport>> {
    const server = await this.factory(env);
    // The transport's callback runs only after connect, by when `session` is set.
    const transport: StreamableTransport = new StreamableTransport((m) => session.queue(m), {
      sessionIdGenerator: () => id,
      enableJsonResponse: this.options.jsonResponse,
      maxRequestBodySize: this.options.maxBodyBytes,
    });
    const session = new Session(id, "streamable", server, transport);
    await server.connect(transport);
    guardParams(transport);
    return session;
  }

  /** A new legacy HTTP+SSE session. */
  async legacySession(id: string, env: Env): Promise<Session<LegacySseTransport>> {
    const server = await this.factory(env);
    const transport: LegacySseTransport = new LegacySseTransport(id, (m) => session.queue(m));
    const session = new Session(id, "sse", server, transport);
    await server.connect(transport);
    guardParams(transport);
    return session;
  }

  /**
   * Rebuilds a session another isolate started (before a reload): a new server, given the client's `initialize`
   * again through the transport's public path, so the SDK's own session checks and client capabilities hold.
   */
  async adopt(id: string, state: SessionState, env: Env, url: string): Promise<Session> {
    const initialize = state.init && { jsonrpc: "2.0" as const, id: REPLAY_ID, method: "initialize", params: state.init };
    const initialized = { jsonrpc: "2.0" as const, method: "notifications/initialized" };
    if (state.kind === "sse") {
      const session = await this.legacySession(id, env);
      if (initialize) await session.transport.receive([initialize, initialized]);
      session.init = state.init;
      return session;
    }
    const session = await this.streamableSession(id, env);
    const replay = (body: unknown, headers: Record<string, string> = {}) =>
      session.transport.handleRequest(
        new Request(url, { method: "POST", headers: { accept: "application/json, text/event-stream", "content-type": "application/json", ...headers } }),
        { parsedBody: body },
      );
    if (!initialize) throw new Error(`session ${id} has no initialize to replay`);
    // Read to the end: in SSE mode the answer arrives on the response's stream after it is returned.
    await (await replay(initialize)).text();
    await (await replay(initialized, { "mcp-session-id": id })).text();
    session.init = state.init;
    return session;
  }

  /** The session a request names: this isolate's, or rebuilt from the platform's state, or a 404 saying to start over. */
  async resolve(id: string, kind: SessionKind, request: Request, env: Env, cors: Record<string, string>): Promise<Session | Response> {
    const existing = this.sessions.get(id);
    if (existing && existing.kind === kind) return existing;
    const state = decodeState(request.headers.get(MCP_STATE_HEADER));
    if (!state || state.kind !== kind || (kind === "streamable" && !state.init)) {
      return jsonRpcErrorResponse(404, SESSION_NOT_FOUND, "Session not found: it ended or the server restarted. Start a new session with initialize.", {
        headers: { ...cors, [MCP_ENDED_HEADER]: id },
      });
    }
    return this.sessions.adoptOnce(id, () => this.adopt(id, state, env, request.url));
  }
}

/** A copy of `response` with extra headers (SDK responses' headers may be immutable). */
export function withHeaders(response: Response, headers: Record<string, string>): Response {
  if (Object.keys(headers).length === 0) return response;
  const copy = new Response(response.body, response);
  for (const [name, value] of Object.entries(headers)) copy.headers.set(name, value);
  return copy;
}
