/** Reading a `text/event-stream` body (the WHATWG format) event by event: LLM provider streams and MCP members alike. */

export interface SseEvent {
  /** `message` when the event names none. */
  event: string;
  data: string;
  /** The last `id:` seen so far, as EventSource keeps it (for resuming with Last-Event-ID). */
  id?: string;
}

export interface ReadEventsOptions {
  /** Aborting cancels the body and makes the reader throw the signal's reason. */
  signal?: AbortSignal;
  /** Called on every chunk read, e.g. to push an idle timeout back. */
  onChunk?: () => void;
  /**
   * Dispatch an event the body ends in the middle of (no closing blank line). The format says to drop it; some LLM
   * providers end their stream that way, while a member's cut-off MCP message is better dropped.
   */
  flushAtEnd?: boolean;
}

export async function* readEvents(body: ReadableStream<Uint8Array>, options: ReadEventsOptions = {}): AsyncGenerator<SseEvent> {
  const { signal, onChunk, flushAtEnd = false } = options;
  const reader = body.getReader();
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener("abort", onAbort);
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "";
  let data: string[] = [];
  let id: string | undefined;
  const line = function* (text: string): Generator<SseEvent> {
    if (text === "") {
      if (data.length > 0) yield { event: event || "message", data: data.join("\n"), ...(id !== undefined ? { id } : {}) };
      event = "";
      data = [];
      return;
    }
    if (text.startsWith(":")) return;
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (signal?.aborted) throw signal.reason;
      if (done) break;
      onChunk?.();
      buffer += decoder.decode(value, { stream: true });
      // Lines end in \r\n, \n or \r; scanned with indexOf (a regex per line was a visible share of a gateway call).
      let start = 0;
      // Where the next \r is: looked for again only once passed, so a stream without any is scanned once.
      let cr = buffer.indexOf("\r");
      for (;;) {
        if (cr >= 0 && cr < start) cr = buffer.indexOf("\r", start);
        const lf = buffer.indexOf("\n", start);
        if (lf < 0 && cr < 0) break;
        const end = cr < 0 || (lf >= 0 && lf < cr) ? lf : cr;
        // A lone \r at the end may be the first half of \r\n: wait for the next chunk.
        if (end === cr && cr === buffer.length - 1) break;
        const next = end === cr && buffer.charCodeAt(cr + 1) === 10 ? cr + 2 : end + 1;
        yield* line(buffer.slice(start, end));
        start = next;
      }
      if (start > 0) buffer = buffer.slice(start);
    }
    // A \r held back for a \n that never came ended its line.
    if (buffer.endsWith("\r")) {
      yield* line(buffer.slice(0, -1));
      buffer = "";
    }
    if (flushAtEnd) {
      buffer += decoder.decode();
      if (buffer !== "") yield* line(buffer.replace(/\r$/, ""));
      yield* line("");
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
    reader.cancel().catch(() => {});
  }
}
