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
