/** Workspaces: create, show, settings, members (add, remove, switch, sync from a workspace project), secrets, tokens, logs, analytics. */
import type { SecretInfo } from "../../../shared/api";
import { MEMBER_SLUG_PATTERN, MEMBER_TOKEN_PREFIX, type Member } from "../../../shared/gateway";
import { CALL_OUTCOMES } from "../../../shared/workspaces";
import {
  MAX_WORKSPACE_MEMBERS,
  type SyncWorkspaceResult,
  type WorkspaceInfo,
  type WorkspaceSettingsPatch,
  type WorkspaceTokenCreated,
  type WorkspaceTokenInfo,
  type WorkspaceTools,
} from "../../../shared/workspaces";
import type { CreateTokenBodySchema, PutMemberBodySchema, SyncWorkspaceBodySchema, CreateWorkspaceBodySchema ,
  MemberStateBodySchema, AcceptToolsBodySchema, ChangedTool} from "../../../shared/workspaces";
import type { ManifestTool } from "../../../shared/hub";
import { diffTools } from "../../hub/diff";
import { sha256Hex } from "../../../shared/sha256";
import { directory } from "../../accounts/directory";
import { HttpError } from "../../http/http-error";
import { workspaceObject, type ChangedToolRow, type MemberRow, type TokenRow } from "../../workspaces/workspace";
import { judgeMemberUrl } from "../../workspaces/member-url";
import { listMemberTools } from "../../workspaces/member-tools";
import { tenantId } from "../../projects/tenant";
import { callerOf, type ApiContext } from "../context";
import { intQuery, iso, isoOrNull, logPage, secretNameParam } from "../params";
import type * as z from "zod/mini";

/** The `:workspace` of a route, checked to be a slug. */
function workspaceSlug(c: ApiContext): string {
  const slug = c.params.workspace ?? "";
  if (!MEMBER_SLUG_PATTERN.test(slug)) throw new HttpError("bad_name", `workspace name ${JSON.stringify(slug.slice(0, 64))} is not valid: use a lowercase slug such as "eng"`);
  return slug;
}

/** The workspace a route names, owned by the caller's account; anyone else's reads as "not found". */
async function ownedWorkspace(c: ApiContext): Promise<string> {
  const slug = workspaceSlug(c);
  const caller = callerOf(c);
  // A workspace's admin token was checked against this very workspace (api/router.ts).
  if (caller.workspace !== undefined && caller.workspace !== slug) throw new HttpError("forbidden", `this token manages workspace "${caller.workspace}" only`);
  const owner = await directory(c.env).workspaceOwner(slug);
  if (owner !== caller.account) {
    throw new HttpError("workspace_not_found", `no workspace "${slug}" in account "${callerOf(c).account}"; create it with \`aerostack workspace create ${slug}\``);
  }
  return slug;
}

const gatewayUrl = (c: ApiContext, slug: string) => `${c.url.origin}/ws/${slug}`;

/** A member as people read it: what it points at, without the tenant's internals. */
function memberTarget(m: Member): string {
  if (m.kind === "project") return m.project.split(".")[1] ?? m.project;
  if (m.kind === "proxy") return m.url;
  if (m.kind === "hub") return `${m.package}@${m.version}`;
  return `workspace ${m.workspace}`;
}

async function info(c: ApiContext, slug: string): Promise<WorkspaceInfo> {
  const data = await workspaceObject(c.env, slug).info();
  if (!data) throw new HttpError("workspace_not_found", `workspace "${slug}" has no data; delete and create it again`);
  return {
    name: slug,
    account: data.account,
    url: gatewayUrl(c, slug),
    createdAt: iso(data.createdAt),
    settings: data.settings,
    members: data.members.map((r: MemberRow) => ({
      slug: r.member.slug,
      kind: r.member.kind,
      target: memberTarget(r.member),
      enabled: r.enabled,
      disabledTools: r.disabledTools,
      changedTools: (data.changedTools[r.member.slug] ?? []).map(changedTool),
    })),
  };
}

