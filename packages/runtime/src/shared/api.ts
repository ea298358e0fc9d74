/** The platform's public REST API (`/api/v1`): one zod schema per body, shared by the worker, the CLI client and OpenAPI. */
// zod/mini: the platform worker bundles these schemas, and workerd parses that bundle at every start.
import * as z from "zod/mini";
import { DeploymentSettingsSchema, ProjectIdSchema } from "./protocol";
import {
  AnalyticsSchema,
  CallLogSchema,
  CreateTokenBodySchema,
  TimelineSchema,
  CreateWorkspaceBodySchema,
  MemberStateBodySchema,
  AcceptToolsBodySchema,
  PutMemberBodySchema,
  SyncWorkspaceBodySchema,
  SyncWorkspaceResultSchema,
  UpdateWorkspaceBodySchema,
  WorkspaceInfoSchema,
  WorkspaceTokenCreatedSchema,
  WorkspaceTokenInfoSchema,
  WorkspaceToolsSchema,
} from "./workspaces";
import {
  DecisionBodySchema,
  DeployWorkflowBodySchema,
  DeployWorkflowResultSchema,
  ReplyBodySchema,
  RetryBodySchema,
  RunInfoSchema,
  RunListSchema,
  StartRunBodySchema,
  TraceSchema,
  WorkflowInfoSchema,
  WorkflowListSchema,
} from "./workflows";
import {
  HubInstallBodySchema,
  HubInstallResultSchema,
  HubPublishBodySchema,
  HubRefreshBodySchema,
  HubRefreshResultSchema,
  HubSearchResultSchema,
  HubUpdateBodySchema,
  HubVersionInfoSchema,
  HubVersionStateBodySchema,
} from "./hub";
import { BotInfoSchema, BotLogsSchema, DeployBotBodySchema, DeployBotResultSchema, WebChatBodySchema, WebChatResultSchema, WebMessagesSchema } from "./bots";

export const API_PREFIX = "/api/v1";

/** Account, project and environment names: the slug rule of project names. */
export const AccountNameSchema = ProjectIdSchema;
export const EnvNameSchema = ProjectIdSchema;
/** The environment a project deploys to when `--env` is not given. */
export const DEFAULT_ENV = "production";

/** Account keys: `ak_` and 40 base62 characters (≈238 bits); only their SHA-256 is stored. */
export const ACCOUNT_KEY_PATTERN = /^ak_[A-Za-z0-9]{40}$/;
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Largest bundle a deploy accepts (Cloudflare's paid-plan Worker limit, compressed size aside). */
export const MAX_BUNDLE_BYTES = 10 * 1024 * 1024;
/** Largest request body the API reads at all: the bundle plus its source map and migrations. */
export const MAX_API_BODY_BYTES = 32 * 1024 * 1024;

const secretName = z.string().check(z.regex(SECRET_NAME_PATTERN, "secret names are letters, digits and underscores, not starting with a digit"));

// ── request bodies ──────────────────────────────────────────────────────────────────────────────────────────────

export const CreateAccountBodySchema = z.object({ name: AccountNameSchema });
export const CreateKeyBodySchema = z.object({ name: z._default(z.string().check(z.minLength(1), z.maxLength(64)), "key") });

/** `aerostack deploy`: the bundle and everything the project needs, never a secret value. */
export const DeployBodySchema = z.object({
  version: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 characters of letters, digits, . _ -")),
  code: z.string().check(z.minLength(1)),
  sourceMap: z.optional(z.string()),
  settings: DeploymentSettingsSchema,
  migrations: z._default(z.array(z.object({ name: z.string().check(z.minLength(1), z.maxLength(256)), sql: z.string() })).check(z.maxLength(10_000)), []),
  /** Names the code needs set before it may serve (`secrets = [...]` in aerostack.toml). */
  requiredSecrets: z._default(z.array(secretName).check(z.maxLength(256)), []),
  message: z.optional(z.string().check(z.maxLength(500))),
  /** Validate everything (secrets present, module loads, migrations apply) and change nothing. */
  dryRun: z._default(z.boolean(), false),
});
export type DeployBody = z.input<typeof DeployBodySchema>;

export const RollbackBodySchema = z.object({ version: z.optional(z.string().check(z.minLength(1), z.maxLength(64))) });
export const SecretPutBodySchema = z.object({ value: z.string().check(z.maxLength(64 * 1024)) });

// ── responses ───────────────────────────────────────────────────────────────────────────────────────────────────

export const HealthSchema = z.object({ ok: z.literal(true), version: z.string(), mode: z.string() });
export type Health = z.output<typeof HealthSchema>;

export const WhoamiSchema = z.object({ account: z.string(), admin: z.boolean(), key: z.object({ id: z.string(), name: z.string() }) });
export type Whoami = z.output<typeof WhoamiSchema>;

export const KeyInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.nullable(z.string()),
  revokedAt: z.nullable(z.string()),
});
export type KeyInfo = z.output<typeof KeyInfoSchema>;
/** A new key: `token` is shown this once and never stored. */
export const KeyCreatedSchema = z.object({ id: z.string(), name: z.string(), createdAt: z.string(), token: z.string() });
export type KeyCreated = z.output<typeof KeyCreatedSchema>;

