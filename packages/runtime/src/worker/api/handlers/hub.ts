/** The Hub's API: publish a deployed project as `@account/name@version`, search, info, install, update (with the rug-pull guard), deprecate and yank. */
import type * as z from "zod/mini";
import { NAME_SEPARATOR, type Member } from "../../../shared/gateway";
import {
  parsePackageName,
  type HubInstallBodySchema,
  type HubInstallResult,
  type HubPublishBodySchema,
  type HubRefreshBodySchema,
  type HubRefreshResult,
  type HubSearchResult,
  type HubUpdateBodySchema,
  type HubVersionInfo,
  type HubVersionStateBodySchema,
} from "../../../shared/hub";
import { directory } from "../../accounts/directory";
import { HttpError } from "../../http/http-error";
import { projectStore } from "../../projects/project-store";
import { installTenant, tenantId } from "../../projects/tenant";
import { workspaceObject } from "../../workspaces/workspace";
import { captureManifest, packageSummary } from "../../hub/capabilities";
import { diffTools } from "../../hub/diff";
import { hubRegistry, newestInstallable, visibleTo, type VersionRow } from "../../hub/registry";
import type { MigrationOutcome } from "../../bindings/db/project-database";
import { embedPackage, hubBindings } from "../../hub/embedding";
import { callerOf, type ApiContext } from "../context";
import { intQuery, iso } from "../params";

const MAX_TOOL_NAME = 64;

/** `:scope/:name` of a route as `@scope/name`, checked. */
function packageParam(c: ApiContext): string {
  const name = `@${c.params.scope ?? ""}/${c.params.name ?? ""}`;
  if (!parsePackageName(name)) throw new HttpError("bad_name", `${JSON.stringify(name.slice(0, 80))} is not a package name: use "@account/name"`);
  return name;
}

/** A package's versions (the RPC stub's types lose the manifest's `unknown` schemas; the rows are the registry's). */
const versionsOf = async (c: ApiContext, name: string) => (await hubRegistry(c.env).versions(name)) as unknown as VersionRow[];

/** The package's versions the caller may see; none (or none visible) reads as not found. */
async function visibleVersions(c: ApiContext, name: string): Promise<VersionRow[]> {
  const rows = (await versionsOf(c, name)).filter((r) => visibleTo(r, callerOf(c).account));
  if (rows.length === 0) throw new HttpError("package_not_found", `no package ${name} on this Hub; find one with \`aerostack hub search <what it does>\``);
  return rows;
}

function versionInfo(row: VersionRow, all: VersionRow[]): HubVersionInfo {
  return {
    name: row.name,
    version: row.version,
    kind: row.kind,
    visibility: row.visibility,
    description: row.description,
    summary: row.summary,
    readme: row.readme,
    publishedAt: iso(row.publishedAt),
    deprecated: row.deprecated,
    yanked: row.yanked,
    manifest: row.manifest,
    versions: all.map((r) => ({ version: r.version, yanked: r.yanked, deprecated: r.deprecated, publishedAt: iso(r.publishedAt) })),
  };
}

async function audit(c: ApiContext, action: string, target: string): Promise<void> {
  const caller = callerOf(c);
  await directory(c.env).audit(caller.account, caller.keyName, action, target);
}

