/**
 * GatewaySession: one Durable Object per gateway session (`Mcp-Session-Id`, or one legacy SSE connection). It holds
 * the member sessions (initialized once, reused), the client's GET or legacy event stream (written to by later
 * requests, which only an object's shared I/O context allows), and in-flight requests for cancellation.
 * The HTTP layer (http.ts) has already authenticated the caller and parsed the body; it passes the workspace config
 * read for this request, so routing always follows the current config.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import type { Member, WorkspaceConfig } from "../../shared/gateway";
import {
  errorOf,
  httpError,
  INTERNAL_ERROR,
  INVALID_REQUEST,
  FORBIDDEN,
  isNotification,
  isObject,
  isRequest,
  RpcError,
  resultOf,
  SESSION_NOT_FOUND,
  isResponse,
  type JsonObject,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "./jsonrpc";
import { handleMethod, initializeResult, negotiateVersion, rewriteFromMember, type CallContext, type GatewayPolicy, type MemberEntry } from "./methods";
import { RelayedRequests, relayedCapabilities, type Relay } from "./relay";
import { memberRuntime, workspaceSecrets, type MemberHost } from "./members";
import { workspaceObject } from "../workspaces/workspace";
import { appendBatched } from "../logs/batched-append";
import { splitName } from "./names";
import type { CallOutcome, CallRecord } from "../../shared/workspaces";
import { EventWriter, KEEPALIVE } from "./sse";
import { Upstream } from "./upstream";

/** What the HTTP layer hands over with every call. */
export interface SessionCall {
  workspace: string;
  sessionId: string;
  tokenHash: string;
  rev: number;
  config: WorkspaceConfig;
  /** The calling token's role, allow-list, and the workspace's switched-off tools. */
  policy: GatewayPolicy;
  /** 0 for a client's session; n for one opened by a workspace composing this one n levels up (http.ts serveComposed). */
  depth: number;
}

export interface PostCall extends SessionCall {
  messages: JsonRpcMessage[];
  batch: boolean;
  /** The client accepts `text/event-stream` answers. */
  acceptsSse: boolean;
  /** This POST is the `initialize` that creates the session. */
  create: boolean;
}

interface SessionRecord {
  workspace: string;
  sessionId: string;
  tokenHash: string;
  mode: "streamable" | "legacy";
  protocolVersion: string;
  clientInfo: unknown;
  /** How deep in a composition this session is (0: a client's own). */
  depth?: number;
  /** What the client said it can do; members' sampling, elicitation and roots requests are relayed only if it can. */
  clientCapabilities?: JsonObject;
  createdAt: number;
  lastSeen: number;
}

/** A session unused this long is deleted (with its member sessions). */
const IDLE_TTL_MS = 24 * 60 * 60 * 1000;
/** lastSeen is written back at most this often. */
const TOUCH_EVERY_MS = 60 * 60 * 1000;
/** Comment lines on open event streams, so proxies and clients with idle timeouts keep them. */
const KEEPALIVE_MS = 25_000;

const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", connection: "keep-alive" };

/** What clients are told when the workspace's members change: every list may read differently now. */
const LIST_CHANGED = ["notifications/tools/list_changed", "notifications/prompts/list_changed", "notifications/resources/list_changed"];

/** The object's name: http.ts addresses sessions by it, the control plane notifies them by it. */
export const sessionName = (workspace: string, sessionId: string) => `${workspace}/${sessionId}`;

/** Versions before 2025-06-18 allow JSON-RPC batches; later ones removed them. */
const BATCH_VERSIONS = ["2024-11-05", "2025-03-26"];

interface UpstreamEntry extends MemberEntry {
  key: string;
  slug: string;
  listening: boolean;
}

export class GatewaySession extends DurableObject<PlatformEnv> {
  private record: SessionRecord | null | undefined;
  private readonly upstreams = new Map<string, UpstreamEntry>();
  private readonly inflight = new Map<string, AbortController>();
  /** Members' requests sent on to the client (sampling, elicitation, roots), waiting for its answer. */
  private readonly relayed = new RelayedRequests();
  /** The client's GET stream (Streamable HTTP) or its legacy SSE stream. */
  private stream: { writer: EventWriter; abort: AbortController; legacy: boolean } | null = null;