export const AccountInfoSchema = z.object({ name: z.string(), admin: z.boolean(), createdAt: z.string() });
export type AccountInfo = z.output<typeof AccountInfoSchema>;
export const AccountCreatedSchema = z.object({ account: AccountInfoSchema, key: KeyCreatedSchema });
export type AccountCreated = z.output<typeof AccountCreatedSchema>;

export const EnvSummarySchema = z.object({
  env: z.string(),
  activeVersion: z.nullable(z.string()),
  url: z.string(),
  updatedAt: z.string(),
});
export const ProjectSummarySchema = z.object({ name: z.string(), createdAt: z.string(), envs: z.array(EnvSummarySchema) });
export type ProjectSummary = z.output<typeof ProjectSummarySchema>;

export const DeploymentInfoSchema = z.object({
  version: z.string(),
  createdAt: z.string(),
  message: z.nullable(z.string()),
  /** The name of the key that deployed it. */
  by: z.nullable(z.string()),
  active: z.boolean(),
});
export type DeploymentInfo = z.output<typeof DeploymentInfoSchema>;

export const DeployResultSchema = z.object({
  project: z.string(),
  env: z.string(),
  version: z.string(),
  previousVersion: z.nullable(z.string()),
  url: z.string(),
  /** The same version was already active: nothing changed. */
  unchanged: z.boolean(),
  dryRun: z.boolean(),
  migrations: z.object({ applied: z.array(z.string()), skipped: z.array(z.string()) }),
});
export type DeployResult = z.output<typeof DeployResultSchema>;

export const RollbackResultSchema = z.object({ project: z.string(), env: z.string(), version: z.string(), previousVersion: z.string() });
export type RollbackResult = z.output<typeof RollbackResultSchema>;

export const SecretInfoSchema = z.object({ name: z.string(), updatedAt: z.string() });
export type SecretInfo = z.output<typeof SecretInfoSchema>;

export const LOG_TYPES = ["request", "console", "exception"] as const;
export const LogEntrySchema = z.object({
  /** Increasing per project environment: `?after=<id>` continues a tail. */
  id: z.number(),
  /** Epoch milliseconds. */
  ts: z.number(),
  type: z.enum(LOG_TYPES),
  level: z.enum(["debug", "info", "log", "warn", "error"]),
  requestId: z.nullable(z.string()),
  version: z.nullable(z.string()),
  /** Request lines: method, path, status, duration. */
  method: z.optional(z.string()),
  path: z.optional(z.string()),
  status: z.optional(z.number()),
  durationMs: z.optional(z.number()),
  /** Console text, or `Name: message` of an exception (source-mapped stack in `stack`). */
  message: z.string(),
  stack: z.optional(z.string()),
});
export type LogEntry = z.output<typeof LogEntrySchema>;
export const LogsResponseSchema = z.object({ entries: z.array(LogEntrySchema), cursor: z.number() });
export type LogsResponse = z.output<typeof LogsResponseSchema>;

export const AuditEntrySchema = z.object({
  id: z.number(),
  ts: z.string(),
  account: z.string(),
  /** Name of the key that made the change (null for the platform itself). */
  by: z.nullable(z.string()),
  action: z.string(),
  target: z.string(),
});
export type AuditEntry = z.output<typeof AuditEntrySchema>;

export const OkSchema = z.object({ ok: z.literal(true) });

// ── routes ──────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Who may call a route: anyone, any account key, the admin account's keys, or (`workspace`) an account key or a
 * member token (`mwt_…`) with the admin role of the workspace the route names.
 */
