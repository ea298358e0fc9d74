/** The dispatcher: serves an HTTP request with the project's active version, or an error page that names why not. */
import type { PlatformEnv } from "../env";
import { activeDeployment } from "./active";
import { loadIsolate } from "./loader";
import { isErrorReport, logUserError, mapErrorReport, reportFromThrown } from "./errors";
import { renderErrorPage } from "./error-page";
import { fromIsolate, toIsolate, type StreamOrigin } from "./mcp-sessions";
import { newRequestId } from "../http/request-id";
import { projectLogs, type NewLogEntry } from "../logs/project-logs";
import type { ErrorReport } from "../../shared/protocol";

export async function dispatch(request: Request, env: PlatformEnv, ctx: ExecutionContext, project: string): Promise<Response> {
  const dev = env.AEROSTACK_MODE === "dev";
  const platform = env.AEROSTACK_MODE === "platform";
  const started = Date.now();
  const requestId = newRequestId();
  const url = new URL(request.url);
  // `aerostack dev` prints to the terminal; the platform keeps entries for `aerostack logs` (after the response).
  const stored: NewLogEntry[] = [];
  const keep = (entry: Omit<NewLogEntry, "ts" | "requestId">) => stored.push({ ts: Date.now(), requestId, ...entry });
  const logLine = (status: number, version: string | null = null) => {
    const durationMs = Date.now() - started;
    if (!platform) {
      console.log(`[${project} #${requestId}] ${request.method} ${url.pathname}${url.search} → ${status} (${durationMs} ms)`);
      return;
    }
    keep({ type: "request", level: status >= 500 ? "error" : "info", version, method: request.method, path: `${url.pathname}${url.search}`, status, durationMs, message: `${request.method} ${url.pathname} → ${status}` });
    ctx.waitUntil(projectLogs(env, project).append(stored.splice(0)).catch(() => {}));
  };
  const logError = (report: ErrorReport, version: string) => {
    if (!platform) logUserError(project, requestId, report, `${request.method} ${url.pathname}`);
    else keep({ type: "exception", level: "error", version, message: `${report.name}: ${report.message}`, stack: report.stack });
  };

  const active = await activeDeployment(env, project);
  if (active.buildError !== null) {
    logLine(500);
    return renderErrorPage(request, { status: 500, title: `Build failed for ${project}`, detail: active.buildError }, dev);
  }
  if (active.version === null) {
    logLine(503);
    return renderErrorPage(
      request,
      {
        status: 503,
        title: `No deployment for ${project}`,
        detail: `Project "${project}" has no active version yet. Deploy it with \`aerostack deploy\`, or run \`aerostack dev\` in its folder.`,
      },
      dev,
    );
  }

  const version = active.version;
  let result: Response | unknown;
  try {
    result = await loadIsolate(env, ctx.exports, project, version, active.secretsRev).handle(toIsolate(bodyErrorsReachIsolate(request), url, project), { requestId });
  } catch (err) {
    result = reportFromThrown(err);
  }
  if (result instanceof Response) {
    logLine(result.status, version);
    return fromIsolate(result, project, request, () => streamOrigin(env, ctx, project, isolateKey(version, active.secretsRev)));
  }
  const report = await mapErrorReport(env, project, version, isErrorReport(result) ? result : reportFromThrown(result));
  logError(report, version);
  logLine(500, version);
  return renderErrorPage(
    request,
    { status: 500, title: `Error in ${project}`, detail: `${report.name}: ${report.message}`, stack: report.stack },
    dev,
  );
}

/**
 * A chunked body (no Content-Length) goes to the isolate through a JS pipe: a body error workerd hits before the
 * isolate starts reading (invalid chunked encoding in the first packet) is not passed over RPC, and the isolate's
 * read would wait forever. Through the pipe the error reaches the isolate, which can answer it.
 */
function bodyErrorsReachIsolate(request: Request): Request {
  if (!request.body || request.headers.has("content-length")) return request;
  return new Request(request, { body: request.body.pipeThrough(new TransformStream()) });
}

const isolateKey = (version: string, secretsRev: number) => `${version}~${secretsRev}`;

/** Where a held MCP stream is re-opened when the project's isolate changes (a deploy, a save, new secrets). */
function streamOrigin(env: PlatformEnv, ctx: ExecutionContext, project: string, key: string): StreamOrigin {
  return {
    key,
    async currentKey() {
      const active = await activeDeployment(env, project);
      return active.version !== null && active.buildError === null ? isolateKey(active.version, active.secretsRev) : null;
    },
    async send(next, request) {
      const [version = "", rev = "0"] = next.split("~");
      const result = await loadIsolate(env, ctx.exports, project, version, Number(rev)).handle(request, { requestId: newRequestId() });
      return result instanceof Response ? result : null;
    },
  };
}