  // ---- entry points (RPC from http.ts) ------------------------------------------------------------------------

  async post(call: PostCall): Promise<Response> {
    if (call.create) return this.create(call);
    const record = await this.session(call);
    if (!record || record.mode !== "streamable") return httpError(404, SESSION_NOT_FOUND, "Session not found");
    if (call.batch && !BATCH_VERSIONS.includes(record.protocolVersion)) {
      return httpError(400, INVALID_REQUEST, `Invalid Request: protocol version ${record.protocolVersion} has no JSON-RPC batches; send one message per POST`);
    }
    const requests = this.takeRequests(call.messages);
    if (requests.length === 0) return new Response(null, { status: 202 });
    if (!call.acceptsSse) {
      const answers = await Promise.all(requests.map((r) => this.answer(call, record, r, null)));
      return Response.json(call.batch ? answers : answers[0], { headers: { "mcp-session-id": call.sessionId } });
    }
    return this.answerLazily(call, record, requests);
  }

  /**
   * Answers as plain JSON, unless a member sends something on the way (progress, a log message, a request for the
   * client): the first such message turns the answer into an event stream carrying it, then the response. Plain
   * calls keep the cheaper JSON answer; nothing a member says during a call is dropped.
   */
  private answerLazily(call: PostCall, record: SessionRecord, requests: JsonRpcRequest[]): Promise<Response> {
    let settle!: (res: Response) => void;
    const response = new Promise<Response>((resolve) => (settle = resolve));
    let writer: EventWriter | null = null;
    let finished = false;
    const sink = (m: JsonRpcMessage) => {
      // A member's word after the answer went out as JSON has no stream left to travel on.
      if (finished && !writer) return;
      if (!writer) {
        writer = new EventWriter();
        // A client that hangs up cancels what it was waiting for.
        writer.whenClosed(() => {
          for (const r of requests) this.inflight.get(JSON.stringify(r.id))?.abort(new Error("the client closed the stream"));
        });
        settle(new Response(writer.readable, { headers: { ...SSE_HEADERS, "mcp-session-id": call.sessionId } }));
      }
      writer.send(m);
    };
    const answers: (JsonRpcResponse | undefined)[] = requests.map(() => undefined);
    const sent = new Set<number>();
    const flush = () => {
      answers.forEach((a, i) => {
        if (a && writer && !sent.has(i)) {
          sent.add(i);
          writer.send(a);
        }
      });
    };
    this.ctx.waitUntil(
      (async () => {
        await Promise.all(
          requests.map(async (r, i) => {
            answers[i] = await this.answer(call, record, r, sink);
            flush();
          }),
        );
        finished = true;
        const done = writer as EventWriter | null;
        if (done) done.close();
        else settle(Response.json(call.batch ? answers : answers[0], { headers: { "mcp-session-id": call.sessionId } }));
      })(),
    );
    return response;
  }

  /** GET: the stream for server-initiated messages (members' list changes, resource updates, log messages). */
  async listen(call: SessionCall): Promise<Response> {
    const record = await this.session(call);
    if (!record || record.mode !== "streamable") return httpError(404, SESSION_NOT_FOUND, "Session not found");
    // One stream per session: a new GET replaces the old one (a reconnecting client).
    const old = this.stream;
    this.stream = null;
    old?.writer.close();
    const stream = await this.openStream(record, false);
    for (const entry of this.upstreams.values()) this.attach(entry);
    return new Response(stream.writer.readable, { headers: { ...SSE_HEADERS, "mcp-session-id": call.sessionId } });
  }

  /** DELETE: ends the session and the member sessions behind it. */
  async terminate(call: SessionCall): Promise<Response> {
    const record = await this.session(call);
    if (!record) return httpError(404, SESSION_NOT_FOUND, "Session not found");
    await this.destroy();
    return new Response(null, { status: 200 });
  }

