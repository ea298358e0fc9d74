/** Reading request bodies within limits: as text, as JSON validated against its zod schema, or drained unread. */
import type * as z from "zod/mini";
import { HttpError } from "./http-error";

/**
 * Reads at most `maxBytes` (a declared Content-Length over it is refused before reading). The body is always read
 * or cancelled, never left half-read: a rejected request must not break the client's kept-alive connection.
 */
export async function readJsonBody<S extends z.ZodMiniType>(request: Request, schema: S, maxBytes: number): Promise<z.output<S>> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    await drain(request, maxBytes);
    throw new HttpError("unsupported_media_type", `send the body as JSON with Content-Type: application/json (got ${JSON.stringify(type.slice(0, 80) || "none")})`);
  }
  const text = await readBodyText(request, maxBytes);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new HttpError("bad_json", "the request body is not valid JSON");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    // A bad record key reports "Invalid input" with the reason nested one level down.
    const nested = first && "issues" in first ? (first.issues as { message: string }[] | undefined)?.[0]?.message : undefined;
    throw new HttpError("invalid_body", `${first?.path.join(".") || "body"}: ${nested ?? first?.message ?? "invalid"}`);
  }
  return parsed.data;
}

/** A body this many times over its limit is cut off instead of read to the end (the connection then closes): an abuse guard. */
const CUT_OFF_FACTOR = 4;

/**
 * The body as text, at most `maxBytes` (a declared Content-Length over it is refused before reading). Over the limit
 * the rest is still read and dropped, up to the cut-off, so the client reads the 413 instead of a reset connection.
 */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await drain(request, maxBytes);
    throw new HttpError("payload_too_large", `the request body is ${declared} bytes; the limit is ${maxBytes} bytes`);
  }
  if (!request.body) return "";
  // The runtime stops a body at its declared length: no need to count chunks.
  if (Number.isFinite(declared)) return request.text();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await dropRest(reader, maxBytes * CUT_OFF_FACTOR - total);
      throw new HttpError("payload_too_large", `the request body is over the limit of ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return new Blob(chunks).text();
}

/**
 * Reads and drops a body nobody will use (http/middleware.ts does, for every request it answers); one past the cut-off
 * for `maxBytes` is cancelled instead (the connection then closes).
 */
export async function drain(request: Request, maxBytes = 64 * 1024 * 1024): Promise<void> {
  if (!request.body || request.bodyUsed) return;
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes * CUT_OFF_FACTOR) {
    await request.body.cancel().catch(() => {});
    return;
  }
  await dropRest(request.body.getReader(), maxBytes * CUT_OFF_FACTOR);
}

/** Reads and drops up to `budget` more bytes; a body longer than that is cancelled. */
async function dropRest(reader: ReadableStreamDefaultReader<Uint8Array>, budget: number): Promise<void> {
  let left = budget;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      left -= value.byteLength;
      if (left < 0) {
        await reader.cancel().catch(() => {});
        return;
      }
    }
  } catch {
    // The client went away.
  }
}
