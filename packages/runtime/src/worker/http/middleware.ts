/** What every platform-owned HTTP surface (API, control API, gateway) runs behind: request id, Origin/CORS, JSON errors, and a consumed body. */
import { corsHeaders, originAllowed } from "../../shared/origin";
import { drain } from "./body";
import { HttpError } from "./http-error";
import { newRequestId, REQUEST_ID_HEADER } from "./request-id";

export interface Surface {
  /** Names the surface in the platform's output when a handler fails unexpectedly. */
  name: string;
  /** Answers an error in the surface's own JSON shape (`{ error: { code, message } }`, or JSON-RPC for the gateway). */
  error(err: HttpError, headers: Record<string, string>): Response;
  /**
   * Browser access (shared/origin.ts): a foreign Origin is refused with 403 and this message; an allowed one gets
   * CORS headers exposing `exposed`. Absent: the surface is not meant for browsers and Origin is not looked at.
   */
  browsers?: { exposed: string; refusal: string };
}

export interface RequestScope {
  requestId: string;
  /** Headers every answer of this request gets (CORS for an allowed Origin); the middleware adds them. */
  headers: Record<string, string>;
}

/**
 * Runs `handler` and answers with what it returns or throws. Whatever the handler left of the request body is read
 * (and dropped) before the answer goes out: answering with a body unread makes the server reset the connection, so
 * a client's next request on its kept-alive socket would fail with ECONNRESET.
 */
export async function serveHttp(request: Request, surface: Surface, handler: (scope: RequestScope) => Promise<Response>): Promise<Response> {
  const requestId = newRequestId();
  const origin = request.headers.get("origin");
  const allowed = !surface.browsers || originAllowed(origin);
  const headers = surface.browsers && allowed ? corsHeaders(origin, surface.browsers.exposed) : {};
  let response: Response;
  try {
    if (!allowed) throw new HttpError("forbidden", surface.browsers!.refusal);
    response = await handler({ requestId, headers });
  } catch (err) {
    response = surface.error(asHttpError(err, surface, request, requestId), headers);
  }
  await drain(request);
  return withHeaders(response, { ...headers, [REQUEST_ID_HEADER]: requestId });
}

function asHttpError(err: unknown, surface: Surface, request: Request, requestId: string): HttpError {
  if (err instanceof HttpError) return err;
  // Never a stack trace or an internal message: the id finds the full error in the platform's own output.
  const path = new URL(request.url).pathname;
  console.error(`[${surface.name} #${requestId}] ${request.method} ${path} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return new HttpError(
    "internal",
    `the platform failed to handle this request (request id ${requestId}); its operator can find the cause in the platform's output`,
  );
}

function withHeaders(response: Response, headers: Record<string, string>): Response {
  // A response from fetch() or an RPC has immutable headers: copy it (the body streams through untouched).
  const out = new Response(response.body, response);
  for (const [name, value] of Object.entries(headers)) out.headers.set(name, value);
  return out;
}