export type RouteAuth = "none" | "account" | "admin" | "workspace";

export interface RouteSpec {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Under API_PREFIX; `:name` segments are path parameters. */
  path: string;
  summary: string;
  auth: RouteAuth;
  body?: z.ZodMiniType;
  response: z.ZodMiniType;
  /** Query parameters, documented in OpenAPI: name → description. */
  query?: Record<string, string>;
}

const ENV_QUERY = { env: `environment name (default "${DEFAULT_ENV}")` };

/** Every route of the API, once: the worker's router dispatches on it, OpenAPI is generated from it. */
export const API_ROUTES = {
  health: { method: "GET", path: "/health", summary: "Liveness and version", auth: "none", response: HealthSchema },
  openapi: { method: "GET", path: "/openapi.json", summary: "This API as OpenAPI 3.1", auth: "none", response: z.unknown() },
  whoami: { method: "GET", path: "/whoami", summary: "The account and key making the call", auth: "account", response: WhoamiSchema },
  listAccounts: { method: "GET", path: "/accounts", summary: "Every account (admin)", auth: "admin", response: z.object({ accounts: z.array(AccountInfoSchema) }) },
  createAccount: {
    method: "POST",
    path: "/accounts",
    summary: "Create an account and its first key (admin); the key is shown once",
    auth: "admin",
    body: CreateAccountBodySchema,
    response: AccountCreatedSchema,
  },
  listKeys: { method: "GET", path: "/keys", summary: "The calling account's keys (never the tokens)", auth: "account", response: z.object({ keys: z.array(KeyInfoSchema) }) },
  createKey: { method: "POST", path: "/keys", summary: "A new key for the calling account; the token is shown once", auth: "account", body: CreateKeyBodySchema, response: KeyCreatedSchema },
  revokeKey: { method: "DELETE", path: "/keys/:id", summary: "Revoke a key; effective on its next request", auth: "account", response: OkSchema },
  listProjects: { method: "GET", path: "/projects", summary: "The account's projects and their environments", auth: "account", response: z.object({ projects: z.array(ProjectSummarySchema) }) },
  getProject: { method: "GET", path: "/projects/:project", summary: "One project and its environments", auth: "account", response: ProjectSummarySchema },
  deploy: {
    method: "POST",
    path: "/projects/:project/deployments",
    summary: "Upload a version, apply its migrations and make it active in one step (or validate only, with dryRun)",
    auth: "account",
    body: DeployBodySchema,
    response: DeployResultSchema,
    query: ENV_QUERY,
  },
  listDeployments: {
    method: "GET",
    path: "/projects/:project/deployments",
    summary: "Stored versions, newest first",
    auth: "account",
    response: z.object({ deployments: z.array(DeploymentInfoSchema) }),
    query: ENV_QUERY,
  },
  rollback: {
    method: "POST",
    path: "/projects/:project/rollback",
    summary: "Make an earlier stored version active (default: the one before the active one)",
    auth: "account",
    body: RollbackBodySchema,
    response: RollbackResultSchema,
    query: ENV_QUERY,
  },
  listSecrets: { method: "GET", path: "/projects/:project/secrets", summary: "Secret names and dates (never values)", auth: "account", response: z.object({ secrets: z.array(SecretInfoSchema) }), query: ENV_QUERY },
  putSecret: {
    method: "PUT",
    path: "/projects/:project/secrets/:name",
    summary: "Set a secret; live on the next request, no redeploy",
    auth: "account",
    body: SecretPutBodySchema,
    response: SecretInfoSchema,
    query: ENV_QUERY,
  },
  deleteSecret: { method: "DELETE", path: "/projects/:project/secrets/:name", summary: "Delete a secret", auth: "account", response: OkSchema, query: ENV_QUERY },
  logs: {
    method: "GET",
    path: "/projects/:project/logs",
    summary: "Requests, console output and exceptions, oldest first",
    auth: "account",
    response: LogsResponseSchema,
    query: { ...ENV_QUERY, after: "only entries with a larger id (continue a tail)", since: "only entries at or after this epoch-ms time", limit: "at most this many entries (1-1000, default 100)" },
  },
  listWorkspaces: { method: "GET", path: "/workspaces", summary: "The account's workspaces", auth: "account", response: z.object({ workspaces: z.array(WorkspaceInfoSchema) }) },
  createWorkspace: { method: "POST", path: "/workspaces", summary: "Create a workspace (its slug is unique on the platform)", auth: "account", body: CreateWorkspaceBodySchema, response: WorkspaceInfoSchema },
  getWorkspace: { method: "GET", path: "/workspaces/:workspace", summary: "A workspace: members, settings, gateway URL", auth: "workspace", response: WorkspaceInfoSchema },
  updateWorkspace: { method: "PUT", path: "/workspaces/:workspace", summary: "Change a workspace's settings (rate limit, call log)", auth: "workspace", body: UpdateWorkspaceBodySchema, response: WorkspaceInfoSchema },
  deleteWorkspace: { method: "DELETE", path: "/workspaces/:workspace", summary: "Delete a workspace, its tokens, secrets and log", auth: "account", response: OkSchema },
  putMember: { method: "PUT", path: "/workspaces/:workspace/members/:member", summary: "Add or replace a member (a deployed project, a proxied URL, or another workspace)", auth: "workspace", body: PutMemberBodySchema, response: WorkspaceInfoSchema },
  removeMember: { method: "DELETE", path: "/workspaces/:workspace/members/:member", summary: "Remove a member", auth: "workspace", response: WorkspaceInfoSchema },
  workspaceTools: {
    method: "GET",
    path: "/workspaces/:workspace/tools",
    summary: "Each member's tools, asked of the member now (tools/list), with their switches; switched-off members and tools included",
    auth: "workspace",
    response: WorkspaceToolsSchema,
    query: { member: "only this member" },
  },
  setMemberState: { method: "PUT", path: "/workspaces/:workspace/members/:member/state", summary: "Enable or disable a member, or some of its tools", auth: "workspace", body: MemberStateBodySchema, response: WorkspaceInfoSchema },
  acceptTools: {
    method: "POST",
    path: "/workspaces/:workspace/members/:member/accept",
    summary: "Accept a proxied member's tools that changed since first seen (all, or `tool`): the gateway serves them again",
    auth: "workspace",
    body: AcceptToolsBodySchema,
    response: WorkspaceInfoSchema,
  },
  syncWorkspace: {
    method: "PUT",
    path: "/workspaces/:workspace/config",
    summary: "Make the workspace's members match a workspace project's aerostack.toml (or, with dryRun, only say what would change)",
    auth: "account",
    body: SyncWorkspaceBodySchema,
    response: SyncWorkspaceResultSchema,
  },
  listWorkspaceSecrets: { method: "GET", path: "/workspaces/:workspace/secrets", summary: "Secret names and dates (never values)", auth: "workspace", response: z.object({ secrets: z.array(SecretInfoSchema) }) },
  putWorkspaceSecret: { method: "PUT", path: "/workspaces/:workspace/secrets/:name", summary: "Set a secret members' headers reference as secret:NAME", auth: "workspace", body: SecretPutBodySchema, response: SecretInfoSchema },
  deleteWorkspaceSecret: { method: "DELETE", path: "/workspaces/:workspace/secrets/:name", summary: "Delete a workspace secret", auth: "workspace", response: OkSchema },
  listWorkspaceTokens: { method: "GET", path: "/workspaces/:workspace/tokens", summary: "Member tokens (never the tokens themselves)", auth: "workspace", response: z.object({ tokens: z.array(WorkspaceTokenInfoSchema) }) },
  createWorkspaceToken: { method: "POST", path: "/workspaces/:workspace/tokens", summary: "A member token (mwt_…), shown once", auth: "workspace", body: CreateTokenBodySchema, response: WorkspaceTokenCreatedSchema },
  revokeWorkspaceToken: { method: "DELETE", path: "/workspaces/:workspace/tokens/:id", summary: "Revoke a member token; refused from its next request", auth: "workspace", response: OkSchema },
  workspaceLogs: {
    method: "GET",
    path: "/workspaces/:workspace/logs",
    summary: "The gateway's call log, oldest first",
    auth: "workspace",
    response: CallLogSchema,
    query: {
      after: "only records with a larger id",
      since: "only records at or after this epoch-ms time",
      until: "only records before this epoch-ms time",
      limit: "at most this many (1-1000)",
      member: "only this member's calls",
      tool: "only calls of this tool (its own name, without the member prefix)",
      outcome: "only calls with this outcome (ok, tool_error, error, timeout, denied, rate_limited)",
    },
  },
  workspaceAnalytics: {
    method: "GET",
    path: "/workspaces/:workspace/analytics",
    summary: "Calls, error rate, p50/p95 latency per member, tool and token",
    auth: "workspace",
    response: AnalyticsSchema,
    query: { since: "epoch ms (default: 7 days ago)" },
  },
  workspaceTimeline: {
    method: "GET",
    path: "/workspaces/:workspace/analytics/timeline",
    summary: "Calls, errors and p50/p95 latency over time, in total, per member and per tool (the dashboard's charts)",
    auth: "workspace",
    response: TimelineSchema,
    query: { since: "epoch ms (default: 7 days ago)", bucket: "hours per point (1-168, default 6)" },
  },
  deployWorkflow: {
    method: "PUT",
    path: "/workflows/:workflow",
    summary: "Check a workflow definition and store it as the next version (runs in flight keep theirs); dryRun only checks",
    auth: "account",
    body: DeployWorkflowBodySchema,
    response: DeployWorkflowResultSchema,
  },
  listWorkflows: { method: "GET", path: "/workflows", summary: "The account's workflows, by name: version, workspace, trigger URLs", auth: "account", response: WorkflowListSchema },
  getWorkflow: { method: "GET", path: "/workflows/:workflow", summary: "A workflow: version, workspace, trigger URLs", auth: "account", response: WorkflowInfoSchema },
  startWorkflowRun: { method: "POST", path: "/workflows/:workflow/runs", summary: "Start a run with an input", auth: "account", body: StartRunBodySchema, response: RunInfoSchema },
  listWorkflowRuns: { method: "GET", path: "/workflows/:workflow/runs", summary: "The workflow's runs, newest first", auth: "account", response: RunListSchema, query: { limit: "at most this many (1-1000, default 50)" } },
  getRun: { method: "GET", path: "/runs/:run", summary: "A run: status, what it waits for, output or error", auth: "account", response: RunInfoSchema },
  runTrace: { method: "GET", path: "/runs/:run/trace", summary: "A run's trace (node inputs, outputs, attempts, timings, tokens, errors) and messages", auth: "account", response: TraceSchema, query: { after: "only events with a larger id (continue a follow)" } },
  decideRun: { method: "POST", path: "/runs/:run/decision", summary: "Approve or reject the run's waiting human_handoff", auth: "account", body: DecisionBodySchema, response: RunInfoSchema },
  replyRun: { method: "POST", path: "/runs/:run/reply", summary: "Reply to the run's conversation (an auth_gate's one-time code)", auth: "account", body: ReplyBodySchema, response: RunInfoSchema },
  cancelRun: { method: "POST", path: "/runs/:run/cancel", summary: "Cancel a run", auth: "account", response: RunInfoSchema },
  retryRun: { method: "POST", path: "/runs/:run/retry", summary: "Run a finished run again from a node, keeping earlier outputs", auth: "account", body: RetryBodySchema, response: RunInfoSchema },
  hubPublish: { method: "POST", path: "/hub/packages", summary: "Publish a deployed project as @account/name at a semver version (immutable), with its capability manifest", auth: "account", body: HubPublishBodySchema, response: HubVersionInfoSchema },
  hubSearch: { method: "GET", path: "/hub/search", summary: "Packages ranked by what their tools do", auth: "account", response: HubSearchResultSchema, query: { q: "what you are looking for", limit: "at most this many (1-100, default 20)" } },
  hubInfo: { method: "GET", path: "/hub/packages/:scope/:name", summary: "A package: a version's manifest, README and every version", auth: "account", response: HubVersionInfoSchema, query: { version: "this version (default: the newest installable)" } },
  hubVersionState: { method: "PUT", path: "/hub/packages/:scope/:name/versions/:version", summary: "Deprecate or yank a version (the owner only); installs keep working", auth: "account", body: HubVersionStateBodySchema, response: HubVersionInfoSchema },
  hubInstall: { method: "POST", path: "/hub/packages/:scope/:name/install", summary: "Install a package into a workspace at a pinned version", auth: "account", body: HubInstallBodySchema, response: HubInstallResultSchema },
  hubRefresh: { method: "POST", path: "/hub/refresh", summary: "Run the hourly refresh of hosted versions' manifests now (admin; `now` injects the clock)", auth: "admin", body: HubRefreshBodySchema, response: HubRefreshResultSchema },
  hubUpdate: { method: "POST", path: "/hub/packages/:scope/:name/update", summary: "Move an install to another version; changed tools are shown and need yes", auth: "account", body: HubUpdateBodySchema, response: HubInstallResultSchema },
  deployBot: { method: "PUT", path: "/bots/:bot", summary: "Store a bot's definition as its next version; registers Telegram's webhook when its secrets are set", auth: "account", body: DeployBotBodySchema, response: DeployBotResultSchema },
  getBot: { method: "GET", path: "/bots/:bot", summary: "A bot: mode, platforms, webhook URLs, secrets still missing (names)", auth: "account", response: BotInfoSchema },
  botLogs: { method: "GET", path: "/bots/:bot/logs", summary: "The bot's conversations: turns, tool calls, tokens, latency, refused webhooks", auth: "account", response: BotLogsSchema, query: { after: "only entries with a larger id (continue a tail)", limit: "at most this many (1-1000, default 100)" } },
  botChat: { method: "POST", path: "/bots/:bot/chat", summary: "Talk to the bot with no chat platform (the local chat page): the message is handled now and the replies answered", auth: "account", body: WebChatBodySchema, response: WebChatResultSchema },
  botChatMessages: { method: "GET", path: "/bots/:bot/chat/:chat", summary: "The chat's later messages (a workflow's, sent after the answer), oldest first", auth: "account", response: WebMessagesSchema, query: { after: "only messages with a larger id (the cursor of the last answer)" } },
  audit: { method: "GET", path: "/audit", summary: "The account's audit log: who changed what, when", auth: "account", response: z.object({ entries: z.array(AuditEntrySchema) }), query: { limit: "at most this many entries (default 100)" } },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof API_ROUTES;

// ── the platform's own MCP server (/mcp/platform): tool inputs ──────────────────────────────────────────────────

const slugRule = z.string().check(z.regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, "must be a lowercase slug such as \"notes\""));

