/** Path and query parameters every project route shares: the project name, the environment, the tenant they name. */
import { DEFAULT_ENV } from "../../shared/api";
import { HttpError } from "../http/http-error";
import { callerOf, type ApiContext } from "./context";
import { directory, type ProjectRow } from "../accounts/directory";
import { projectHost, tenantId } from "../projects/tenant";

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

export interface ProjectScope {
  account: string;
  project: string;
  env: string;
  tenant: string;
}

/** The project and environment a route names, checked; the tenant is always the caller's own account's. */
export function projectScope(c: ApiContext): ProjectScope {
  const project = c.params.project ?? "";
  if (!SLUG.test(project) || project.includes("--")) {
    throw new HttpError(
      "bad_name",
      `project name ${JSON.stringify(project.slice(0, 64))} is not valid: use 1-32 lowercase letters, digits and single dashes (no "--", which separates an environment in project URLs)`,
    );
  }
  const env = c.url.searchParams.get("env") ?? DEFAULT_ENV;
  if (!SLUG.test(env)) throw new HttpError("invalid_query", `env ${JSON.stringify(env.slice(0, 64))} is not valid: use a lowercase slug such as "staging"`);
  const account = callerOf(c).account;
  return { account, project, env, tenant: tenantId(account, project, env) };
}

/** For routes that read: the project must exist in the caller's account, with this environment. */
export async function existingProject(c: ApiContext, scope: ProjectScope): Promise<ProjectRow> {
  const row = await directory(c.env).getProject(scope.account, scope.project);
  if (!row) {
    throw new HttpError("project_not_found", `no project "${scope.project}" in account "${scope.account}": deploy it first with \`aerostack deploy\`, or check the name with \`aerostack projects\``);
  }
  if (!row.envs.some((e) => e.env === scope.env)) {
    const known = row.envs.map((e) => e.env).join(", ") || "none yet";
    throw new HttpError("unknown_env", `project "${scope.project}" has no environment "${scope.env}" (it has: ${known}); deploy to it with \`aerostack deploy --env ${scope.env}\``);
  }
  return row;
}

/** The URL a project environment answers at, on the scheme and port this request came in on. */
export function projectUrl(c: ApiContext, scope: { account: string; project: string; env: string }): string {
  const host = projectHost(scope.account, scope.project, scope.env, c.env.AEROSTACK_BASE_DOMAIN ?? "localhost");
  return `${c.url.protocol}//${host}${c.url.port ? `:${c.url.port}` : ""}/`;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null): string | null => (ms === null ? null : iso(ms));