/** A withheld tool as people review it: field by field, as the Hub's update diff shows a new version's tools. */
function changedTool(row: ChangedToolRow): ChangedTool {
  const fields = diffTools([JSON.parse(row.before) as ManifestTool], [JSON.parse(row.after) as ManifestTool]).flatMap((c) => c.fields);
  return { tool: row.tool, changedAt: iso(row.changedAt), fields };
}

async function audit(c: ApiContext, action: string, target: string): Promise<void> {
  const caller = callerOf(c);
  await directory(c.env).audit(caller.account, caller.keyName, action, target);
}

export async function listWorkspaces(c: ApiContext): Promise<{ workspaces: WorkspaceInfo[] }> {
  const rows = await directory(c.env).listWorkspaces(callerOf(c).account);
  return { workspaces: await Promise.all(rows.map((r) => info(c, r.slug))) };
}

/** Claims the slug for the caller's account and makes the workspace's object (`workspace create`, a first sync). */
async function claimAndCreate(c: ApiContext, slug: string, settings: WorkspaceSettingsPatch = {}): Promise<void> {
  const claimed = await directory(c.env).claimWorkspace(callerOf(c), slug);
  if (claimed !== "claimed") {
    throw new HttpError("workspace_exists", claimed === "exists" ? `you already have a workspace "${slug}"` : `the workspace name "${slug}" is taken on this platform; pick another`);
  }
  await workspaceObject(c.env, slug).create(slug, callerOf(c).account, settings);
}

export async function createWorkspace(c: ApiContext<z.output<typeof CreateWorkspaceBodySchema>>): Promise<WorkspaceInfo> {
  await claimAndCreate(c, c.body.name, c.body.settings);
  return info(c, c.body.name);
}

export async function getWorkspace(c: ApiContext): Promise<WorkspaceInfo> {
  return info(c, await ownedWorkspace(c));
}

export async function updateWorkspace(c: ApiContext<{ settings: WorkspaceSettingsPatch }>): Promise<WorkspaceInfo> {
  const slug = await ownedWorkspace(c);
  await workspaceObject(c.env, slug).updateSettings(c.body.settings);
  await audit(c, "workspace.update", slug);
  return info(c, slug);
}

export async function deleteWorkspace(c: ApiContext): Promise<{ ok: true }> {
  const slug = await ownedWorkspace(c);
  await workspaceObject(c.env, slug).destroy();
  await directory(c.env).releaseWorkspace(callerOf(c), slug);
  return { ok: true };
}

/**
 * Checks a member before it is stored: a project must be the caller's, a URL must pass the SSRF rule, a composed
 * workspace must be the caller's and must not lead back here. Returns the member as stored (a project by tenant).
 */
async function checkMember(c: ApiContext, slug: string, member: Member): Promise<Member> {
  const account = callerOf(c).account;
  // Projects and other workspaces of the account are the account's to share: an admin token would otherwise reach
  // tools its workspace was never given.
  if (callerOf(c).workspace !== undefined && member.kind !== "proxy") {
    throw new HttpError("forbidden", `adding a ${member.kind} member needs the account's key (aerostack login); a workspace admin token adds proxied servers (--url)`);
  }
  if (member.kind === "project") {
    const name = member.project;
    if (!MEMBER_SLUG_PATTERN.test(name)) throw new HttpError("invalid_member", `project ${JSON.stringify(name.slice(0, 64))} is not a project name`);
    const project = await directory(c.env).getProject(account, name);
    if (!project) throw new HttpError("invalid_member", `no project "${name}" in account "${account}"; deploy it first with \`aerostack deploy\``);
    return { ...member, project: tenantId(account, name, "production") };
  }
  if (member.kind === "proxy") {
    const verdict = judgeMemberUrl(member.url, member.allowPrivate === true);
    if (verdict) throw new HttpError("invalid_member", `member ${member.slug}: ${verdict}`);
    return member;
  }
  // A hub member names another account's code: only `hub install` (worker/hub) makes one, after its checks.
  if (member.kind === "hub") throw new HttpError("invalid_member", `member ${member.slug}: install Hub packages with \`aerostack hub install ${member.package} --workspace ${slug}\``);
  if (member.workspace === slug) throw new HttpError("invalid_member", `workspace "${slug}" cannot compose itself`);
  if ((await directory(c.env).workspaceOwner(member.workspace)) !== account) {
    throw new HttpError("invalid_member", `no workspace "${member.workspace}" in account "${account}"`);
  }
  // Walk what the composed workspace composes: reaching this one again would be a cycle.
  const seen = new Set<string>([slug]);
  const queue = [member.workspace];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next)) throw new HttpError("invalid_member", `composing "${member.workspace}" into "${slug}" makes a cycle (${[...seen].join(" → ")} → ${next})`);
    seen.add(next);
    const data = await workspaceObject(c.env, next).info();
    for (const row of data?.members ?? []) if (row.member.kind === "workspace") queue.push(row.member.workspace);
  }
  return member;
}

