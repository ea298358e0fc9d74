/**
 * The contract between the platform dispatcher and `serveMcp` (in the user's isolate) for hosted MCP servers.
 *
 * A project's MCP sessions live in its isolate's memory, and a save in `aerostack dev` (or a deploy) moves the
 * project to a new isolate. So that open sessions survive that move, the isolate hands the platform a small
 * opaque state per session (what it needs to rebuild the session: the client's initialize parameters), and the
 * platform hands it back on later requests for that session. Every header here is internal: the dispatcher
 * strips the request ones a client sends and the response ones before a client sees them.
 */

/** Response: the session this response created or updated (`Mcp-Session-Id` or a legacy SSE `sessionId`). */
export const MCP_SESSION_HEADER = "x-aerostack-mcp-session";
/** Response: the session's state (base64url JSON). Request: the state the platform holds for the session. */
export const MCP_STATE_HEADER = "x-aerostack-mcp-state";
/** Response: the named session ended (DELETE, or unknown to the server): the platform forgets it. */
export const MCP_ENDED_HEADER = "x-aerostack-mcp-ended";
/**
 * Response: this is a session's server-to-client stream (GET /mcp or GET /sse). The platform holds it and,
 * when the project's active version flips, re-opens it on the new version without the client noticing.
 */
export const MCP_STREAM_HEADER = "x-aerostack-mcp-stream";
/** Request: the platform re-opens a held stream on a new version: the server announces its lists changed. */
export const MCP_REATTACH_HEADER = "x-aerostack-mcp-reattach";

export const MCP_INTERNAL_HEADERS: readonly string[] = [
  MCP_SESSION_HEADER,
  MCP_STATE_HEADER,
  MCP_ENDED_HEADER,
  MCP_STREAM_HEADER,
  MCP_REATTACH_HEADER,
];

/** Query parameter naming a legacy HTTP+SSE session on its POST endpoint (what the SDK's clients expect). */
export const LEGACY_SESSION_PARAM = "sessionId";
