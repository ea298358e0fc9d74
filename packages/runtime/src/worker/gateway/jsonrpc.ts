/** JSON-RPC 2.0 as MCP uses it: a lean validator and the error shapes the gateway answers with. */

export type JsonRpcId = string | number;
export type JsonObject = Record<string, unknown>;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: JsonRpcId;
  method: string;
  params?: JsonObject;
}
export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: JsonObject;
}
export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}
export type JsonRpcResponse =
  | { jsonrpc: "2.0"; id: JsonRpcId; result: unknown }
  | { jsonrpc: "2.0"; id: JsonRpcId | null; error: JsonRpcError };
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export {
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  MAX_BATCH,
  MAX_BODY_BYTES,
  MAX_DEPTH,
  METHOD_NOT_FOUND,
  nestedDeeperThan,
  sharedRequestId,
  PARSE_ERROR,
  SERVER_ERROR as BAD_REQUEST,
  SESSION_NOT_FOUND,
  FORBIDDEN,
  RATE_LIMITED,
} from "../../shared/jsonrpc";

/** An error the gateway answers a request with; `data` never carries secret values (callers redact first). */
export class RpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: unknown) {
    super(message);
  }
  toJson(): JsonRpcError {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data };
  }
}

export const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is JsonRpcId => typeof v === "string" || (typeof v === "number" && Number.isFinite(v));

export const isRequest = (m: JsonRpcMessage): m is JsonRpcRequest => "method" in m && "id" in m;
export const isNotification = (m: JsonRpcMessage): m is JsonRpcNotification => "method" in m && !("id" in m);
export const isResponse = (m: JsonRpcMessage): m is JsonRpcResponse => !("method" in m);

/** Checks one decoded message; returns it typed, or the reason it is not a JSON-RPC 2.0 message (and its id, if any). */
export function validateMessage(raw: unknown): { ok: true; message: JsonRpcMessage } | { ok: false; reason: string; id: JsonRpcId | null } {
  if (!isObject(raw)) return { ok: false, reason: "a message must be a JSON object", id: null };
  const id = isId(raw.id) ? raw.id : null;
  if (raw.jsonrpc !== "2.0") return { ok: false, reason: 'jsonrpc must be "2.0"', id };
  if ("method" in raw) {
    if (typeof raw.method !== "string" || raw.method === "") return { ok: false, reason: "method must be a non-empty string", id };
    if ("params" in raw && raw.params !== undefined && !isObject(raw.params)) return { ok: false, reason: "params must be an object", id };
    if ("id" in raw) {
      if (!isId(raw.id)) return { ok: false, reason: "id must be a string or a number", id: null };
      return { ok: true, message: raw as unknown as JsonRpcRequest };
    }
    return { ok: true, message: raw as unknown as JsonRpcNotification };
  }
  if ("result" in raw || "error" in raw) {
    if (!isId(raw.id) && raw.id !== null) return { ok: false, reason: "a response needs an id", id: null };
    return { ok: true, message: raw as unknown as JsonRpcResponse };
  }
  return { ok: false, reason: "a message needs a method (request, notification) or a result or error (response)", id };
}

export const resultOf = (id: JsonRpcId, result: unknown): JsonRpcResponse => ({ jsonrpc: "2.0", id, result });
export const errorOf = (id: JsonRpcId | null, error: JsonRpcError): JsonRpcResponse => ({ jsonrpc: "2.0", id, error });

/** An HTTP answer carrying one JSON-RPC error (for errors found before any request could be routed). */
export function httpError(status: number, code: number, message: string, headers: HeadersInit = {}, id: JsonRpcId | null = null): Response {
  return Response.json(errorOf(id, { code, message }), { status, headers });
}
