/** Reaching a Streamable HTTP MCP endpoint from Node: the SDK transport with a bearer token, and failures users can act on. */
import type { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { importModule } from "../startup/esm-import";
import { UsageError, UserError } from "../errors";
import type * as StreamableHttpModule from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export interface RemoteOptions {
  url: string;
  /** Sent as `Authorization: Bearer <token>` on every request, the GET stream included. */
  token?: string;
}

/** Parses an endpoint URL given on the command line; `flag` names it in the error. */
export function parseEndpointUrl(value: string, flag = "The URL"): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} must be an http(s) URL, got "${value}".`, { hint: "For example: http://127.0.0.1:8787/mcp" });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`${flag} must be an http(s) URL, got "${value}".`, { hint: "Streamable HTTP endpoints look like http://127.0.0.1:8787/mcp" });
  }
  return url;
}

/**
 * The SDK's client transport for `url`. Loaded on demand: the SDK is large, and every other command would pay for
 * loading it at start-up.
 */
export async function createRemoteTransport(options: RemoteOptions): Promise<StreamableHTTPClientTransport> {
  const { StreamableHTTPClientTransport } = await importModule<typeof StreamableHttpModule>("@modelcontextprotocol/sdk/client/streamableHttp.js");
  return new StreamableHTTPClientTransport(parseEndpointUrl(options.url), {
    requestInit: { headers: options.token ? { Authorization: `Bearer ${options.token}` } : {} },
  });
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: "nothing is listening there (connection refused)",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name does not resolve (DNS lookup failed)",
  ETIMEDOUT: "the connection timed out",
  ECONNRESET: "the connection was reset",
  EHOSTUNREACH: "the host is unreachable",
  UND_ERR_CONNECT_TIMEOUT: "the connection timed out",
  UND_ERR_SOCKET: "the connection closed unexpectedly",
};

/** The errno-style code of a fetch failure: undici wraps it in `cause`, and in an AggregateError for dual-stack hosts. */
function networkCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && typeof e === "object" && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code in NETWORK_CODES) return code;
    const inner = (e as { errors?: unknown[] }).errors;
    if (Array.isArray(inner) && inner.length > 0) return networkCode(inner[0]);
  }
  return undefined;
}

/**
 * Turns what the SDK throws while talking to `url` (a fetch failure, an HTTP status, a JSON-RPC error) into a
 * UserError that says what happened and what to do. `tokenGiven` changes the advice for 401.
 */
export function describeRemoteError(url: string, err: unknown, tokenGiven: boolean): UserError {
  if (err instanceof UserError) return err;
  const code = networkCode(err);
  if (code) {
    const local = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(url);
    return new UserError(`Cannot reach ${url}: ${NETWORK_CODES[code]}.`, {
      hint: local ? "Start the server first (for an aerostack project: `aerostack dev`), and check the port." : "Check the URL and your network.",
      cause: err,
    });
  }
  // StreamableHTTPError: `code` is the HTTP status; its message carries the response body after the last ": ".
  const name = (err as { constructor?: { name?: string } } | null)?.constructor?.name;
  const status = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (name === "StreamableHTTPError" && typeof status === "number") {
    // Error pages are often HTML: keep their text, on one line.
    const body = message
      .replace(/^Streamable HTTP error: (Error POSTing to endpoint|Failed to open SSE stream|Failed to terminate session): ?/, "")
      .replace(/<(head|style|script)[\s\S]*?<\/\1>|<[^>]*>/gi, " ")
      .replace(/\s+/g, " ")
      .trim()
      .slice(0, 200);
    const detail = body ? `: ${body}` : "";
    if (status === 401) {
      return new UserError(`${url} answered 401 Unauthorized${tokenGiven ? ": the token was refused" : ""}.`, {
        hint: tokenGiven
          ? "Check the token. The dev gateway's token changes every time `aerostack dev` starts: use the one it printed last."
          : "Pass --token <token> or set AEROSTACK_TOKEN. For the dev gateway (/ws/dev), use the token `aerostack dev` prints.",
        cause: err,
      });
    }
    if (status === 403) return new UserError(`${url} answered 403 Forbidden${detail}.`, { hint: "The token lacks access to this server, or the server refused the request's origin.", cause: err });
    if (status === 404) {
      return new UserError(`${url} answered 404: no MCP endpoint there, or the session ended${detail}.`, {
        hint: "Check the path: an aerostack project's MCP server answers at /mcp, the dev gateway at /ws/dev. If the server restarted, reconnect.",
        cause: err,
      });
    }
    if (status === -1) return new UserError(`${url} did not answer like an MCP server (${body}).`, { hint: "Check that the URL is a Streamable HTTP MCP endpoint.", cause: err });
    return new UserError(`${url} answered HTTP ${status}${detail}.`, { hint: "Check the server's logs.", cause: err });
  }
  // McpError: a JSON-RPC error from the server, e.g. during initialize.
  if (name === "McpError") return new UserError(`${url}: ${message}`, { hint: "The server refused the request; check its logs.", cause: err });
  // Other fetch failures ("fetch failed") carry the reason in `cause`, e.g. a port fetch refuses to use.
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (err instanceof TypeError && cause instanceof Error) return new UserError(`Cannot reach ${url}: ${cause.message}.`, { hint: "Check the URL.", cause: err });
  return new UserError(`Talking to ${url} failed: ${message}`, { hint: "Run again with --debug for details.", cause: err });
}

/** One line for a log: the message, then the hint. */
export function formatRemoteError(err: UserError): string {
  return err.hint ? `${err.message} ${err.hint}` : err.message;
}
