/**
 * The gateway's client side: one MCP session with one member, over Streamable HTTP, hand-written and lean (no SDK
 * objects on the hot path). Initialized once per member per gateway session; `Mcp-Session-Id` reused; a 404 on a
 * session (expired, or the member restarted) re-initializes once and retries.
 */
import { INTERNAL_ERROR, isObject, type JsonObject, type JsonRpcId, type JsonRpcMessage } from "./jsonrpc";
import { readEvents } from "../sse/read-events";
import { NO_REDACTION, type Redactor } from "./redact";
import type { Relay } from "./relay";

/** Sends one HTTP request to the member (its URL and configured headers are the transport's business). */
export type MemberFetch = (method: "GET" | "POST" | "DELETE", headers: Headers, body: string | undefined, signal: AbortSignal) => Promise<Response>;

/** A deadline for one piece of work on a member: the signal to pass on, and how to describe it when it fires. */
export interface Budget {
  signal: AbortSignal;
  timeoutMs: number;
}

/** The member could not be reached or did not answer properly. The message is composed here and safe to show. */
export class MemberError extends Error {}

/** The member answered with a JSON-RPC error: its code, message and data, to be passed on naming the member. */
export class UpstreamRpcError extends Error {
  constructor(readonly code: number, message: string, readonly data: unknown) {
    super(message);
  }
}

export const GATEWAY_CLIENT_INFO = { name: "aerostack-gateway", version: "0.1.0" };

/** How many times one request follows a stream that closed before answering (SSE resumption with Last-Event-ID). */
const MAX_RESUMES = 3;
/** How long telling a member that a request was cancelled may take. */
const CANCEL_NOTICE_MS = 2000;
/** Upstream error bodies quoted in messages are cut to this. */
const SNIPPET = 200;

export function describeFailure(err: unknown, budget: Budget): MemberError | UpstreamRpcError {
  if (err instanceof MemberError || err instanceof UpstreamRpcError) return err;
  if (budget.signal.aborted) {
    const reason = budget.signal.reason as { name?: string } | undefined;
    if (reason?.name === "TimeoutError") return new MemberError(`did not answer within ${budget.timeoutMs} ms`);
    return new MemberError("the request was cancelled");
  }
  const message = err instanceof Error ? err.message : String(err);
  return new MemberError(`could not be reached (${message})`);
}

export interface UpstreamOptions {
  slug: string;
  fetch: MemberFetch;
  /** The protocol version the gateway's client negotiated; offered to the member first. */
  protocolVersion: string;
  /** The capabilities the gateway declares to the member: those of its client it can relay (relay.ts). */
  clientCapabilities?: JsonObject;
  /** Called each time the member's session is (re)initialized. */
  onReady?: () => void;
  /**
   * Applied to everything read from the member once parsed (and to error pages as text): a member that echoes the
   * credentials it was sent, in any JSON encoding, must not hand them to the gateway's client.
   */
  redact?: Redactor;
}

export class Upstream {
  private sessionId: string | undefined;
  private protocolVersion: string;
  private negotiated = false;
  private ready: Promise<void> | undefined;
  private nextId = 0;
  /** What the member said it can do at initialize; list fan-outs skip members without the capability. */
  capabilities: JsonObject = {};

  private readonly redact: Redactor;

  constructor(private readonly options: UpstreamOptions) {
    this.protocolVersion = options.protocolVersion;
    this.redact = options.redact ?? NO_REDACTION;
  }

  get slug(): string {
    return this.options.slug;
  }

  /** Whether initializing has started (or finished): the next request needs no budget of its own for it. */
  get initialized(): boolean {
    return this.ready !== undefined;
  }

  /** Initializes the session once; concurrent callers share the attempt, a failed attempt is retried by the next. */
  ensureReady(budget: Budget): Promise<void> {
    this.ready ??= this.initialize(budget).catch((err: unknown) => {
      this.ready = undefined;
      throw describeFailure(err, budget);
    });
    return this.ready;
  }

