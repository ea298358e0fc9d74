/** Turns what user code threw into a source-mapped report, logged to the terminal and shown on error pages. */
import { projectStore } from "../projects/project-store";
import type { PlatformEnv } from "../env";
import { SourceMapIndex } from "../../shared/sourcemap";
import { ISOLATE_USER_MODULE, type ErrorReport } from "../../shared/protocol";

// A cache, correct when empty: a version's source map never changes, and ProjectStore keeps it.
const maps = new Map<string, SourceMapIndex | null>();

export function isErrorReport(value: unknown): value is ErrorReport {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "error";
}

/** A report for an error raised outside user code's reach (isolate failed to load, RPC broke). */
export function reportFromThrown(err: unknown): ErrorReport {
  if (err instanceof Error) return { kind: "error", name: err.name, message: err.message, stack: err.stack ?? String(err) };
  return { kind: "error", name: "Error", message: String(err), stack: String(err) };
}

/** Rewrites the report's stack from bundle positions to the project's source files. */
export async function mapErrorReport(
  env: PlatformEnv,
  project: string,
  version: string,
  report: ErrorReport,
): Promise<ErrorReport> {
  const key = `${project}@${version}`;
  let index = maps.get(key);
  if (index === undefined) {
    const raw = await projectStore(env, project).getSourceMap(version);
    try {
      index = raw ? new SourceMapIndex(raw) : null;
    } catch {
      index = null;
    }
    maps.set(key, index);
  }
  if (!index) return report;
  return { ...report, stack: index.rewriteStack(report.stack, ISOLATE_USER_MODULE) };
}

/** Logs a user error so the host prints it: `[project #request] Error: message` then the mapped stack. */
export function logUserError(project: string, requestId: string, report: ErrorReport, where: string): void {
  const stack = report.stack.includes(report.message) ? report.stack : `${report.name}: ${report.message}\n${report.stack}`;
  console.error(`[${project} #${requestId}] ✘ ${where} threw: ${stack}`);
}
