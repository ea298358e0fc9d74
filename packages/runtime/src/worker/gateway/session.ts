/**
 * Gateway sessions (`Mcp-Session-Id`, or one legacy SSE connection) as what lives in memory: the member sessions
 * (initialized once, reused), the client's GET or legacy event stream (written to by later requests, which only an
 * object's shared I/O context allows), in-flight requests for cancellation, and members' requests relayed to the
 * client. A workspace's sessions are spread over SESSION_SHARDS GatewaySession objects by session id, so a session
 * costs a map entry there and a row in its workspace's object (workspaces/session-table.ts) — never an object (and a
 * file) of its own. The record (protocol version, capabilities, owner) is looked up by the HTTP layer (http.ts) with
 * the token check and handed over with every call, with the workspace config read for this request, so routing
 * always follows the current config. A session dropped from memory (idle, or its object evicted) loses only its
 * member sessions, which its next request opens again.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import { SESSION_SHARDS, type Member, type WorkspaceConfig } from "../../shared/gateway";
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
import type { SessionRecord } from "../workspaces/session-table";
import { EventWriter, KEEPALIVE } from "./sse";
import { Upstream } from "./upstream";

/** What the HTTP layer hands over with every call. */
export interface SessionCall {
  workspace: string;
  sessionId: string;
  /** The session's record, as its workspace's object holds it (checked to belong to this token). */
  session: SessionRecord;
  tokenHash: string;
  rev: number;
  config: WorkspaceConfig;
  /** The calling token's role, allow-list, and the workspace's switched-off tools. */
  policy: GatewayPolicy;
  /** 0 for a client's session; n for one opened by a workspace composing this one n levels up (http.ts serveComposed). */
  depth: number;
  /** Set on every answer (the token's rate budget): here, so the answer is not copied again on its way out. */
  headers: Record<string, string>;
}

export interface PostCall extends SessionCall {
  messages: JsonRpcMessage[];
  batch: boolean;
  /** The client accepts `text/event-stream` answers. */
  acceptsSse: boolean;
  /** This POST is the `initialize` that creates the session. */
  create: boolean;
}

/** Comment lines on open event streams, so proxies and clients with idle timeouts keep them. */
const KEEPALIVE_MS = 25_000;

const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", connection: "keep-alive" };

/** What clients are told when the workspace's members change: every list may read differently now. */
const LIST_CHANGED = ["notifications/tools/list_changed", "notifications/prompts/list_changed", "notifications/resources/list_changed"];

/** A session without a stream or a request in flight is dropped from memory after this long (its row stays). */
const IDLE_IN_MEMORY_MS = 10 * 60 * 1000;

/** The object hosting a session: http.ts sends its requests there, the workspace's object its change notices. */
export function sessionObject(env: PlatformEnv, workspace: string, sessionId: string): DurableObjectStub<GatewaySession> {
  // Session ids are 256 random bits in hex: their first byte spreads them evenly.
  const shard = Number.parseInt(sessionId.slice(0, 2), 16) % SESSION_SHARDS || 0;
  return env.GATEWAY_SESSION.get(env.GATEWAY_SESSION.idFromName(`${workspace}#${shard}`));
}

/** What a session needs from the object hosting it. */
interface SessionHost {
  env: PlatformEnv;
  /** `ctx.exports` of the hosting object (the bindings handed to project isolates). */
  exports: unknown;
  waitUntil(promise: Promise<unknown>): void;
}

/** Versions before 2025-06-18 allow JSON-RPC batches; later ones removed them. */
const BATCH_VERSIONS = ["2024-11-05", "2025-03-26"];

interface UpstreamEntry extends MemberEntry {
  key: string;
  slug: string;
  listening: boolean;
}

class Session {
  lastUsed = Date.now();
  /** The last record a call handed over (members' relayed requests read the client's capabilities from it). */
  private record: SessionRecord | undefined;
  private readonly upstreams = new Map<string, UpstreamEntry>();
  private readonly inflight = new Map<string, AbortController>();
  /** Members' requests sent on to the client (sampling, elicitation, roots), waiting for its answer. */
  private readonly relayed = new RelayedRequests();
  /** The client's GET stream (Streamable HTTP) or its legacy SSE stream. */
  private stream: { writer: EventWriter; abort: AbortController; legacy: boolean } | null = null;

  constructor(private readonly host: SessionHost) {}

  /** Nothing would be lost by dropping it from memory: no stream open, nothing in flight, unused for a while. */
  idle(now: number): boolean {
    return (!this.stream || this.stream.writer.closed) && this.inflight.size === 0 && now - this.lastUsed > IDLE_IN_MEMORY_MS;
  }