export async function publishPackage(c: ApiContext<z.output<typeof HubPublishBodySchema>>): Promise<HubVersionInfo> {
  const { account } = callerOf(c);
  const body = c.body;
  const name = body.name ?? `@${account}/${body.project}`;
  const scope = parsePackageName(name)!;
  const registry = hubRegistry(c.env);
  // Every check before any work: nothing is stored unless all pass.
  const owner = await registry.owner(name);
  if (scope.account !== account || (owner !== null && owner !== account)) {
    throw new HttpError("hub_name_owned", `${name} belongs to account "${owner ?? scope.account}"; publish under your own account's name, @${account}/${scope.name}`);
  }
  if (await registry.hasVersion(name, body.version)) {
    throw new HttpError("hub_version_exists", `${name}@${body.version} is already published and versions are immutable; raise version in aerostack.toml and publish again`);
  }
  if (!(await directory(c.env).getProject(account, body.project))) {
    throw new HttpError("project_not_found", `no project "${body.project}" in account "${account}"; deploy it first with \`aerostack deploy\``);
  }
  const tenant = tenantId(account, body.project, "production");
  const active = await projectStore(c.env, tenant).getActive();
  if (active.version === null) throw new HttpError("not_deployed", `project "${body.project}" has no active deployment; run \`aerostack deploy\` first`);
  // The migrations that built the publisher's database at this deployment go with the version: every install builds
  // its own database from them (the code runs once for everyone, but each install's data is its own).
  const migrations = await projectStore(c.env, tenant).getMigrations(active.version);
  if (migrations === null) {
    throw new HttpError(
      "not_deployed",
      `${body.project}@${active.version} was deployed before the platform kept a deployment's migrations, so installs could not build their database; run \`aerostack deploy\` and publish again`,
    );
  }
  let manifest;
  try {
    manifest = await captureManifest(c.env, c.ctx.exports, (p) => c.ctx.waitUntil(p), tenant, body.secrets);
  } catch (err) {
    throw new HttpError("not_deployed", `could not read the deployed code's tools from ${body.project}@${active.version}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const row = {
    name,
    account,
    version: body.version,
    kind: body.kind,
    visibility: body.visibility,
    project: tenant,
    deployment: active.version,
    description: body.description,
    summary: await packageSummary(c.ctx.exports, tenant, active.settings, body.description, manifest),
    readme: body.readme,
    manifest,
    publishedAt: Date.now(),
  };
  const outcome = await registry.publish(row, migrations);
  if (!outcome.ok) {
    throw outcome.reason === "owned"
      ? new HttpError("hub_name_owned", `${name} belongs to account "${outcome.owner}"`)
      : new HttpError("hub_version_exists", `${name}@${body.version} is already published and versions are immutable`);
  }
  // The embedding search blends in; a failure here leaves word search working, so it does not undo the publish.
  await embedPackage(c.ctx.exports, { name, description: row.description, summary: row.summary, tools: manifest.tools });
  await audit(c, "hub.publish", `${name}@${body.version}`);
  return versionInfo({ ...row, deprecated: null, yanked: false }, await visibleVersions(c, name));
}

export async function searchPackages(c: ApiContext): Promise<HubSearchResult> {
  const q = (c.url.searchParams.get("q") ?? "").slice(0, 500);
  const limit = intQuery(c, "limit", 1, 100) ?? 20;
  let vectorScores: [string, number][] = [];
  if (q.trim() !== "") {
    try {
      const { ai, vectorize } = hubBindings(c.ctx.exports);
      const { vectors } = await ai.embed({ input: [q] });
      const { matches } = await vectorize.query(new Float32Array(vectors[0]!), { topK: 50 });
      vectorScores = matches.map((m) => [m.id, m.score]);
    } catch {
      // An index not made yet (nothing published) or an AI failure: words alone still rank.
    }
  }
  return hubRegistry(c.env).search(q, callerOf(c).account, vectorScores, limit);
}

/** The hourly manifest refresh, run now (the registry's alarm runs it every hour on its own). */
export async function refreshManifests(c: ApiContext<z.output<typeof HubRefreshBodySchema>>): Promise<HubRefreshResult> {
  const outcome = await hubRegistry(c.env).refresh(c.body.now ?? Date.now());
  await audit(c, "hub.refresh", `${outcome.changed.length} of ${outcome.checked} changed`);
  return outcome;
}

export async function getPackage(c: ApiContext): Promise<HubVersionInfo> {
  const name = packageParam(c);
  const rows = await visibleVersions(c, name);
  const wanted = c.url.searchParams.get("version");
  const row = wanted ? rows.find((r) => r.version === wanted) : (newestInstallable(rows) ?? rows[0]);
  if (!row) throw new HttpError("version_not_found", `${name} has no version ${wanted}; published: ${rows.map((r) => r.version).join(", ")}`);
  return versionInfo(row, rows);
}

export async function setVersionState(c: ApiContext<z.output<typeof HubVersionStateBodySchema>>): Promise<HubVersionInfo> {
  const name = packageParam(c);
  const version = c.params.version ?? "";
  const registry = hubRegistry(c.env);
  if ((await registry.owner(name)) !== callerOf(c).account) throw new HttpError("hub_name_owned", `only the account that owns ${name} may deprecate or yank its versions`);
  const row = (await registry.setState(name, version, c.body)) as unknown as VersionRow | null;
  if (!row) throw new HttpError("version_not_found", `${name} has no version ${JSON.stringify(version.slice(0, 64))}`);
  await audit(c, c.body.yanked ? "hub.yank" : "hub.version.state", `${name}@${version}`);
  return versionInfo(row, await versionsOf(c, name));
}

/** The caller's workspace by name, or not found. */
async function ownedWorkspace(c: ApiContext, slug: string): Promise<void> {
  if ((await directory(c.env).workspaceOwner(slug)) !== callerOf(c).account) {
    throw new HttpError("workspace_not_found", `no workspace "${slug}" in account "${callerOf(c).account}"; create it with \`aerostack workspace create ${slug}\``);
  }
}

