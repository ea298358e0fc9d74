/** ScopedLogs: the RPC entrypoint a project's isolate writes its console output and background failures to. */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import type { ConsoleLineWire, ErrorReport } from "../../shared/protocol";
import { logUserError, mapErrorReport } from "../isolates/errors";
import { projectLogs } from "./project-logs";

/** Set by the loader: which tenant and version the isolate runs. User code cannot change them. */
export interface LogProps {
  project: string;
  version: string;
  /** `aerostack dev`: print to the terminal (source-mapped) instead of storing. */
  print?: boolean;
  /**
   * The tenant whose deployment the code is, for source maps, when it is not `project`: a Hub install logs to its
   * own tenant (its console output may quote what the installer sent it), while its code is the publisher's.
   */
  code?: string;
}

/** Lines per call: a chatty loop cannot make one call unbounded. */
const MAX_LINES = 200;

export class ScopedLogs extends WorkerEntrypoint<PlatformEnv, LogProps> {
  async write(lines: ConsoleLineWire[]): Promise<void> {
    const { project, version } = this.ctx.props;
    await projectLogs(this.env, project).append(
      lines.slice(0, MAX_LINES).map((l) => ({
        ts: typeof l.ts === "number" ? l.ts : Date.now(),
        type: "console" as const,
        level: (["debug", "info", "log", "warn", "error"] as const).find((x) => x === l.level) ?? "log",
        requestId: typeof l.requestId === "string" ? l.requestId.slice(0, 64) : null,
        version,
        message: String(l.message),
      })),
    );
  }

  /** An error outside the response (a rejected `ctx.waitUntil` promise): logged like an uncaught exception. */
  async exception(report: ErrorReport, requestId: string | null, where: string): Promise<void> {
    const { project, version, print, code } = this.ctx.props;
    const mapped = await mapErrorReport(this.env, code ?? project, version, report);
    if (print) {
      logUserError(project, (requestId ?? "--------").slice(0, 64), mapped, where);
      return;
    }
    await projectLogs(this.env, project).append([
      {
        ts: Date.now(),
        type: "exception",
        level: "error",
        requestId: requestId?.slice(0, 64) ?? null,
        version,
        message: `${where}: ${mapped.name}: ${mapped.message}`,
        stack: mapped.stack,
      },
    ]);
  }
}
