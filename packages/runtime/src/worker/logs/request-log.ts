/** What one HTTP request to a project leaves behind: a terminal line in `aerostack dev`, ProjectLogs entries on the platform. */
import type { PlatformEnv } from "../env";
import type { ErrorReport } from "../../shared/protocol";
import { logUserError } from "../isolates/errors";
import { describeRunError, type FetchRun } from "../isolates/run-project";
import type { NewLogEntry } from "./project-logs";
import { appendLogEntries } from "./batched-append";

export interface RequestLog {
  /** Logs how the run ended: the request line, and the user code's (source-mapped) error if it threw. */
  ran(run: FetchRun): void;
}

/** `waitUntil` is the serving context's own: stored entries are written after the response has gone. */
export function requestLog(
  env: PlatformEnv,
  waitUntil: (promise: Promise<unknown>) => void,
  project: string,
  request: Request,
  requestId: string,
): RequestLog {
  const platform = env.AEROSTACK_MODE === "platform";
  const started = Date.now();
  const url = new URL(request.url);
  const stored: NewLogEntry[] = [];
  const keep = (entry: Omit<NewLogEntry, "ts" | "requestId">) => stored.push({ ts: Date.now(), requestId, ...entry });
  const error = (report: ErrorReport, version: string) => {
    if (!platform) logUserError(project, requestId, report, `${request.method} ${url.pathname}`);
    else keep({ type: "exception", level: "error", version, message: `${report.name}: ${report.message}`, stack: report.stack });
  };
  const done = (status: number, version: string | null) => {
    const durationMs = Date.now() - started;
    if (!platform) {
      console.log(`[${project} #${requestId}] ${request.method} ${url.pathname}${url.search} → ${status} (${durationMs} ms)`);
      return;
    }
    keep({ type: "request", level: status >= 500 ? "error" : "info", version, method: request.method, path: `${url.pathname}${url.search}`, status, durationMs, message: `${request.method} ${url.pathname} → ${status}` });
    appendLogEntries(env, project, stored.splice(0), waitUntil);
  };
  return {
    ran(run) {
      if (run.kind === "response") return done(run.response.status, run.version);
      // A request no version served (none deployed, build failed) names no version.
      if (run.cause === "threw") error(run.report, run.version);
      done(describeRunError(project, run).status, run.cause === "threw" ? run.version : null);
    },
  };
}