export async function putMember(c: ApiContext<z.output<typeof PutMemberBodySchema>>): Promise<WorkspaceInfo> {
  const slug = await ownedWorkspace(c);
  const memberSlug = c.params.member ?? "";
  if (c.body.member.slug !== memberSlug) throw new HttpError("invalid_body", `member.slug "${c.body.member.slug}" differs from the path's "${memberSlug}"`);
  const ws = workspaceObject(c.env, slug);
  const current = await ws.info();
  if (current && current.members.length >= MAX_WORKSPACE_MEMBERS && !current.members.some((m) => m.member.slug === memberSlug)) {
    throw new HttpError("invalid_member", `a workspace has at most ${MAX_WORKSPACE_MEMBERS} members; remove one first`);
  }
  const member = await checkMember(c, slug, c.body.member);
  await ws.putMember(member);
  await audit(c, "workspace.member.put", `${slug}/${memberSlug}`);
  return info(c, slug);
}

export async function removeMember(c: ApiContext): Promise<WorkspaceInfo> {
  const slug = await ownedWorkspace(c);
  const member = c.params.member ?? "";
  if (!(await workspaceObject(c.env, slug).removeMember(member))) throw new HttpError("member_not_found", `workspace "${slug}" has no member "${member}"`);
  await audit(c, "workspace.member.remove", `${slug}/${member}`);
  return info(c, slug);
}

export async function setMemberState(c: ApiContext<z.output<typeof MemberStateBodySchema>>): Promise<WorkspaceInfo> {
  const slug = await ownedWorkspace(c);
  const member = c.params.member ?? "";
  const row = await workspaceObject(c.env, slug).setMemberState(member, c.body);
  if (!row) throw new HttpError("member_not_found", `workspace "${slug}" has no member "${member}"`);
  await audit(c, "workspace.member.state", `${slug}/${member}`);
  return info(c, slug);
}

/** The rug-pull guard: an admin accepts a proxied member's changed tools, and the gateway serves them again. */
export async function acceptTools(c: ApiContext<z.output<typeof AcceptToolsBodySchema>>): Promise<WorkspaceInfo> {
  const slug = await ownedWorkspace(c);
  const member = c.params.member ?? "";
  const tool = c.body.tool === undefined ? undefined : c.body.tool.startsWith(`${member}__`) ? c.body.tool.slice(member.length + 2) : c.body.tool;
  const result = await workspaceObject(c.env, slug).acceptTools(member, tool);
  if (!result) throw new HttpError("member_not_found", `workspace "${slug}" has no member "${member}"`);
  if (tool !== undefined && result.accepted.length === 0) {
    throw new HttpError("changed_tool_not_found", `no tool "${tool.slice(0, 128)}" of ${member} awaits acceptance; \`aerostack workspace show ${slug}\` lists the changed ones`);
  }
  await audit(c, "workspace.member.accept", `${slug}/${member}${result.accepted.length ? ` ${result.accepted.join(", ")}` : ""}`);
  return info(c, slug);
}

