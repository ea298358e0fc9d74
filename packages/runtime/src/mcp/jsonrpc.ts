/**
 * Reading and checking JSON-RPC bodies before the SDK sees them, so every malformed message gets the error code
 * JSON-RPC 2.0 defines (the SDK answers -32700 for a well-formed body that is not JSON-RPC, and -32603 for
 * invalid params) and the server keeps serving.
 */
import { ClientRequestSchema, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { INVALID_REQUEST, MAX_BATCH, PARSE_ERROR, sharedRequestId } from "../shared/jsonrpc";

export { INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, SERVER_ERROR, SESSION_NOT_FOUND } from "../shared/jsonrpc";

export type JsonRpcId = string | number | null;

export function jsonRpcErrorBody(code: number, message: string, id: JsonRpcId = null, data?: unknown) {
  return { jsonrpc: "2.0" as const, id, error: data === undefined ? { code, message } : { code, message, data } };
}

export function jsonRpcErrorResponse(status: number, code: number, message: string, options: { id?: JsonRpcId; headers?: HeadersInit; data?: unknown } = {}): Response {
  const headers = new Headers(options.headers);
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(jsonRpcErrorBody(code, message, options.id ?? null, options.data)), { status, headers });
}

export type ReadOutcome =
  | { ok: true; messages: JSONRPCMessage[]; batch: boolean }
  | { ok: false; response: Response };

/**
 * A body over the limit is still read (and dropped) up to this many times the limit before the 413: answering
 * while the client is still uploading makes workerd close the connection under it, and the client sees a reset
 * instead of the answer. Beyond that the read is cut off (a reset then), so a huge upload costs us nothing more.
 */
const DRAIN_FACTOR = 4;

/** A body: its text, too large (null), or unreadable (an Error: a broken chunked encoding, the client gone). */
async function readLimited(request: Request, maxBytes: number): Promise<string | null | Error> {
  if (!request.body) return "";
  const drainLimit = maxBytes * DRAIN_FACTOR;
  const declared = Number(request.headers.get("content-length") ?? NaN);
  const reader = request.body.getReader();
  if (Number.isFinite(declared) && declared > drainLimit) {
    await reader.cancel().catch(() => {});
    return null;
  }
  const decoder = new TextDecoder();
  let text = "";
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > drainLimit) {
        await reader.cancel().catch(() => {});
        return null;
      }
      if (size <= maxBytes) text += decoder.decode(value, { stream: true });
    }
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
  return size > maxBytes ? null : text + decoder.decode();
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const validId = (v: unknown): v is string | number => typeof v === "string" || (typeof v === "number" && Number.isFinite(v));

/** Request schemas by method, from the SDK's own definitions of what a client may send. */
let requestSchemas: Map<string, (typeof ClientRequestSchema.options)[number]> | undefined;
function schemaFor(method: string) {
  requestSchemas ??= new Map(ClientRequestSchema.options.map((s) => [s.shape.method.value as string, s]));
  return requestSchemas.get(method);
}

/** Why a message is not a JSON-RPC 2.0 request, notification or response; undefined when it is one. */
export function invalidReason(message: unknown): string | undefined {
  if (!isObject(message)) return "a JSON-RPC message must be an object";
  if (message.jsonrpc !== "2.0") return `"jsonrpc" must be "2.0"`;
  if ("method" in message) {
    if (typeof message.method !== "string" || message.method === "") return `"method" must be a non-empty string`;
    if ("id" in message && !validId(message.id)) return `"id" must be a string or a number`;
    if ("params" in message && message.params !== undefined && !isObject(message.params)) return `"params" must be an object`;
    return undefined;
  }
  if (!("id" in message)) return `a message needs "method" (request or notification) or "id" (response)`;
  if (!validId(message.id)) return `"id" must be a string or a number`;
  const hasResult = "result" in message;
  const hasError = "error" in message;
  if (hasResult === hasError) return `a response needs exactly one of "result" and "error"`;
  if (hasError && (!isObject(message.error) || typeof message.error.code !== "number" || typeof message.error.message !== "string")) {
    return `"error" must be an object with a numeric "code" and a string "message"`;
  }
  return undefined;
}

