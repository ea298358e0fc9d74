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
  const run = await runProject(env, ctx.exports, project).fetch(request, { requestId });
  log.ran(run);
  if (run.kind === "response") return run.response;
  const page = describeRunError(project, run);
  const stack = run.cause === "threw" ? { stack: run.report.stack } : {};
  return renderErrorPage(request, { ...page, ...stack }, env.AEROSTACK_MODE === "dev");
}