  /** Legacy HTTP+SSE: the GET that opens the session's one stream, announcing where to POST. */
  async openLegacy(call: SessionCall & { endpoint: string }): Promise<Response> {
    const now = Date.now();
    const record: SessionRecord = {
      workspace: call.workspace,
      sessionId: call.sessionId,
      tokenHash: call.tokenHash,
      mode: "legacy",
      protocolVersion: "2024-11-05",
      clientInfo: null,
      createdAt: now,
      lastSeen: now,
    };
    this.record = record;
    await this.ctx.storage.put("session", record);
    await this.ctx.storage.setAlarm(now + IDLE_TTL_MS);
    const stream = await this.openStream(record, true);
    stream.writer.send(call.endpoint, "endpoint");
    // A legacy session lives exactly as long as its stream.
    stream.writer.whenClosed(() => void this.destroy());
    return new Response(stream.writer.readable, { headers: SSE_HEADERS });
  }

  /** Legacy HTTP+SSE: a POSTed message, answered on the stream; the POST itself only gets 202. */
  async legacyPost(call: PostCall): Promise<Response> {
    const record = await this.session(call);
    const stream = this.stream;
    if (!record || record.mode !== "legacy" || !stream?.legacy || stream.writer.closed) {
      return httpError(404, SESSION_NOT_FOUND, "Session not found: its event stream is closed; connect again");
    }
    for (const message of call.messages) {
      if (isRequest(message) && message.method === "initialize") {
        record.protocolVersion = negotiateVersion(message.params?.protocolVersion);
        record.clientInfo = message.params?.clientInfo ?? null;
        record.clientCapabilities = isObject(message.params?.capabilities) ? message.params.capabilities : {};
        await this.ctx.storage.put("session", record);
      }
    }
    const requests = this.takeRequests(call.messages, true);
    const writer = stream.writer;
    for (const r of requests) {
      this.ctx.waitUntil(
        (async () => {
          const answer =
            r.method === "initialize" ? resultOf(r.id, initializeResult(call.workspace, call.config, record.protocolVersion)) : await this.answer(call, record, r, (m) => writer.send(m, "message"));
          writer.send(answer, "message");
        })(),
      );
    }
    return new Response("Accepted", { status: 202 });
  }

  /**
   * The control plane's word that the workspace's members changed (config pushed, a member project redeployed):
   * the client is told to list again. False when no stream is open, so the control plane stops asking.
   */
  async membersChanged(): Promise<boolean> {
    const stream = this.stream;
    if (!stream || stream.writer.closed) return false;
    for (const method of LIST_CHANGED) stream.writer.send({ jsonrpc: "2.0", method }, stream.legacy ? "message" : undefined);
    return true;
  }

  /** Idle sessions go away (open streams keep theirs alive). */
  override async alarm(): Promise<void> {
    const record = this.record ?? (await this.ctx.storage.get<SessionRecord>("session")) ?? null;
    if (!record) return;
    const idleSince = record.lastSeen;
    if (this.stream && !this.stream.writer.closed) await this.ctx.storage.setAlarm(Date.now() + IDLE_TTL_MS);
    else if (Date.now() - idleSince < IDLE_TTL_MS) await this.ctx.storage.setAlarm(idleSince + IDLE_TTL_MS);
    else await this.destroy();
  }

  // ---- session state --------------------------------------------------------------------------------------------

