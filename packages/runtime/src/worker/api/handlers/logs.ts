/** A project environment's log: requests, console output and exceptions, oldest first, continued with `?after=`. */
import type { LogsResponse } from "../../../shared/api";
import { projectLogs } from "../../logs/project-logs";
import type { ApiContext } from "../context";
import { existingProject, logPage, projectScope } from "../params";

export async function logs(c: ApiContext): Promise<LogsResponse> {
  const scope = projectScope(c);
  const page = logPage(c);
  await existingProject(c, scope);
  return projectLogs(c.env, scope.tenant).list(page);
}
