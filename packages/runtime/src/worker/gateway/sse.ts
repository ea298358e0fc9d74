/** Server-Sent Events: writing the gateway's streams (reading upstream ones: worker/sse/read-events.ts). */

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
