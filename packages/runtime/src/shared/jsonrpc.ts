/** JSON-RPC 2.0 error codes and MCP transport limits, shared by hosted servers (src/mcp) and the gateway. */

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/** MCP's transport-level errors (missing session header, unsupported version, origin refused): the SDK's choice. */
export const SERVER_ERROR = -32000;
export const SESSION_NOT_FOUND = -32001;
/** The gateway's own: a member token may not call this tool (its role, allow-list, or a switched-off tool). */
export const FORBIDDEN = -32003;
/** The gateway's own: the token sent more requests this minute than the workspace allows. */
export const RATE_LIMITED = -32029;

/** The SDK server transport's caps, kept by every endpoint: 4 MiB per POST body, 100 messages per batch. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
export const MAX_BATCH = 100;

/**
 * How deep a client's message may nest. JSON.parse takes any depth, but what comes after (structured clone into a
 * Durable Object, schema checks, re-serializing) recurses and fails past a few thousand levels, as a 500. No MCP
 * message needs more than a few dozen levels; a deeper one is refused as an Invalid Request before anything runs.
 */
export const MAX_DEPTH = 64;

/** True when `value` nests objects or arrays deeper than `limit` levels (checked without recursion). */
export function nestedDeeperThan(value: unknown, limit = MAX_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== "object" || item === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * The first request id two requests of one batch share, if any. MCP: a request id is never reused within a session,
 * and two requests sharing one would share one answer, so such a batch is refused whole before any of it runs
 * (JSON-RPC itself gives the client no way to tell their answers apart).
 */
export function sharedRequestId(messages: readonly unknown[]): string | number | undefined {
  const ids = new Set<unknown>();
  for (const m of messages) {
    if (typeof m !== "object" || m === null || !("method" in m) || !("id" in m)) continue;
    const id = (m as { id: string | number }).id;
    if (ids.has(id)) return id;
    ids.add(id);
  }
  return undefined;
}