/** The version an install or update targets: the one asked for (never a yanked one), else the newest installable. */
function targetVersion(name: string, rows: VersionRow[], wanted: string | undefined): VersionRow {
  if (wanted === undefined) {
    const newest = newestInstallable(rows);
    if (!newest) throw new HttpError("version_yanked", `every version of ${name} is yanked`);
    return newest;
  }
  const row = rows.find((r) => r.version === wanted);
  if (!row) throw new HttpError("version_not_found", `${name} has no version ${wanted}; published: ${rows.map((r) => r.version).join(", ")}`);
  if (row.yanked) throw new HttpError("version_yanked", `${name}@${wanted} was yanked by its publisher; installs that have it keep working, new ones refuse it. Pick another version`);
  return row;
}

/** Checks what a member for `row` needs in workspace `ws` (secrets, tool name lengths) and returns it. */
async function hubMember(c: ApiContext, ws: string, slug: string, row: VersionRow): Promise<Member> {
  const names = row.manifest.secrets.map((s) => s.name);
  const have = new Set((await workspaceObject(c.env, ws).listSecrets()).map((s) => s.name));
  const missing = names.filter((n) => !have.has(n));
  if (missing.length > 0) {
    const about = row.manifest.secrets.filter((s) => missing.includes(s.name)).map((s) => `${s.name}${s.description ? ` (${s.description}${s.howToGet ? `; ${s.howToGet}` : ""})` : ""}`);
    throw new HttpError("missing_secret", `${row.name}@${row.version} needs secret${missing.length > 1 ? "s" : ""} ${about.join(", ")} in workspace ${ws}; set ${missing.length > 1 ? "each" : "it"} with \`aerostack secret put ${missing[0]} --workspace ${ws}\` and install again`);
  }
  const tooLong = row.manifest.tools.filter((t) => slug.length + NAME_SEPARATOR.length + t.name.length > MAX_TOOL_NAME);
  if (tooLong.length > 0) throw new HttpError("invalid_member", `${slug}${NAME_SEPARATOR}${tooLong[0]!.name} would be over ${MAX_TOOL_NAME} characters; install with a shorter --as`);
  // The install's own data, never the publisher's: the code runs once for everyone, so shared bindings would let it
  // carry one installer's data to another (or keep it in the publisher's project).
  const tenant = installTenant(callerOf(c).account, ws, parsePackageName(row.name)!);
  return { kind: "hub", slug, package: row.name, version: row.version, project: row.project, deployment: row.deployment, secrets: names, tenant };
}

/**
 * Applies `row`'s pending migrations to the install's own database, all in one transaction: a failing one leaves the
 * database as it was and refuses the install or update (`unchanged` says what stays as it was).
 */