  private async create(call: PostCall): Promise<Response> {
    const init = call.messages[0] as JsonRpcRequest;
    const existing = this.record ?? (await this.ctx.storage.get<SessionRecord>("session"));
    if (existing) return httpError(400, INVALID_REQUEST, "Invalid Request: Server already initialized");
    const now = Date.now();
    const record: SessionRecord = {
      workspace: call.workspace,
      sessionId: call.sessionId,
      tokenHash: call.tokenHash,
      mode: "streamable",
      protocolVersion: negotiateVersion(init.params?.protocolVersion),
      clientInfo: init.params?.clientInfo ?? null,
      clientCapabilities: isObject(init.params?.capabilities) ? init.params.capabilities : {},
      depth: call.depth,
      createdAt: now,
      lastSeen: now,
    };
    this.record = record;
    await this.ctx.storage.put("session", record);
    await this.ctx.storage.setAlarm(now + IDLE_TTL_MS);
    this.log(call.workspace, `session started by ${clientName(record.clientInfo)} (protocol ${record.protocolVersion})`);
    const body = resultOf(init.id, initializeResult(call.workspace, call.config, record.protocolVersion));
    return Response.json(body, { headers: { "mcp-session-id": call.sessionId } });
  }

  /** The session, if it exists and belongs to this caller (another token's session looks like no session). */
  private async session(call: SessionCall): Promise<SessionRecord | null> {
    if (this.record === undefined) this.record = (await this.ctx.storage.get<SessionRecord>("session")) ?? null;
    const record = this.record;
    if (!record || record.workspace !== call.workspace || record.tokenHash !== call.tokenHash) return null;
    const now = Date.now();
    if (now - record.lastSeen > TOUCH_EVERY_MS) {
      record.lastSeen = now;
      await this.ctx.storage.put("session", record);
    } else record.lastSeen = now;
    this.prune(call);
    return record;
  }

  private async destroy(): Promise<void> {
    for (const controller of this.inflight.values()) controller.abort(new Error("session ended"));
    this.inflight.clear();
    this.relayed.abandon("the session ended");
    const stream = this.stream;
    this.stream = null;
    stream?.abort.abort();
    stream?.writer.close();
    if (stream && this.record) this.unwatch(this.record);
    const upstreams = [...this.upstreams.values()];
    this.upstreams.clear();
    await Promise.allSettled(upstreams.map((e) => e.upstream.close()));
    this.record = null;
    await this.ctx.storage.deleteAll();
    await this.ctx.storage.deleteAlarm();
  }

  /** Opens the client's stream and registers it with the control plane (before the client gets it, so no change is missed). */
  private async openStream(record: SessionRecord, legacy: boolean): Promise<{ writer: EventWriter; abort: AbortController; legacy: boolean }> {
    const writer = new EventWriter();
    const abort = new AbortController();
    const stream = { writer, abort, legacy };
    this.stream = stream;
    const timer = setInterval(() => writer.write(KEEPALIVE), KEEPALIVE_MS);
    writer.whenClosed(() => {
      clearInterval(timer);
      abort.abort();
      for (const entry of this.upstreams.values()) entry.listening = false;
      // A stream replaced by a newer one (or ended with the session) leaves the registration to that path.
      if (this.stream === stream) {
        this.stream = null;
        this.unwatch(record);
      }
    });
    await workspaceObject(this.env, record.workspace).watch(sessionName(record.workspace, record.sessionId));
    return stream;
  }

  private unwatch(record: SessionRecord): void {
    this.ctx.waitUntil(
      workspaceObject(this.env, record.workspace)
        .unwatch(sessionName(record.workspace, record.sessionId))
        .catch(() => {}),
    );
  }

  /** Pipes a ready member's own GET stream into the client's stream, if the client has one open. */
  private attach(entry: UpstreamEntry): void {
    const stream = this.stream;
    if (!stream || stream.writer.closed || entry.listening) return;
    entry.listening = true;
    const forward = (m: JsonRpcMessage) => stream.writer.send(rewriteFromMember(entry.slug, m), stream.legacy ? "message" : undefined);
    const relay = this.relayOn(forward, stream.abort.signal);
    this.ctx.waitUntil(
      entry.upstream.listen(forward, stream.abort.signal, relay).finally(() => {
        entry.listening = false;
      }),
    );
  }

  /** Member sessions whose member left the config (or whose config changed) are closed. */
  private prune(call: SessionCall): void {
    for (const [slug, entry] of this.upstreams) {
      const member = call.config.members.find((m) => m.slug === slug);
      if (!member || entry.key !== memberKey(call.rev, member)) {
        this.upstreams.delete(slug);
        void entry.upstream.close();
      }
    }
  }

