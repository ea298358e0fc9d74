/** CORS for hosted MCP endpoints: the Origin check itself lives in shared/origin.ts, one rule for every endpoint. */
import { corsHeaders as sharedCors } from "../shared/origin";

export { originAllowed } from "../shared/origin";

export const corsHeaders = (origin: string | null): Record<string, string> => sharedCors(origin, "mcp-session-id, mcp-protocol-version");

export function preflight(origin: string | null): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(origin),
      "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
      "access-control-allow-headers": "authorization, content-type, accept, mcp-session-id, mcp-protocol-version, last-event-id",
      "access-control-max-age": "600",
    },
  });
}
