/**
 * The workspaces `aerostack dev` serves: `/ws/dev` (the project's own MCP server plus `[[mcp.proxy]]`), or, in a
 * `type = "workspace"` folder, `/ws/<name>` with the `[[members]]` it can reach; with their secrets and a token.
 */
import { createHash, randomBytes } from "node:crypto";
import type { ProjectConfig } from "../../shared/config";
import {
  DEFAULT_CALL_TIMEOUT_MS,
  DEFAULT_MEMBER_TIMEOUT_MS,
  DEV_TOKEN_PREFIX,
  parseHeaderValue,
  secretNames,
  type HeaderValue,
  type Member,
  type WorkspaceConfig,
} from "../../shared/gateway";
import type { WorkspaceSettingsPatch } from "../../shared/workspaces";
import { memberFromConfig, settingsFromConfig } from "../workspace/members";
import { readDevSecrets } from "./secrets";

export interface DevWorkspace {
  config: WorkspaceConfig;
  /** Per member, the values of the secrets its headers reference (only those). */
  secrets: Record<string, Record<string, string>>;
  /** `mcp.proxy "github": header Authorization needs secret GITHUB_TOKEN, …`: referenced but set nowhere. */
  missing: string[];
}

/** The workspace config `aerostack.toml` describes (no secret values: those are read separately). */
export function workspaceConfig(config: ProjectConfig): WorkspaceConfig {
  const members: Member[] = [];
  // A skill is an MCP server with one tool: the dev gateway composes it the same way.
  if (config.type === "mcp-server" || config.type === "skill") members.push({ kind: "project", slug: config.name, project: config.name });
  for (const proxy of config.mcp?.proxy ?? []) {
    const headers: Record<string, HeaderValue> = {};
    for (const [name, raw] of Object.entries(proxy.headers)) {
      const parsed = parseHeaderValue(name, raw);
      // The config schema already refused bad headers; this only narrows the type.
      if (!("error" in parsed)) headers[name] = parsed;
    }
    members.push({
      kind: "proxy",
      slug: proxy.slug,
      url: proxy.url,
      headers,
      ...(proxy.timeout_ms !== undefined ? { timeoutMs: proxy.timeout_ms } : {}),
    });
  }
  return {
    members,
    timeoutMs: config.mcp?.timeout_ms ?? DEFAULT_MEMBER_TIMEOUT_MS,
    callTimeoutMs: config.mcp?.call_timeout_ms ?? DEFAULT_CALL_TIMEOUT_MS,
  };
}

/**
 * The dev workspace with its secrets: each proxy gets the secrets its headers name, from `.dev.vars` or (when set
 * there) the environment. Values go only to the platform, sealed; `missing` names what is set nowhere.
 */
export async function readDevWorkspace(root: string, config: ProjectConfig, environment: NodeJS.ProcessEnv = process.env): Promise<DevWorkspace> {
  return withDevSecrets(root, config, workspaceConfig(config), "mcp.proxy", environment);
}

/** A workspace folder's dev gateway: what `readDevWorkspace` gives, its `[workspace]` settings, and who was left out. */
export interface FolderDevWorkspace extends DevWorkspace {
  settings: WorkspaceSettingsPatch;
  /** `members[1] "weather" (project "weather")`: members dev cannot serve, with why, for a notice. */
  skipped: string[];
}

/**
 * `aerostack dev` in a `type = "workspace"` folder: its proxied `[[members]]` (URLs dev can reach) with their secrets
 * from `.dev.vars` or the environment. Project and workspace members live on a platform, which dev does not reach
 * (its own platform has no deployed projects), so they are left out and named in `skipped`.
 */
export async function readFolderDevWorkspace(root: string, config: ProjectConfig, environment: NodeJS.ProcessEnv = process.env): Promise<FolderDevWorkspace> {
  const members: Member[] = [];
  const skipped: string[] = [];
  (config.members ?? []).forEach((entry, i) => {
    const member = memberFromConfig(entry, i, config.name);
    if (member.kind === "proxy") members.push(member);
    else skipped.push(`members[${i}] "${member.slug}" (${member.kind} "${member.kind === "project" ? member.project : member.kind === "workspace" ? member.workspace : member.package}")`);
  });
  const ws: WorkspaceConfig = { members, timeoutMs: DEFAULT_MEMBER_TIMEOUT_MS, callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS };
  const withSecrets = await withDevSecrets(root, config, ws, "members", environment);
  return { ...withSecrets, settings: settingsFromConfig(config), skipped };
}

/** Reads the secrets the proxies' headers reference; `label` names the config section in messages about missing ones. */
async function withDevSecrets(root: string, config: ProjectConfig, ws: WorkspaceConfig, label: string, environment: NodeJS.ProcessEnv): Promise<DevWorkspace> {
  const wanted = [...new Set(ws.members.flatMap((m) => (m.kind === "proxy" ? secretNames(m.headers) : [])))];
  const values = wanted.length === 0 ? {} : await readDevSecrets(root, { ...config, secrets: wanted }, environment);
  const secrets: Record<string, Record<string, string>> = {};
  const missing: string[] = [];
  for (const member of ws.members) {
    if (member.kind !== "proxy") continue;
    for (const [header, value] of Object.entries(member.headers)) {
      if (!("secret" in value)) continue;
      const secret = values[value.secret];
      if (secret === undefined) {
        missing.push(`${label} "${member.slug}": header ${header} needs secret ${value.secret}, which is not in .dev.vars or the environment`);
      } else (secrets[member.slug] ??= {})[value.secret] = secret;
    }
  }
  return { config: ws, secrets, missing };
}

/** A fresh dev token (`mwt_dev_…`, 256 random bits) and the SHA-256 hash the platform stores instead of it. */
export function newDevToken(): { token: string; hash: string } {
  const token = `${DEV_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