  /** The member's session in this gateway session: reused while the workspace revision is unchanged. */
  private async member(call: SessionCall, record: SessionRecord, member: Member): Promise<UpstreamEntry> {
    const key = memberKey(call.rev, member);
    const current = this.upstreams.get(member.slug);
    if (current?.key === key) return current;
    const needsSecrets = member.kind === "proxy" && Object.values(member.headers).some((h) => "secret" in h);
    const secrets = needsSecrets ? await workspaceSecrets(this.env, call.workspace, call.rev) : undefined;
    // Another request may have created it while the secrets were read.
    const raced = this.upstreams.get(member.slug);
    if (raced?.key === key) return raced;
    const host: MemberHost = {
      env: this.env,
      exports: this.ctx.exports,
      waitUntil: (p) => this.ctx.waitUntil(p),
      composer: { workspace: call.workspace, depth: (record.depth ?? 0) + 1, role: call.policy.role },
    };
    const runtime = memberRuntime(member, host, secrets);
    const entry: UpstreamEntry = {
      key,
      slug: member.slug,
      runtime,
      listening: false,
      upstream: new Upstream({
        slug: member.slug,
        fetch: runtime.fetch,
        protocolVersion: record.protocolVersion,
        clientCapabilities: relayedCapabilities(record.clientCapabilities),
        onReady: () => this.attach(entry),
        redact: runtime.redact,
      }),
    };
    if (raced) void raced.upstream.close();
    this.upstreams.set(member.slug, entry);
    return entry;
  }

  // ---- requests -------------------------------------------------------------------------------------------------

  /**
   * Acts on notifications (cancellation, roots changed) and on the client's answers to relayed requests; returns the
   * requests.
   */
  private takeRequests(messages: JsonRpcMessage[], allowInitialize = false): JsonRpcRequest[] {
    const requests: JsonRpcRequest[] = [];
    for (const m of messages) {
      if (isRequest(m)) {
        if (m.method === "initialize" && !allowInitialize) {
          requests.push({ ...m, method: "\0initialize-again" });
        } else requests.push(m);
      } else if (isNotification(m) && m.method === "notifications/cancelled" && isObject(m.params)) {
        const id = m.params.requestId;
        this.inflight.get(JSON.stringify(id))?.abort(new Error("cancelled by the client"));
      } else if (isNotification(m) && m.method === "notifications/roots/list_changed") {
        // Every member that was told the client has roots hears that they changed.
        const notice = { signal: AbortSignal.timeout(5000), timeoutMs: 5000 };
        for (const entry of this.upstreams.values()) this.ctx.waitUntil(entry.upstream.notify(m.method, m.params, notice));
      } else if (isResponse(m)) this.relayed.answer(m);
    }
    return requests;
  }

  private async answer(
    call: SessionCall,
    record: SessionRecord,
    request: JsonRpcRequest,
    sink: ((m: JsonRpcMessage) => void) | null,
  ): Promise<JsonRpcResponse> {
    const started = Date.now();
    if (request.method === "\0initialize-again") {
      return errorOf(request.id, { code: INVALID_REQUEST, message: "Invalid Request: this session is already initialized" });
    }
    const key = JSON.stringify(request.id);
    // MCP: an id is never reused in a session; one still in flight would take over the other's cancellation.
    if (this.inflight.has(key)) {
      return errorOf(request.id, { code: INVALID_REQUEST, message: `Invalid Request: the id ${key} belongs to a request still in flight (request ids must be unique)` });
    }
    const controller = new AbortController();
    this.inflight.set(key, controller);
    const ctx: CallContext = {
      workspace: call.workspace,
      config: call.config,
      policy: call.policy,
      protocolVersion: record.protocolVersion,
      member: (m) => this.member(call, record, m),
      sink,
      relay: sink ? this.relayOn(sink, controller.signal) : null,
      signal: controller.signal,
      log: (line) => this.log(call.workspace, line),
    };
    let response: JsonRpcResponse;
    try {
      response = resultOf(request.id, await handleMethod(ctx, request.method, request.params));
    } catch (err) {
      if (err instanceof RpcError) response = errorOf(request.id, err.toJson());
      else {
        // A bug of ours, not a member's: say so without details (they could quote anything).
        console.error(`[ws/${call.workspace}] ${request.method} failed inside the gateway: ${err instanceof Error ? err.name : "error"}`);
        response = errorOf(request.id, { code: INTERNAL_ERROR, message: "Internal error in the gateway" });
      }
    } finally {
      if (this.inflight.get(key) === controller) this.inflight.delete(key);
    }
    const outcome = "error" in response ? `error ${response.error.code}` : "ok";
    this.log(call.workspace, `${request.method}${describeTarget(request)} → ${outcome} (${Date.now() - started} ms)`);
    this.logCall(call, request, response, Date.now() - started);
    return response;
  }