/** `aerostack deploy` of a workspace project: the members in its aerostack.toml become the workspace's. */
export async function syncWorkspace(c: ApiContext<z.output<typeof SyncWorkspaceBodySchema>>): Promise<SyncWorkspaceResult> {
  const slug = workspaceSlug(c);
  const account = callerOf(c).account;
  const owner = await directory(c.env).workspaceOwner(slug);
  if (owner !== null && owner !== account) throw new HttpError("workspace_exists", `the workspace name "${slug}" is taken on this platform; rename the project`);
  // Every check comes before any change: a sync that fails leaves the platform as it was.
  const members: Member[] = [];
  for (const m of c.body.members) members.push(await checkMember(c, slug, m));
  const ws = workspaceObject(c.env, slug);
  const have = owner === null ? [] : await ws.listSecrets();
  const missing = c.body.requiredSecrets.filter((n) => !have.some((s) => s.name === n));
  if (missing.length > 0) {
    const first = owner === null ? `create the workspace (\`aerostack workspace create ${slug}\`), then ` : "";
    throw new HttpError("missing_secret", `workspace ${slug} needs secret${missing.length > 1 ? "s" : ""} ${missing.join(", ")}; ${first}set ${missing.length > 1 ? "each" : "it"} with \`aerostack secret put ${missing[0]} --workspace ${slug}\` and deploy again`);
  }
  // A workspace project's first deploy creates the workspace.
  if (owner === null && !c.body.dryRun) await claimAndCreate(c, slug, c.body.settings);
  const before = new Map(((await ws.info())?.members ?? []).map((r) => [r.member.slug, JSON.stringify(r.member)]));
  const result: SyncWorkspaceResult = { workspace: slug, url: gatewayUrl(c, slug), dryRun: c.body.dryRun, added: [], changed: [], removed: [], unchanged: [] };
  for (const m of members) {
    const old = before.get(m.slug);
    if (old === undefined) result.added.push(m.slug);
    else if (old !== JSON.stringify(m)) result.changed.push(m.slug);
    else result.unchanged.push(m.slug);
  }
  result.removed = [...before.keys()].filter((k) => !members.some((m) => m.slug === k));
  if (!c.body.dryRun) {
    await ws.replaceMembers(members);
    if (c.body.settings && owner !== null) await ws.updateSettings(c.body.settings);
    await audit(c, "workspace.sync", `${slug} (+${result.added.length} ~${result.changed.length} -${result.removed.length})`);
  }
  return result;
}

const secretName = (c: ApiContext) => secretNameParam(c, false);

export async function listWorkspaceSecrets(c: ApiContext): Promise<{ secrets: SecretInfo[] }> {
  const slug = await ownedWorkspace(c);
  return { secrets: (await workspaceObject(c.env, slug).listSecrets()).map((s) => ({ name: s.name, updatedAt: iso(s.updatedAt) })) };
}

export async function putWorkspaceSecret(c: ApiContext<{ value: string }>): Promise<SecretInfo> {
  const slug = await ownedWorkspace(c);
  const name = secretName(c);
  const saved = await workspaceObject(c.env, slug).putSecret(slug, name, c.body.value);
  await audit(c, "workspace.secret.put", `${slug}/${name}`);
  return { name, updatedAt: iso(saved.updatedAt) };
}

export async function deleteWorkspaceSecret(c: ApiContext): Promise<{ ok: true }> {
  const slug = await ownedWorkspace(c);
  const name = secretName(c);
  if (!(await workspaceObject(c.env, slug).deleteSecret(name))) throw new HttpError("secret_not_found", `workspace "${slug}" has no secret ${name}`);
  await audit(c, "workspace.secret.delete", `${slug}/${name}`);
  return { ok: true };
}

const tokenInfo = (t: TokenRow): WorkspaceTokenInfo => ({
  id: t.id,
  name: t.name,
  role: t.role,
  createdAt: iso(t.createdAt),
  expiresAt: isoOrNull(t.expiresAt),
  lastUsedAt: isoOrNull(t.lastUsedAt),
  revokedAt: isoOrNull(t.revokedAt),
  tools: t.tools,
});

export async function listWorkspaceTokens(c: ApiContext): Promise<{ tokens: WorkspaceTokenInfo[] }> {
  const slug = await ownedWorkspace(c);
  return { tokens: (await workspaceObject(c.env, slug).listTokens()).map(tokenInfo) };
}

