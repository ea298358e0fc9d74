/** readEvents against the WHATWG event-stream rules: every line ending, chunks cut anywhere, comments, ids. */
import { describe, expect, it } from "vitest";
import { readEvents, type SseEvent } from "./read-events";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
    },
  });
}

async function read(chunks: string[], flushAtEnd = false): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const e of readEvents(streamOf(chunks), { flushAtEnd })) events.push(e);
  return events;
}

const TEXT = ": comment\nevent: message\nid: 7\ndata: {\"a\":1}\ndata: second line\n\ndata: two\n\n";
const EXPECTED: SseEvent[] = [
  { event: "message", data: '{"a":1}\nsecond line', id: "7" },
  { event: "message", data: "two", id: "7" },
];

describe("readEvents", () => {
  it("reads events whatever the line endings: \\n, \\r\\n and \\r", async () => {
    expect(await read([TEXT])).toEqual(EXPECTED);
    expect(await read([TEXT.replace(/\n/g, "\r\n")])).toEqual(EXPECTED);
    expect(await read([TEXT.replace(/\n/g, "\r")])).toEqual(EXPECTED);
  });

  it("reads the same events when the stream is cut at every position, \\r\\n split across chunks included", async () => {
    const crlf = TEXT.replace(/\n/g, "\r\n");
    for (const text of [TEXT, crlf]) {
      for (let i = 1; i < text.length; i++) expect(await read([text.slice(0, i), text.slice(i)]), `cut at ${i}`).toEqual(EXPECTED);
    }
    expect(await read([...crlf])).toEqual(EXPECTED);
  });

  it("drops an event the stream ends in the middle of, unless asked to flush it", async () => {
    expect(await read(["data: done\n\ndata: cut"])).toEqual([{ event: "message", data: "done" }]);
    expect(await read(["data: done\n\ndata: cut"], true)).toEqual([
      { event: "message", data: "done" },
      { event: "message", data: "cut" },
    ]);
  });
});