async function migrateInstall(c: ApiContext, member: Member, row: VersionRow, unchanged: string): Promise<MigrationOutcome> {
  if (member.kind !== "hub" || !member.tenant) throw new Error(`migrateInstall: ${member.slug} is not a Hub install with data of its own`);
  const migrations = await hubRegistry(c.env).migrations(row.name, row.version);
  if (migrations.length === 0) return { applied: [], skipped: [] };
  try {
    return await c.env.PROJECT_DB.get(c.env.PROJECT_DB.idFromName(member.tenant)).applyMigrationsAtomically(migrations, false);
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).slice(0, 500);
    throw new HttpError(
      "install_migration_failed",
      `${row.name}@${row.version} could not build its database: ${reason}. Nothing was applied and ${unchanged}; the publisher (${row.account}) must publish a version whose migrations apply, or pick another version with ${row.name}@<version>`,
    );
  }
}

/** Where an install or update lands: the package, the caller's workspace, the member slug and what is there now. */
async function installSite(c: ApiContext<{ workspace: string; as?: string | undefined }>) {
  const name = packageParam(c);
  const { workspace } = c.body;
  await ownedWorkspace(c, workspace);
  const slug = c.body.as ?? parsePackageName(name)!.name;
  const ws = workspaceObject(c.env, workspace);
  const current = (await ws.info())?.members.find((m) => m.member.slug === slug)?.member;
  return { name, workspace, slug, ws, current };
}

export async function installPackage(c: ApiContext<z.output<typeof HubInstallBodySchema>>): Promise<HubInstallResult> {
  const { name, workspace, slug, ws, current } = await installSite(c);
  if (current) throw new HttpError("member_exists", `workspace ${workspace} already has a member "${slug}"; move an install with \`aerostack hub update ${name} --workspace ${workspace}\`, or install with --as <other>`);
  const row = targetVersion(name, await visibleVersions(c, name), c.body.version);
  const member = await hubMember(c, workspace, slug, row);
  const migrations = await migrateInstall(c, member, row, `nothing was installed in ${workspace}`);
  await ws.putMember(member);
  await audit(c, "hub.install", `${name}@${row.version} → ${workspace}/${slug}`);
  return { workspace, member: slug, name, version: row.version, previousVersion: null, needsConfirmation: false, changes: [], tools: row.manifest.tools.map((t) => `${slug}${NAME_SEPARATOR}${t.name}`), migrations };
}

export async function updatePackage(c: ApiContext<z.output<typeof HubUpdateBodySchema>>): Promise<HubInstallResult> {
  const { name, workspace, slug, ws, current } = await installSite(c);
  if (!current || current.kind !== "hub" || current.package !== name) {
    throw new HttpError("member_not_found", `${name} is not installed in workspace ${workspace}${c.body.as ? ` as ${slug}` : ""}; install it with \`aerostack hub install ${name} --workspace ${workspace}\``);
  }
  const rows = await visibleVersions(c, name);
  const target = targetVersion(name, rows, c.body.version);
  const installed = rows.find((r) => r.version === current.version);
  const changes = diffTools(installed?.manifest.tools ?? [], target.manifest.tools);
  const result: HubInstallResult = {
    workspace,
    member: slug,
    name,
    version: target.version,
    previousVersion: current.version,
    needsConfirmation: false,
    changes,
    tools: target.manifest.tools.map((t) => `${slug}${NAME_SEPARATOR}${t.name}`),
  };
  const keeps = `${workspace} keeps serving ${current.version}`;
  if (target.version === current.version) {
    // An install made before installs had data of their own gets one (it is refused until then); one made before
    // installs got their migrations gets its pending ones now (none pending is a no-op).
    const member = current.tenant ? current : await hubMember(c, workspace, slug, target);
    const migrations = await migrateInstall(c, member, target, keeps);
    if (!current.tenant) await ws.putMember(member);
    return { ...result, changes: [], migrations };
  }
  // The rug-pull guard: any tool change is shown first, and the pinned version keeps serving until it is accepted.
  if (changes.length > 0 && !c.body.yes) return { ...result, needsConfirmation: true };
  const member = await hubMember(c, workspace, slug, target);
  // Before the switch: the new version's code never meets a database without its tables, and a failing migration
  // leaves the old version serving on the database it had.
  const migrations = await migrateInstall(c, member, target, keeps);
  await ws.putMember(member);
  await audit(c, "hub.update", `${name} ${current.version} → ${target.version} in ${workspace}/${slug}`);
  return { ...result, migrations };
}