/** `mwt_` + 32 random bytes (base64url): shown once, stored as its SHA-256. */
function newMemberToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `${MEMBER_TOKEN_PREFIX}${btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}`;
}

export async function createWorkspaceToken(c: ApiContext<z.output<typeof CreateTokenBodySchema>>): Promise<WorkspaceTokenCreated> {
  const slug = await ownedWorkspace(c);
  if (c.body.expiresAt !== undefined && c.body.expiresAt <= Date.now()) throw new HttpError("invalid_body", "expiresAt is in the past");
  const token = newMemberToken();
  const id = `tok_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const row = await workspaceObject(c.env, slug).createToken({ id, hash: await sha256Hex(token), name: c.body.name, role: c.body.role, expiresAt: c.body.expiresAt, tools: c.body.tools });
  await audit(c, "workspace.token.create", `${slug}/${id} (${c.body.name}, ${c.body.role})`);
  return { token, url: gatewayUrl(c, slug), info: tokenInfo(row) };
}

export async function revokeWorkspaceToken(c: ApiContext): Promise<{ ok: true }> {
  const slug = await ownedWorkspace(c);
  const id = c.params.id ?? "";
  if (!(await workspaceObject(c.env, slug).revokeToken(id))) throw new HttpError("token_not_found", `workspace "${slug}" has no live token ${JSON.stringify(id.slice(0, 64))}; see \`aerostack token list --workspace ${slug}\``);
  await audit(c, "workspace.token.revoke", `${slug}/${id}`);
  return { ok: true };
}


export async function workspaceLogs(c: ApiContext) {
  const slug = await ownedWorkspace(c);
  const text = (name: string) => {
    const v = c.url.searchParams.get(name);
    if (v !== null && v.length > 200) throw new HttpError("invalid_query", `${name} is at most 200 characters`);
    return v === null || v === "" ? undefined : v;
  };
  const outcome = text("outcome");
  if (outcome !== undefined && !(CALL_OUTCOMES as readonly string[]).includes(outcome)) throw new HttpError("invalid_query", `outcome must be one of ${CALL_OUTCOMES.join(", ")}`);
  return workspaceObject(c.env, slug).callLog({ ...logPage(c), until: intQuery(c, "until", 0, Number.MAX_SAFE_INTEGER), member: text("member"), tool: text("tool"), outcome });
}

/** The dashboard's charts: read from the call log's hourly histograms, so a large log costs no more than a small one. */
export async function workspaceTimeline(c: ApiContext) {
  const slug = await ownedWorkspace(c);
  const since = intQuery(c, "since", 0, Number.MAX_SAFE_INTEGER) ?? Date.now() - 7 * 86_400_000;
  return workspaceObject(c.env, slug).timeline(since, intQuery(c, "bucket", 1, 168) ?? 6);
}

export async function workspaceAnalytics(c: ApiContext) {
  const slug = await ownedWorkspace(c);
  return workspaceObject(c.env, slug).analytics(intQuery(c, "since", 0, Number.MAX_SAFE_INTEGER) ?? Date.now() - 7 * 86_400_000);
}

/** Each member's own tools/list, asked now, with the workspace's switches (the dashboard's per-tool switches). */
export async function workspaceTools(c: ApiContext): Promise<WorkspaceTools> {
  const slug = await ownedWorkspace(c);
  const only = c.url.searchParams.get("member") ?? undefined;
  if (only !== undefined && !MEMBER_SLUG_PATTERN.test(only)) throw new HttpError("invalid_query", `member ${JSON.stringify(only.slice(0, 64))} is not a member name (a lowercase slug)`);
  const members = await listMemberTools({ env: c.env, exports: c.ctx.exports, waitUntil: (p) => c.ctx.waitUntil(p) }, slug, only);
  if (members === null) throw new HttpError("workspace_not_found", `workspace "${slug}" has no data; delete and create it again`);
  if (only !== undefined && members.length === 0) throw new HttpError("member_not_found", `no member "${only}" in workspace "${slug}"; \`aerostack workspace show ${slug}\` lists them`);
  return { members };
}