  /** Dropped from memory (not ended): member sessions are closed, the row stays. */
  async drop(): Promise<void> {
    const upstreams = [...this.upstreams.values()];
    this.upstreams.clear();
    await Promise.allSettled(upstreams.map((e) => e.upstream.close()));
  }

  // ---- entry points (RPC from http.ts) ------------------------------------------------------------------------

  async post(call: PostCall): Promise<Response> {
    const record = this.session(call);
    if (call.create) return this.create(call, record);
    if (record.mode !== "streamable") return httpError(404, SESSION_NOT_FOUND, "Session not found");
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
    this.host.waitUntil(
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
    const record = this.session(call);
    if (record.mode !== "streamable") return httpError(404, SESSION_NOT_FOUND, "Session not found");
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
    this.session(call);
    await this.destroy();
    return new Response(null, { status: 200 });
  }

  /** Whether the session ended (DELETE, or its legacy stream closed): its host forgets it. */
  ended = false;

  /** Legacy HTTP+SSE: the GET that opens the session's one stream, announcing where to POST. */
  async openLegacy(call: SessionCall & { endpoint: string }): Promise<Response> {
    const record = this.session(call);
    const stream = await this.openStream(record, true);
    stream.writer.send(call.endpoint, "endpoint");
    // A legacy session lives exactly as long as its stream.
    stream.writer.whenClosed(() => void this.destroy());
    return new Response(stream.writer.readable, { headers: SSE_HEADERS });
  }

  /** Legacy HTTP+SSE: a POSTed message, answered on the stream; the POST itself only gets 202. */
  async legacyPost(call: PostCall): Promise<Response> {
    let record = this.session(call);
    const stream = this.stream;
    if (record.mode !== "legacy" || !stream?.legacy || stream.writer.closed) {
      return httpError(404, SESSION_NOT_FOUND, "Session not found: its event stream is closed; connect again");
    }
    for (const message of call.messages) {
      if (isRequest(message) && message.method === "initialize") {
        const patch = {
          protocolVersion: negotiateVersion(message.params?.protocolVersion),
          clientInfo: message.params?.clientInfo ?? null,
          clientCapabilities: isObject(message.params?.capabilities) ? message.params.capabilities : {},
        };
        record = this.record = { ...record, ...patch };
        await workspaceObject(this.host.env, call.workspace).updateSession(call.sessionId, patch);
      }
    }
    const requests = this.takeRequests(call.messages, true);
    const writer = stream.writer;
    for (const r of requests) {
      this.host.waitUntil(
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

  // ---- session state --------------------------------------------------------------------------------------------

  /** The initialize that opened the session (its record is already in the workspace's object): the answer. */
  private create(call: PostCall, record: SessionRecord): Response {
    const init = call.messages[0] as JsonRpcRequest;
    this.log(call.workspace, `session started by ${clientName(record.clientInfo)} (protocol ${record.protocolVersion})`);
    const body = resultOf(init.id, initializeResult(call.workspace, call.config, record.protocolVersion));
    return Response.json(body, { headers: { "mcp-session-id": call.sessionId } });
  }

  /** The session's record as the workspace's object handed it over; member sessions of a changed config are closed. */
  private session(call: SessionCall): SessionRecord {
    // A legacy session's initialize updates the row before it is answered, so later calls carry what the client said.
    const record = (this.record = call.session);
    this.lastUsed = Date.now();
    this.prune(call);
    return record;
  }

  private async destroy(): Promise<void> {
    this.ended = true;
    const record = this.record;
    for (const controller of this.inflight.values()) controller.abort(new Error("session ended"));
    this.inflight.clear();
    this.relayed.abandon("the session ended");
    const stream = this.stream;
    this.stream = null;
    stream?.abort.abort();
    stream?.writer.close();
    if (stream && record) this.unwatch(record);
    this.record = undefined;
    await Promise.allSettled([this.drop(), ...(record ? [workspaceObject(this.host.env, record.workspace).endSession(record.sessionId)] : [])]);
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
    await workspaceObject(this.host.env, record.workspace).watch(record.sessionId);
    return stream;
  }

  private unwatch(record: SessionRecord): void {
    this.host.waitUntil(
      workspaceObject(this.host.env, record.workspace)
        .unwatch(record.sessionId)
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
    this.host.waitUntil(
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
    const needsSecrets =
      (member.kind === "proxy" && Object.values(member.headers).some((h) => "secret" in h)) || (member.kind === "hub" && member.secrets.length > 0);
    const secrets = needsSecrets ? await workspaceSecrets(this.host.env, call.workspace, call.rev) : undefined;
    // Another request may have created it while the secrets were read.
    const raced = this.upstreams.get(member.slug);
    if (raced?.key === key) return raced;
    const host: MemberHost = {
      env: this.host.env,
      exports: this.host.exports,
      waitUntil: (p) => this.host.waitUntil(p),
      composer: { workspace: call.workspace, depth: record.depth + 1, role: call.policy.role },
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
        for (const entry of this.upstreams.values()) this.host.waitUntil(entry.upstream.notify(m.method, m.params, notice));
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
      observeTools: async (slug, tools) => {
        const withheld = await workspaceObject(this.host.env, call.workspace).observeTools(slug, tools, Date.now());
        // `aerostack dev` has no admin API to accept with: the change is flagged and printed, and the tool still served.
        if (this.host.env.AEROSTACK_MODE !== "dev" || withheld.length === 0) return withheld;
        this.log(call.workspace, `⚠ ${slug}: ${withheld.join(", ")} changed since first seen (description, schema or annotations); served in aerostack dev, withheld on a platform until accepted`);
        return [];
      },
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
      errorClass: "error" in response ? errorClass(response.error.code, response.error.data) : null,
      ...(request.method === "tools/call" && request.params?.arguments !== undefined ? { arguments: JSON.stringify(request.params.arguments) } : {}),
    };
    const ws = workspaceObject(this.host.env, call.workspace);
    appendBatched(`calls:${call.workspace}`, [entry], (p) => this.host.waitUntil(p), (batch) => ws.recordCalls(batch));
  }

  /**
   * A line for the developer's terminal in `aerostack dev`. A platform prints none per request: writing one cost a
   * visible share of every call, and its call log (`aerostack logs --workspace`) already holds each call.
   */
  private log(workspace: string, line: string): void {
    if (this.host.env.AEROSTACK_MODE === "dev") console.log(`[ws/${workspace}] ${line}`);
  }
}

/** What a session host answers: a finished answer as plain data, or the Response of an event stream. */
export type Answer = Response | { status: number; headers: Record<string, string>; body: string | null };

/** The Response an Answer stands for (http.ts, on the far side of the RPC). */
export function answerResponse(answer: Answer): Response {
  return answer instanceof Response ? answer : new Response(answer.body, { status: answer.status, headers: answer.headers });
}

/**
 * One of a workspace's SESSION_SHARDS session hosts: its sessions by id, in memory only (it never touches its
 * storage). Every entry point takes the record http.ts read from the workspace's object.
 */
export class GatewaySession extends DurableObject<PlatformEnv> {
  private readonly sessions = new Map<string, Session>();
  private sweptAt = Date.now();

  private session(call: SessionCall): Session {
    this.sweep();
    let session = this.sessions.get(call.sessionId);
    if (!session || session.ended) {
      session = new Session({ env: this.env, exports: this.ctx.exports, waitUntil: (p) => this.ctx.waitUntil(p) });
      this.sessions.set(call.sessionId, session);
    }
    return session;
  }

  private async settled(call: SessionCall, answer: Promise<Response>): Promise<Answer> {
    const res = await answer;
    for (const [k, v] of Object.entries(call.headers)) res.headers.set(k, v);
    const ended = this.sessions.get(call.sessionId)?.ended;
    if (ended) this.sessions.delete(call.sessionId);
    // A finished answer crosses back as plain data: a Response with a body costs a stream across the RPC boundary.
    if (!(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
      return { status: res.status, headers: Object.fromEntries(res.headers), body: res.body ? await res.text() : null };
    }
    return res;
  }

  post(call: PostCall): Promise<Answer> {
    return this.settled(call, this.session(call).post(call));
  }

  listen(call: SessionCall): Promise<Answer> {
    return this.settled(call, this.session(call).listen(call));
  }

  terminate(call: SessionCall): Promise<Answer> {
    return this.settled(call, this.session(call).terminate(call));
  }

  openLegacy(call: SessionCall & { endpoint: string }): Promise<Answer> {
    return this.settled(call, this.session(call).openLegacy(call));
  }

  legacyPost(call: PostCall): Promise<Answer> {
    return this.settled(call, this.session(call).legacyPost(call));
  }

  /** The workspace's word that its members changed; false when this session has no stream open. */
  async membersChanged(sessionId: string): Promise<boolean> {
    return (await this.sessions.get(sessionId)?.membersChanged()) ?? false;
  }

  /** Sessions with nothing in memory worth keeping are dropped, at most once a minute. */
  private sweep(): void {
    const now = Date.now();
    if (now - this.sweptAt < 60_000) return;
    this.sweptAt = now;
    for (const [id, session] of this.sessions) {
      if (session.ended || session.idle(now)) {
        this.sessions.delete(id);
        this.ctx.waitUntil(session.drop());
      }
    }
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
function errorClass(code: number, data?: unknown): string {
  // The rug-pull guard's refusals say so in the log: an admin looks for them (tool-guard.ts).
  if (code === FORBIDDEN && isObject(data) && (data.reason === "tool_changed" || data.reason === "tool_unchecked")) return data.reason;
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