  private async initialize(budget: Budget): Promise<void> {
    this.sessionId = undefined;
    this.negotiated = false;
    const id = `init-${++this.nextId}`;
    const res = await this.send(
      "POST",
      { jsonrpc: "2.0", id, method: "initialize", params: { protocolVersion: this.protocolVersion, capabilities: this.options.clientCapabilities ?? {}, clientInfo: GATEWAY_CLIENT_INFO } },
      budget,
    );
    const sessionId = res.headers.get("mcp-session-id");
    const result = await this.readResult(res, id, budget, () => {});
    if (!isObject(result) || typeof result.protocolVersion !== "string") throw new MemberError("answered initialize without a protocolVersion");
    if (sessionId) this.sessionId = sessionId;
    this.protocolVersion = result.protocolVersion;
    this.negotiated = true;
    this.capabilities = isObject(result.capabilities) ? result.capabilities : {};
    const ack = await this.send("POST", { jsonrpc: "2.0", method: "notifications/initialized" }, budget);
    await ack.body?.cancel();
    this.options.onReady?.();
  }

  /**
   * Sends a request and resolves with its result. `onMessage` receives what the member sends on the way
   * (progress, log messages); its requests of the client go to `relay` (answered "not relayed" without one).
   */
  async request(
    method: string,
    params: JsonObject | undefined,
    budget: Budget,
    onMessage: (m: JsonRpcMessage) => void = () => {},
    relay?: Relay,
  ): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      await this.ensureReady(budget);
      const session = this.sessionId;
      const id = ++this.nextId;
      try {
        const res = await this.send("POST", { jsonrpc: "2.0", id, method, ...(params ? { params } : {}) }, budget);
        if (res.status === 404 && session !== undefined && attempt === 0) {
          // Session expired upstream (or the member restarted): initialize again, then retry once.
          await res.body?.cancel();
          if (this.sessionId === session) this.ready = undefined;
          continue;
        }
        return await this.readResult(res, id, budget, onMessage, relay);
      } catch (err) {
        const failure = describeFailure(err, budget);
        // Timed out or cancelled by the client: the member may still be working on it, so tell it to stop.
        if (budget.signal.aborted && method !== "initialize") {
          const stop = { signal: AbortSignal.timeout(CANCEL_NOTICE_MS), timeoutMs: CANCEL_NOTICE_MS };
          void this.notify("notifications/cancelled", { requestId: id, reason: failure.message }, stop);
        }
        throw failure;
      }
    }
  }

  async notify(method: string, params: JsonObject | undefined, budget: Budget): Promise<void> {
    if (!this.ready) return;
    try {
      const res = await this.send("POST", { jsonrpc: "2.0", method, ...(params ? { params } : {}) }, budget);
      await res.body?.cancel();
    } catch {
      // Best effort: a notification has no answer to wait for.
    }
  }

  /**
   * Opens the member's GET stream (server-initiated messages) and feeds it to `onMessage` until `signal` aborts or
   * the member closes it. Members that offer none (405) are fine.
   */
  async listen(onMessage: (m: JsonRpcMessage) => void, signal: AbortSignal, relay?: Relay): Promise<void> {
    if (!this.ready || !this.sessionId) return;
    const budget = { signal, timeoutMs: 0 };
    let res: Response;
    try {
      res = await this.send("GET", undefined, budget);
    } catch {
      return;
    }
    if (!res.ok || !(res.headers.get("content-type") ?? "").includes("text/event-stream") || !res.body) {
      await res.body?.cancel();
      return;
    }
    try {
      for await (const event of readEvents(res.body, { signal })) this.dispatchEvent(event.data, undefined, budget, onMessage, relay);
    } catch {
      // Closed by us (signal) or dropped by the member: either way the listener ends.
    }
  }

  /** Ends the member's session (DELETE), best effort and briefly: used when the gateway session ends. */
  async close(): Promise<void> {
    const session = this.sessionId;
    this.ready = undefined;
    this.sessionId = undefined;
    if (!session) return;
    try {
      const headers = this.headers();
      headers.set("mcp-session-id", session);
      const res = await this.options.fetch("DELETE", headers, undefined, AbortSignal.timeout(2000));
      await res.body?.cancel();
    } catch {
      // The member may be gone already.
    }
  }

  private headers(): Headers {
    const headers = new Headers({ accept: "application/json, text/event-stream" });
    if (this.sessionId) headers.set("mcp-session-id", this.sessionId);
    if (this.negotiated) headers.set("mcp-protocol-version", this.protocolVersion);
    return headers;
  }

  private async send(method: "GET" | "POST", message: JsonObject | undefined, budget: Budget, lastEventId?: string): Promise<Response> {
    const headers = this.headers();
    if (method === "GET") headers.set("accept", "text/event-stream");
    if (message) headers.set("content-type", "application/json");
    if (lastEventId) headers.set("last-event-id", lastEventId);
    return this.options.fetch(method, headers, message ? JSON.stringify(message) : undefined, budget.signal);
  }

  /** Reads the answer to request `id` from a JSON or SSE response; resumes a stream that closed early. */
  private async readResult(res: Response, id: JsonRpcId, budget: Budget, onMessage: (m: JsonRpcMessage) => void, relay?: Relay): Promise<unknown> {
    for (let resumes = 0; ; resumes++) {
      if (!res.ok) {
        const text = this.redactBody(await res.text().catch(() => ""));
        const snippet = text.trim().replace(/\s+/g, " ").slice(0, SNIPPET);
        throw new MemberError(`answered HTTP ${res.status}${snippet ? `: ${snippet}` : ""}`);
      }
      const type = (res.headers.get("content-type") ?? "").toLowerCase();
      if (type.includes("application/json")) {
        let parsed: unknown;
        try {
          parsed = this.redact.value(JSON.parse(await res.text()));
        } catch {
          throw new MemberError("answered with invalid JSON");
        }
        for (const m of Array.isArray(parsed) ? parsed : [parsed]) {
          if (isObject(m) && m.id === id && !("method" in m)) return this.unwrap(m);
        }
        throw new MemberError("answered without a response to the request");
      }
      if (!type.includes("text/event-stream") || !res.body) {
        await res.body?.cancel();
        throw new MemberError(`answered with content type ${JSON.stringify(type || "none")}, not JSON or an event stream`);
      }
      let lastId: string | undefined;
      for await (const event of readEvents(res.body, { signal: budget.signal })) {
        if (event.id) lastId = event.id;
        const answer = this.dispatchEvent(event.data, id, budget, onMessage, relay);
        if (answer !== undefined) return this.unwrap(answer);
      }
      // The stream ended without the answer. A member that gave event ids expects the client to resume with GET.
      if (lastId === undefined || resumes >= MAX_RESUMES) throw new MemberError("closed its event stream without answering");
      res = await this.send("GET", undefined, budget, lastId);
    }
  }

  /** Handles one event's message; returns it when it is the response to `id`. */
  private dispatchEvent(data: string, id: JsonRpcId | undefined, budget: Budget, onMessage: (m: JsonRpcMessage) => void, relay?: Relay): JsonObject | undefined {
    if (!data) return undefined;
    let message: unknown;
    try {
      message = this.redact.value(JSON.parse(data));
    } catch {
      return undefined;
    }
    if (!isObject(message) || message.jsonrpc !== "2.0") return undefined;
    if (typeof message.method === "string") {
      if ("id" in message) void this.answerServerRequest(message, budget, relay);
      else onMessage(message as unknown as JsonRpcMessage);
      return undefined;
    }
    return id !== undefined && message.id === id ? message : undefined;
  }

  /** Answers ping itself; sampling, elicitation and roots requests go to the client through `relay`, the answer back here. */
  private async answerServerRequest(message: JsonObject, budget: Budget, relay: Relay | undefined): Promise<void> {
    const body =
      message.method === "ping"
        ? { result: {} }
        : relay
          ? await relay(message)
          : { error: { code: -32601, message: `the Aerostack gateway cannot relay ${String(message.method)} outside a request the client is waiting on` } };
    const reply = { jsonrpc: "2.0", id: message.id, ...body };
    try {
      const res = await this.send("POST", reply, budget);
      await res.body?.cancel();
    } catch {
      // The request it answered has failed or finished; nothing else to do.
    }
  }

  /** An error page as text: JSON bodies are redacted parsed (escapes decoded), anything else as written. */
  private redactBody(text: string): string {
    try {
      return JSON.stringify(this.redact.value(JSON.parse(text)));
    } catch {
      return this.redact.text(text);
    }
  }

  private unwrap(message: JsonObject): unknown {
    if (isObject(message.error)) {
      const code = typeof message.error.code === "number" ? message.error.code : INTERNAL_ERROR;
      const text = typeof message.error.message === "string" ? message.error.message : "error";
      throw new UpstreamRpcError(code, text, message.error.data);
    }
    return message.result;
  }
}