  /** Relays a member's request to the client over `send`, if the client said it can answer that kind of request. */
  private relayOn(send: (m: JsonRpcMessage) => void, signal: AbortSignal): Relay {
    return (request) => {
      const capabilities = this.record?.clientCapabilities ?? {};
      return this.relayed.relay(request, capabilities, send, signal);
    };
  }

  /** One call-log record per request (written in batches by the workspace's object), attributed to the token. */
  private logCall(call: SessionCall, request: JsonRpcRequest, response: JsonRpcResponse, latencyMs: number): void {
    if (request.method === "ping" || request.method.startsWith("\0")) return;
    const name = typeof request.params?.name === "string" ? request.params.name : null;
    const split = name ? splitName(name) : null;
    const entry: Omit<CallRecord, "id"> = {
      ts: Date.now(),
      tokenId: call.policy.tokenId,
      tokenName: call.policy.tokenName,
      method: request.method,
      member: split?.slug ?? null,
      tool: split?.name ?? (typeof request.params?.uri === "string" ? request.params.uri : null),
      latencyMs,
      outcome: outcomeOf(response),
      errorClass: "error" in response ? errorClass(response.error.code) : null,
      ...(request.method === "tools/call" && request.params?.arguments !== undefined ? { arguments: JSON.stringify(request.params.arguments) } : {}),
    };
    const ws = workspaceObject(this.env, call.workspace);
    appendBatched(`calls:${call.workspace}`, [entry], (p) => this.ctx.waitUntil(p), (batch) => ws.recordCalls(batch));
  }

  private log(workspace: string, line: string): void {
    console.log(`[ws/${workspace}] ${line}`);
  }
}

const memberKey = (rev: number, member: Member) => `${rev}|${JSON.stringify(member)}`;

function clientName(info: unknown): string {
  return isObject(info) && typeof info.name === "string" ? `${info.name}${typeof info.version === "string" ? ` ${info.version}` : ""}` : "a client";
}

function describeTarget(request: JsonRpcRequest): string {
  const p = request.params;
  if (!p) return "";
  if (typeof p.name === "string") return ` ${p.name}`;
  if (typeof p.uri === "string") return ` ${p.uri}`;
  return "";
}

function outcomeOf(response: JsonRpcResponse): CallOutcome {
  if ("error" in response) {
    if (response.error.code === FORBIDDEN) return "denied";
    return /timed out|timeout/i.test(response.error.message) ? "timeout" : "error";
  }
  return isObject(response.result) && response.result.isError === true ? "tool_error" : "ok";
}

/** A stable name for a JSON-RPC error code, for the call log's error class (never its message: it may quote anything). */
function errorClass(code: number): string {
  const known: Record<number, string> = {
    [-32700]: "parse_error",
    [-32600]: "invalid_request",
    [-32601]: "method_not_found",
    [-32602]: "invalid_params",
    [-32603]: "internal_error",
    [FORBIDDEN]: "forbidden",
  };
  return known[code] ?? `code_${code}`;
}
