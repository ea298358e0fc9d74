/** Path and query parameters every project route shares: the project name, the environment, the tenant they name. */
import { DEFAULT_ENV, SECRET_NAME_PATTERN } from "../../shared/api";
import { MEMBER_SLUG_PATTERN } from "../../shared/gateway";
import { RESERVED_ENV_NAMES } from "../../shared/protocol";
import { HttpError } from "../http/http-error";
import { callerOf, type ApiContext } from "./context";
import { directory, type ProjectRow } from "../accounts/directory";
import { projectHost, tenantId } from "../projects/tenant";

/** Project, account and environment names share the slug rule of member and workspace names. */
const SLUG = MEMBER_SLUG_PATTERN;

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

/** An integer query parameter within bounds, or undefined when absent. */
export function intQuery(c: ApiContext, name: string, min: number, max: number): number | undefined {
  const raw = c.url.searchParams.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new HttpError("invalid_query", `${name} must be an integer from ${min} to ${max}`);
  return value;
}

/** `?after=&since=&limit=` of a log read (project logs and workspace call logs), the absent ones left out. */
export function logPage(c: ApiContext): { after?: number; since?: number; limit?: number } {
  const after = intQuery(c, "after", 0, Number.MAX_SAFE_INTEGER);
  const since = intQuery(c, "since", 0, Number.MAX_SAFE_INTEGER);
  const limit = intQuery(c, "limit", 1, 1000);
  return { ...(after !== undefined ? { after } : {}), ...(since !== undefined ? { since } : {}), ...(limit !== undefined ? { limit } : {}) };
}

/**
 * The `:name` of a secret route. Project secrets become env keys, so the platform's binding names are refused
 * there (`reserved`); a workspace secret only fills a header.
 */
export function secretNameParam(c: ApiContext, reserved: boolean): string {
  const name = c.params.name ?? "";
  if (!SECRET_NAME_PATTERN.test(name) || name.length > 128) {
    throw new HttpError("bad_name", `secret name ${JSON.stringify(name.slice(0, 64))} is not valid: use letters, digits and underscores, not starting with a digit`);
  }
  if (reserved && (RESERVED_ENV_NAMES.includes(name) || name.startsWith("__AEROSTACK"))) {
    throw new HttpError("bad_name", `${name} is a binding the platform provides (${RESERVED_ENV_NAMES.join(", ")}); pick another secret name`);
  }
  return name;
}
