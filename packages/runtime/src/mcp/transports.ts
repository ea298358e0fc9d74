/** The two session transports: the SDK's Streamable HTTP one, re-routed to the session's stream, and legacy SSE's. */
import {
  WebStandardStreamableHTTPServerTransport,
  type WebStandardStreamableHTTPServerTransportOptions,
} from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { Transport, TransportSendOptions } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { INVALID_PARAMS, invalidParams, jsonRpcErrorBody } from "./jsonrpc";

const isResponse = (m: JSONRPCMessage): m is JSONRPCMessage & { id: RequestId } => !("method" in m) && "id" in m;
const isRequest = (m: JSONRPCMessage): m is JSONRPCMessage & { id: RequestId; method: string } => "method" in m && "id" in m;

/** The id of the `initialize` a session is rebuilt with: its answer goes nowhere. */
export const REPLAY_ID = "aerostack-replay";

/**
 * The SDK's transport, except that messages not tied to a request (list_changed, sampling requests) go to the
 * session's outbox: its GET stream belongs to another request, which the SDK's own stream could not be written
 * from (see Session.openStream).
 */
export class StreamableTransport extends WebStandardStreamableHTTPServerTransport {
  constructor(
    private readonly toStream: (message: JSONRPCMessage) => void,
    options: WebStandardStreamableHTTPServerTransportOptions,
  ) {
    super(options);
  }

  override async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const related = isResponse(message) ? message.id : options?.relatedRequestId;
    if (related === undefined) {
      this.toStream(message);
      return;
    }
    return super.send(message, options);
  }
}

/**
 * Legacy HTTP+SSE: every server message goes to the session's stream. `receive` resolves when the server has
 * answered the requests it was given, so the POST that carried them keeps its request alive until then.
 */
export class LegacySseTransport implements Transport {
  onmessage?: Transport["onmessage"];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private readonly waiting = new Map<RequestId, () => void>();

  constructor(
    readonly sessionId: string,
    private readonly toStream: (message: JSONRPCMessage) => void,
  ) {}

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    if (isResponse(message)) {
      this.waiting.get(message.id)?.();
      this.waiting.delete(message.id);
      if (message.id === REPLAY_ID) return;
    }
    this.toStream(message);
  }

  receive(messages: JSONRPCMessage[]): Promise<void> {
    const answered: Promise<void>[] = [];
    for (const message of messages) {
      if (isRequest(message)) answered.push(new Promise<void>((resolve) => this.waiting.set(message.id, resolve)));
      this.onmessage?.(message);
    }
    return Promise.all(answered).then(() => {});
  }

  async close(): Promise<void> {
    for (const done of this.waiting.values()) done();
    this.waiting.clear();
    this.onclose?.();
  }
}

/**
 * Answers requests whose params do not fit their method with -32602 before the server sees them (the SDK would
 * answer -32603, internal error). Installed after `server.connect`, which sets the transport's `onmessage`.
 */
export function guardParams(transport: Transport): void {
  const deliver = transport.onmessage;
  if (!deliver) return;
  transport.onmessage = (message, extra) => {
    const reason = invalidParams(message);
    if (reason && isRequest(message)) {
      transport.send(jsonRpcErrorBody(INVALID_PARAMS, reason, message.id) as JSONRPCMessage).catch((err: unknown) => transport.onerror?.(err as Error));
      return;
    }
    deliver.call(transport, message, extra);
  };
}
