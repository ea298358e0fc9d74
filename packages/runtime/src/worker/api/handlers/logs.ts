/** A project environment's log: requests, console output and exceptions, oldest first, continued with `?after=`. */
import type { LogsResponse } from "../../../shared/api";
import { HttpError } from "../../http/http-error";
import { projectLogs } from "../../logs/project-logs";
import type { ApiContext } from "../context";
import { existingProject, projectScope } from "../params";

function intParam(c: ApiContext, name: string, min: number, max: number): number | undefined {
  const raw = c.url.searchParams.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new HttpError("invalid_query", `${name} must be an integer from ${min} to ${max}`);
  return value;
}

export async function logs(c: ApiContext): Promise<LogsResponse> {
  const scope = projectScope(c);
  const after = intParam(c, "after", 0, Number.MAX_SAFE_INTEGER);
  const since = intParam(c, "since", 0, Number.MAX_SAFE_INTEGER);
  const limit = intParam(c, "limit", 1, 1000);
  await existingProject(c, scope);
  return projectLogs(c.env, scope.tenant).list({
    ...(after !== undefined ? { after } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(limit !== undefined ? { limit } : {}),
  });
}
