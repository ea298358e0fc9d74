/** Reads a JSON request body within a size limit and validates it against its zod schema. */
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
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await drain(request, maxBytes);
    throw new HttpError("payload_too_large", `the request body is ${declared} bytes; the limit is ${maxBytes} bytes`);
  }
  const text = await readText(request, maxBytes);
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

async function readText(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Keep reading (and dropping) so the connection stays usable; the answer is still 413.
      await drainReader(reader);
      throw new HttpError("payload_too_large", `the request body is over the limit of ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return new Blob(chunks).text();
}

/** Reads and drops a body nobody will use; one far over the limit is cancelled instead (the connection then closes). */
export async function drain(request: Request, maxBytes = 64 * 1024 * 1024): Promise<void> {
  if (!request.body || request.bodyUsed) return;
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes * 4) {
    await request.body.cancel().catch(() => {});
    return;
  }
  await drainReader(request.body.getReader());
}

async function drainReader(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    for (;;) if ((await reader.read()).done) return;
  } catch {
    // The client went away.
  }
}
