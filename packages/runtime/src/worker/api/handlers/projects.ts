/** Projects: list, show, deploy (check, migrate, flip), list deployments, roll back. */
import { MAX_BUNDLE_BYTES, type DeployBody, type DeployResult, type DeploymentInfo, type ProjectSummary, type RollbackResult } from "../../../shared/api";
import { directory, type ProjectRow } from "../../accounts/directory";
import { controlPlane } from "../../control/control-plane";
import { HttpError } from "../../http/http-error";
import { projectStore } from "../../projects/project-store";
import { rememberActive } from "../../isolates/active";
import { loadIsolate } from "../../isolates/loader";
import { mapErrorReport, reportFromThrown } from "../../isolates/errors";
import { callerOf, type ApiContext } from "../context";
import { existingProject, iso, projectScope, projectUrl } from "../params";
import type { PlatformEnv } from "../../env";
import type { z } from "zod/mini";
import type { DeployBodySchema } from "../../../shared/api";

function summary(c: ApiContext, account: string, row: ProjectRow): ProjectSummary {
  return {
    name: row.name,
    createdAt: iso(row.createdAt),
    envs: row.envs.map((e) => ({ env: e.env, activeVersion: e.activeVersion, url: projectUrl(c, { account, project: row.name, env: e.env }), updatedAt: iso(e.updatedAt) })),
  };
}

export async function listProjects(c: ApiContext): Promise<{ projects: ProjectSummary[] }> {
  const account = callerOf(c).account;
  return { projects: (await directory(c.env).listProjects(account)).map((row) => summary(c, account, row)) };
}

export async function getProject(c: ApiContext): Promise<ProjectSummary> {
  const scope = projectScope(c);
  const row = await directory(c.env).getProject(scope.account, scope.project);
  if (!row) throw new HttpError("project_not_found", `no project "${scope.project}" in account "${scope.account}": deploy it first with \`aerostack deploy\``);
  return summary(c, scope.account, row);
}

const utf8Bytes = (text: string) => new TextEncoder().encode(text).byteLength;

/**
 * The deploy, in the order that keeps the previous version serving until the new one is known good: required
 * secrets present, the version stored (inactive), its module loaded, its migrations applied (all or none), then
 * the flip. Any failure before the flip removes the stored version and changes nothing else.
 */
export async function deploy(c: ApiContext<z.output<typeof DeployBodySchema>>): Promise<DeployResult> {
  const scope = projectScope(c);
  const body = c.body;
  const bytes = utf8Bytes(body.code);
  if (bytes > MAX_BUNDLE_BYTES) {
    throw new HttpError("payload_too_large", `the bundle is ${(bytes / 1048576).toFixed(1)} MiB; the limit is ${MAX_BUNDLE_BYTES / 1048576} MiB. Remove large dependencies or assets from the bundle`);
  }
  const store = projectStore(c.env, scope.tenant);
  const have = new Set(await store.secretNames());
  const missing = body.requiredSecrets.filter((name) => !have.has(name));
  if (missing.length > 0) {
    const envFlag = scope.env === "production" ? "" : ` --env ${scope.env}`;
    throw new HttpError(
      "missing_secret",
      `${scope.project} (${scope.env}) needs secret${missing.length > 1 ? "s" : ""} ${missing.join(", ")}, not set yet. Set ${missing.length > 1 ? "each" : "it"} with \`aerostack secret put ${missing[0]}${envFlag}\` and deploy again`,
    );
  }

  const before = await store.getActive();
  const alreadyStored = (await store.listDeployments()).some((d) => d.version === body.version);
  if (!alreadyStored || !body.dryRun) {
    await store.stage({ version: body.version, code: body.code, sourceMap: body.sourceMap ?? null, settings: body.settings, migrations: body.migrations }, { message: body.message ?? null, by: callerOf(c).keyName });
  }
  let migrations: DeployResult["migrations"];
  try {
    await checkModuleLoads(c, scope.tenant, body, before.secretsRev);
    try {
      migrations = await c.env.PROJECT_DB.get(c.env.PROJECT_DB.idFromName(scope.tenant)).applyMigrationsAtomically(body.migrations, body.dryRun);
    } catch (err) {
      throw new HttpError("migration_failed", `${err instanceof Error ? err.message : String(err)}. Nothing was applied and the previous version still serves`);
    }
  } catch (err) {
    if (!alreadyStored) await store.unstage(body.version);
    throw err;
  }
  const base = { project: scope.project, env: scope.env, version: body.version, url: projectUrl(c, scope), migrations };
  if (body.dryRun) {
    if (!alreadyStored) await store.unstage(body.version);
    return { ...base, previousVersion: before.version, unchanged: false, dryRun: true };
  }
  const flipped = await store.activate(body.version);
  rememberActive(scope.tenant, await store.getActive());
  // Workspaces composing this project tell their open sessions to list again.
  if (!flipped.unchanged) c.ctx.waitUntil(controlPlane(c.env).projectDeployed(scope.tenant));
  await directory(c.env).recordProject(callerOf(c), scope.project, scope.env, body.version, "deploy", `${scope.project} (${scope.env}) → ${body.version}`);
  return { ...base, previousVersion: flipped.previous, unchanged: flipped.unchanged, dryRun: false };
}

/** Loads the stored version in its own isolate: a module that throws at load is refused before anything flips. */
async function checkModuleLoads(c: ApiContext, tenant: string, body: DeployBody, secretsRev: number): Promise<void> {
  try {
    await loadIsolate(c.env, c.ctx.exports, tenant, body.version, secretsRev).ping();
  } catch (err) {
    const report = await mapErrorReport(c.env as PlatformEnv, tenant, body.version, reportFromThrown(err));
    const at = report.stack
      .split("\n")
      .find((line) => /^\s+at /.test(line) && !line.includes("aerostack-entry"))
      ?.trim();
    throw new HttpError("module_load_failed", `the new version throws while loading: ${report.name}: ${report.message}${at ? ` (${at})` : ""}. The previous version still serves`);
  }
}

export async function listDeployments(c: ApiContext): Promise<{ deployments: DeploymentInfo[] }> {
  const scope = projectScope(c);
  await existingProject(c, scope);
  const rows = await projectStore(c.env, scope.tenant).listDeployments();
  return { deployments: rows.map((d) => ({ version: d.version, createdAt: iso(d.createdAt), message: d.message, by: d.by, active: d.active })) };
}

export async function rollback(c: ApiContext<{ version?: string | undefined }>): Promise<RollbackResult> {
  const scope = projectScope(c);
  await existingProject(c, scope);
  const store = projectStore(c.env, scope.tenant);
  const result = await store.rollback(c.body.version);
  if ("error" in result) {
    if (result.error === "not_found") {
      throw new HttpError("deployment_not_found", `no stored version ${JSON.stringify(c.body.version)} of ${scope.project} (${scope.env}); see \`aerostack deployments list\``);
    }
    throw new HttpError("no_previous_version", `${scope.project} (${scope.env}) has no earlier version to roll back to; see \`aerostack deployments list\``);
  }
  rememberActive(scope.tenant, await store.getActive());
  c.ctx.waitUntil(controlPlane(c.env).projectDeployed(scope.tenant));
  await directory(c.env).recordProject(callerOf(c), scope.project, scope.env, result.version, "rollback", `${scope.project} (${scope.env}) ${result.previous} → ${result.version}`);
  return { project: scope.project, env: scope.env, version: result.version, previousVersion: result.previous };
}
