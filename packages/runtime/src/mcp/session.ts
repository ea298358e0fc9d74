/**
 * One MCP session in the isolate: its server (built once, reused by every request of the session), the messages
 * waiting for its server-to-client stream, and the state the platform keeps so another isolate can rebuild it.
 */
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

/** What `serveMcp`'s factory returns: the SDK's `McpServer`, or its low-level `Server`. */
export interface McpServerLike {
  connect(transport: Transport): Promise<void>;
  close(): Promise<void>;
}

interface LowLevelServer {
  getCapabilities?(): Record<string, { listChanged?: boolean } | undefined>;
}

export type SessionKind = "streamable" | "sse";

/** The client's `initialize` params: replayed to rebuild the session in another isolate. */
export interface InitParams {
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  clientInfo: { name: string; version: string; [key: string]: unknown };
}

export interface SessionState {
  v: 1;
  kind: SessionKind;
  init?: InitParams;
}

/** Fast while a client is active (a legacy SSE response waits on this), slower when idle. */
const MIN_POLL_MS = 2;
const MAX_POLL_MS = 64;
const KEEPALIVE_MS = 15_000;
/** Keeps the state header small; a client's self-description beyond this is dropped, not its session. */
const MAX_STATE_CHARS = 4096;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function base64url(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(value: string): string {
  const binary = atob(value.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

export function encodeState(state: SessionState): string {
  const full = base64url(JSON.stringify(state));
  if (full.length <= MAX_STATE_CHARS || !state.init) return full;
  const { name, version } = state.init.clientInfo;
  return base64url(JSON.stringify({ ...state, init: { protocolVersion: state.init.protocolVersion, capabilities: {}, clientInfo: { name, version } } }));
}

export function decodeState(value: string | null): SessionState | undefined {
  if (!value) return undefined;
  try {
    const state = JSON.parse(fromBase64url(value)) as SessionState;
    if (state.v !== 1 || (state.kind !== "streamable" && state.kind !== "sse")) return undefined;
    return state;
  } catch {
    return undefined;
  }
}

export const sseEvent = (message: JSONRPCMessage): string => `event: message\ndata: ${JSON.stringify(message)}\n\n`;

export const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
} as const;

/** A session's transport as the session sees it: the SDK's for Streamable HTTP, ours for legacy SSE. */
export interface SessionTransport extends Transport {
  close(): Promise<void>;
}

export class Session<T extends SessionTransport = SessionTransport> {
  /** Server-to-client messages for the session's stream (GET /mcp or GET /sse). */
  readonly outbox: JSONRPCMessage[] = [];
  init: InitParams | undefined;
  lastUsed = Date.now();
  closed = false;
  /** Bumped on every client request: the stream polls fast while one is in flight. */
  private activity = 0;
  /** The open stream's generation: a newer stream replaces an older one, which then ends. */
  private streamGeneration = 0;
  private streamIsOpen = false;
  /** Called when the client goes away from the stream (legacy SSE: that ends the session). */
  onStreamClosed: (() => void) | undefined;

  constructor(
    readonly id: string,
    readonly kind: SessionKind,
    readonly server: McpServerLike,
    readonly transport: T,
  ) {}

  touch(): void {
    this.activity++;
    this.lastUsed = Date.now();
  }

  /** The version the server answered `initialize` with: the client's when supported, else the SDK's latest. */
  get protocolVersion(): string | undefined {
    const asked = this.init?.protocolVersion;
    if (asked === undefined) return undefined;
    return SUPPORTED_PROTOCOL_VERSIONS.includes(asked) ? asked : LATEST_PROTOCOL_VERSION;
  }

  get streamOpen(): boolean {
    return this.streamIsOpen;
  }

  state(): string {
    return encodeState({ v: 1, kind: this.kind, ...(this.init ? { init: this.init } : {}) });
  }

  queue(message: JSONRPCMessage): void {
    if (this.closed) return;
    this.outbox.push(message);
    this.touch();
  }

  /** Queues `notifications/*\/list_changed` for every list the server declares as changeable. */
  announceListsChanged(): void {
    const low = ("server" in this.server ? (this.server as { server: LowLevelServer }).server : this.server) as LowLevelServer;
    const caps = low.getCapabilities?.() ?? {};
    for (const list of ["tools", "prompts", "resources"] as const) {
      if (caps[list]?.listChanged) this.queue({ jsonrpc: "2.0", method: `notifications/${list}/list_changed` });
    }
  }

  /**
   * The server-to-client SSE stream. workerd lets only the request that created a stream write to it, while
   * messages for it come from other requests (a legacy SSE POST, a tool that announces a change): so the stream
   * pulls them from the outbox on its own request's timers rather than being written to directly.
   */
  openStream(prelude = ""): ReadableStream<Uint8Array> {
    const generation = ++this.streamGeneration;
    this.streamIsOpen = true;
    const encoder = new TextEncoder();
    let delay = MIN_POLL_MS;
    let seen = this.activity;
    let lastWrite = Date.now();
    return new ReadableStream<Uint8Array>(
      {
        start(controller) {
          if (prelude) controller.enqueue(encoder.encode(prelude));
        },
        pull: async (controller) => {
          for (;;) {
            // Closed, or replaced by a newer stream of the same session: end this one.
            if (this.closed || generation !== this.streamGeneration) {
              if (generation === this.streamGeneration) this.streamIsOpen = false;
              controller.close();
              return;
            }
            if (this.outbox.length > 0) {
              controller.enqueue(encoder.encode(this.outbox.splice(0).map(sseEvent).join("")));
              lastWrite = Date.now();
              delay = MIN_POLL_MS;
              return;
            }
            if (Date.now() - lastWrite >= KEEPALIVE_MS) {
              controller.enqueue(encoder.encode(": keepalive\n\n"));
              lastWrite = Date.now();
              return;
            }
            await sleep(delay);
            if (this.activity !== seen) {
              seen = this.activity;
              delay = MIN_POLL_MS;
            } else delay = Math.min(delay * 2, MAX_POLL_MS);
          }
        },
        cancel: () => {
          if (generation !== this.streamGeneration) return;
          this.streamIsOpen = false;
          this.onStreamClosed?.();
        },
      },
      { highWaterMark: 0 },
    );
  }

  /** Ends the session: its stream closes on its next poll, and the server (and so its transport) is closed. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.server.close().catch(() => {});
    await this.transport.close().catch(() => {});
  }
}