export const PlatformMcpInputs = {
  plan: z.object({ description: z.string().check(z.minLength(3), z.maxLength(4000)) }),
  scaffold: z.object({ template: z.string().check(z.maxLength(64)), name: slugRule }),
  create: z.object({
    workspace: slugRule,
    /** Deployed projects of the caller's account to add as members (tool prefix = the slug). */
    members: z._default(z.array(z.object({ slug: slugRule, project: slugRule })).check(z.maxLength(50)), []),
  }),
  deploy: z.object({
    project: slugRule,
    version: z.optional(z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 characters of letters, digits, . _ -"))),
    /** An already-bundled ES module (what `aerostack build` writes), or: */
    code: z.optional(z.string().check(z.minLength(1))),
    /** Source files; deployed in the worker only when they are one self-contained JavaScript module. */
    files: z.optional(z.array(z.object({ path: z.string().check(z.minLength(1), z.maxLength(500)), content: z.string() })).check(z.maxLength(200))),
    compatibilityDate: z.optional(z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD"))),
    message: z.optional(z.string().check(z.maxLength(500))),
  }),
  publish: z.object({
    project: slugRule,
    version: z.string().check(z.maxLength(64)),
    name: z.optional(z.string().check(z.maxLength(100))),
    description: z.optional(z.string().check(z.maxLength(2000))),
    visibility: z.optional(z.enum(["public", "account", "private"])),
  }),
  install: z.object({ package: z.string().check(z.regex(/^@[a-z0-9-]+\/[a-z0-9-]+$/, 'must be "@account/name"')), workspace: slugRule, version: z.optional(z.string()), as: z.optional(slugRule) }),
  list: z.object({ what: z.enum(["projects", "workspaces", "deployments", "packages", "templates"]), project: z.optional(slugRule), query: z.optional(z.string().check(z.maxLength(200))) }),
  get: z.object({ what: z.enum(["project", "workspace", "package"]), name: z.string().check(z.minLength(1), z.maxLength(100)) }),
  logs: z.object({ project: z.optional(slugRule), workspace: z.optional(slugRule), limit: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(500))) }),
} as const;
export type PlatformMcpTool = keyof typeof PlatformMcpInputs;

/** What `plan` answers: the projects, the workspace and its members, the workflows, and the steps in order. */
export interface Blueprint {
  summary: string;
  projects: { name: string; template: string; purpose: string }[];
  workspace: { name: string; members: string[] } | null;
  workflows: { name: string; trigger: string; purpose: string }[];
  steps: string[];
  /** The model's own words, when it said something the rules did not already. */
  notes?: string;
}
