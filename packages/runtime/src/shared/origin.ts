/**
 * DNS-rebinding protection for local MCP endpoints. A page on another site can make the browser send requests to a
 * server on 127.0.0.1 (through a host name that resolves there); the browser labels them with the page's `Origin`.
 * Clients that are not browsers (Cursor, Claude, the SDK) send none. So: no Origin, a loopback Origin or a listed
 * one is allowed; anything else gets 403.
 */

export function isLoopbackOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  const host = url.hostname;
  return host === "localhost" || host.endsWith(".localhost") || host === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(host);
}

export function originAllowed(origin: string | null, allowed: readonly string[] = []): boolean {
  if (origin === null) return true;
  if (allowed.includes("*") || allowed.includes(origin)) return true;
  return isLoopbackOrigin(origin);
}

/** CORS headers for an allowed browser Origin, so a local web client (an inspector page) can read responses. */
export function corsHeaders(origin: string | null, exposed: string): Record<string, string> {
  if (origin === null) return {};
  return { "access-control-allow-origin": origin, "access-control-expose-headers": exposed, vary: "Origin" };
}