/**
 * Why a request's or notification's `params._meta` is not what MCP defines for every method (an object, "General
 * fields: _meta"); undefined when it is one or absent. The SDK would refuse the whole body as -32700, which it is not.
 */
export function invalidMeta(message: JSONRPCMessage): string | undefined {
  if (!("method" in message) || !isObject(message.params) || !("_meta" in message.params)) return undefined;
  return isObject(message.params._meta) ? undefined : `Invalid params for ${message.method}: _meta must be an object`;
}

/** Why a request's params do not fit its (known) method; undefined when they do or the method is not a known one. */
export function invalidParams(message: JSONRPCMessage): string | undefined {
  if (!("method" in message) || !("id" in message)) return undefined;
  const meta = invalidMeta(message);
  if (meta) return meta;
  const schema = schemaFor(message.method);
  if (!schema) return undefined;
  const parsed = schema.safeParse(message);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  const path = issue?.path.filter((p) => p !== "params").join(".");
  return `Invalid params for ${message.method}: ${path ? `${path}: ` : ""}${issue?.message ?? "invalid"}`;
}

export const idOf = (v: unknown): JsonRpcId => (isObject(v) && validId(v.id) ? v.id : null);

/** Reads a POST body as JSON-RPC: 413, then -32700, then -32600 with the HTTP status the MCP transport spec asks for. */
export async function readJsonRpc(request: Request, maxBytes: number, headers?: HeadersInit): Promise<ReadOutcome> {
  const text = await readLimited(request, maxBytes);
  if (text === null) {
    return { ok: false, response: jsonRpcErrorResponse(413, INVALID_REQUEST, `Invalid Request: the body is larger than ${maxBytes} bytes`, { headers }) };
  }
  if (text instanceof Error) {
    return { ok: false, response: jsonRpcErrorResponse(400, INVALID_REQUEST, `Bad Request: the body could not be read (${text.message})`, { headers }) };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { ok: false, response: jsonRpcErrorResponse(400, PARSE_ERROR, `Parse error: the body is not valid JSON (${detail})`, { headers }) };
  }
  const batch = Array.isArray(raw);
  const list = batch ? (raw as unknown[]) : [raw];
  if (batch && list.length === 0) return { ok: false, response: jsonRpcErrorResponse(400, INVALID_REQUEST, "Invalid Request: empty batch", { headers }) };
  if (list.length > MAX_BATCH) {
    return { ok: false, response: jsonRpcErrorResponse(400, INVALID_REQUEST, `Invalid Request: a batch holds at most ${MAX_BATCH} messages`, { headers }) };
  }
  for (const message of list) {
    const reason = invalidReason(message);
    if (reason) return { ok: false, response: jsonRpcErrorResponse(400, INVALID_REQUEST, `Invalid Request: ${reason}`, { id: idOf(message), headers }) };
  }
  // The SDK keys answers by id: two requests of one batch sharing one would share one answer (shared/jsonrpc.ts).
  const shared = sharedRequestId(list);
  if (shared !== undefined) {
    const reason = `Invalid Request: the id ${JSON.stringify(shared)} is used by more than one request of the batch (request ids must be unique)`;
    return { ok: false, response: jsonRpcErrorResponse(400, INVALID_REQUEST, reason, { headers }) };
  }
  return { ok: true, messages: list as JSONRPCMessage[], batch };
}

/** The first protocol version without JSON-RPC batches (its changelog removed them; 2025-03-26 allowed them). */
const NO_BATCHES_SINCE = "2025-06-18";

/** The 400 for a batch sent on a session whose negotiated protocol version has no batches; undefined when allowed. */
export function refuseBatch(batch: boolean, protocolVersion: string | undefined, headers?: HeadersInit): Response | undefined {
  if (!batch || protocolVersion === undefined || protocolVersion < NO_BATCHES_SINCE) return undefined;
  return jsonRpcErrorResponse(400, INVALID_REQUEST, `Invalid Request: protocol version ${protocolVersion} has no JSON-RPC batches; send one message per POST`, { headers });
}
