/** The dispatcher: serves an HTTP request with the project's active version, or an error page that names why not. */
import type { PlatformEnv } from "../env";
import { describeRunError, runProject } from "../isolates/run-project";
import { renderErrorPage } from "./error-page";
import { newRequestId } from "../http/request-id";
import { requestLog } from "../logs/request-log";

export async function dispatch(request: Request, env: PlatformEnv, ctx: ExecutionContext, project: string): Promise<Response> {
  const requestId = newRequestId();
  // `aerostack dev` prints to the terminal; the platform keeps entries for `aerostack logs` (after the response).
  const log = requestLog(env, (promise) => ctx.waitUntil(promise), project, request, requestId);
  const run = await runProject(env, ctx.exports, project).fetch(bodyErrorsReachIsolate(request), { requestId });
  log.ran(run);
  if (run.kind === "response") return run.response;
  const page = describeRunError(project, run);
  const stack = run.cause === "threw" ? { stack: run.report.stack } : {};
  return renderErrorPage(request, { ...page, ...stack }, env.AEROSTACK_MODE === "dev");
}

/**
 * A chunked body (no Content-Length) goes to the isolate through a JS pipe: a body error workerd hits before the
 * isolate starts reading (invalid chunked encoding in the first packet) is not passed over RPC, and the isolate's
 * read would wait forever. Through the pipe the error reaches the isolate, which can answer it.
 */
function bodyErrorsReachIsolate(request: Request): Request {
  if (!request.body || request.headers.has("content-length") || request.method === "GET" || request.method === "HEAD") return request;
  return new Request(request, { body: request.body.pipeThrough(new TransformStream()) });
}
