/** An error the platform answers with: it knows its status, stable code and message, and renders its own response. */
import { ERROR_CODES, type ErrorCode, type WireError } from "../../shared/errors";

export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.status = ERROR_CODES[code];
  }

  toResponse(headers: Record<string, string> = {}): Response {
    return json({ error: { code: this.code, message: this.message } } satisfies WireError, this.status, headers);
  }
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } });
}
