/** Server-Sent Events: writing the gateway's streams and reading upstream ones. */

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

const encoder = new TextEncoder();

/** One event as bytes; `data` is JSON (no newlines), so one `data:` line carries it. */
export function encodeEvent(data: string, event?: string): Uint8Array {
  return encoder.encode(`${event ? `event: ${event}\n` : ""}data: ${data}\n\n`);
}

export const KEEPALIVE = encoder.encode(": keepalive\n\n");

/**
 * A stream the gateway writes events into and hands to the client as a response body. Writes after the client went
 * away are dropped (and flip `closed`), so producers need not care.
 */
export class EventWriter {
  readonly readable: ReadableStream<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  closed = false;
  private readonly onClose: (() => void)[] = [];

  constructor() {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    this.readable = readable;
    this.writer = writable.getWriter();
    this.writer.closed.then(
      () => this.markClosed(),
      () => this.markClosed(),
    );
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.onClose.splice(0)) fn();
  }

  /** Runs when the stream ends, by `close()` or because the client disconnected. */
  whenClosed(fn: () => void): void {
    if (this.closed) fn();
    else this.onClose.push(fn);
  }

  write(chunk: Uint8Array): void {
    if (this.closed) return;
    this.writer.write(chunk).catch(() => this.markClosed());
  }

  send(message: unknown, event?: string): void {
    this.write(encodeEvent(typeof message === "string" ? message : JSON.stringify(message), event));
  }

  close(): void {
    if (this.closed) return;
    this.writer.close().catch(() => {});
    this.markClosed();
  }
}

/**
 * Reads a `text/event-stream` body event by event (comments skipped; `id` is the last one seen, as EventSource keeps
 * it). Aborting `signal` cancels the body and makes the reader throw the signal's reason.
 */
export async function* readEvents(body: ReadableStream<Uint8Array>, signal?: AbortSignal): AsyncGenerator<SseEvent> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort);
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let id: string | undefined;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (signal?.aborted) throw signal.reason;
      if (done) break;
      buffer += value;
      let nl: number;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer[nl] === "\r" && buffer[nl + 1] === "\n" ? 2 : 1));
        if (line === "") {
          if (data.length > 0) yield { event: event || "message", data: data.join("\n"), ...(id !== undefined ? { id } : {}) };
          event = "";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "data") data.push(val);
        else if (field === "event") event = val;
        else if (field === "id") id = val;
      }
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    reader.cancel().catch(() => {});
  }
}
