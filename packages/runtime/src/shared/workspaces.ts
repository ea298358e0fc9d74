/** Workspaces on the platform: settings, member tokens, call records and the API bodies that manage them (zod, shared). */
import * as z from "zod/mini";
import { MEMBER_SLUG_PATTERN, MemberSchema, WORKSPACE_ROLES, WorkspacePutSchema } from "./gateway";

export const WorkspaceSlugSchema = z.string().check(z.regex(MEMBER_SLUG_PATTERN, "must be a lowercase slug (letters, digits, dashes; no underscores)"));

export { WORKSPACE_ROLES, type WorkspaceRole } from "./gateway";

export const DEFAULT_RATE_LIMIT_PER_MINUTE = 120;
export const DEFAULT_LOG_RETENTION_DAYS = 30;
/** Arguments kept per call record when a workspace opts in: enough to debug, never a whole document. */
export const MAX_LOGGED_ARGUMENT_CHARS = 2048;
export const MAX_WORKSPACE_MEMBERS = 50;

export const WorkspaceSettingsSchema = z.object({
  rateLimitPerMinute: z._default(z.int().check(z.gte(1), z.lte(100_000)), DEFAULT_RATE_LIMIT_PER_MINUTE),
  /** Keep tools/call arguments in the call log (capped); off by default: arguments may hold personal data. */
  logArguments: z._default(z.boolean(), false),
  logRetentionDays: z._default(z.int().check(z.gte(1), z.lte(365)), DEFAULT_LOG_RETENTION_DAYS),
});
export type WorkspaceSettings = z.output<typeof WorkspaceSettingsSchema>;

/**
 * Some settings, to change: fields without defaults (a partial of WorkspaceSettingsSchema would fill the unnamed
 * ones with their defaults, and an update of one setting would reset the others).
 */
export const WorkspaceSettingsPatchSchema = z.object({
  rateLimitPerMinute: z.optional(z.int().check(z.gte(1), z.lte(100_000))),
  logArguments: z.optional(z.boolean()),
  logRetentionDays: z.optional(z.int().check(z.gte(1), z.lte(365))),
});
export type WorkspaceSettingsPatch = z.output<typeof WorkspaceSettingsPatchSchema>;

/**
 * `PUT /__aerostack/workspaces/:slug` as `aerostack dev` sends it for a workspace folder: the members and secrets,
 * plus its `[workspace]` settings (rate limit, call log), so the local gateway limits as the deployed one will.
 */
export const DevWorkspacePutSchema = z.extend(WorkspacePutSchema, { settings: z.optional(WorkspaceSettingsPatchSchema) });
export type DevWorkspacePut = z.input<typeof DevWorkspacePutSchema>;

export const CreateWorkspaceBodySchema = z.object({ name: WorkspaceSlugSchema, settings: z.optional(WorkspaceSettingsPatchSchema) });
export const UpdateWorkspaceBodySchema = z.object({ settings: WorkspaceSettingsPatchSchema });

/** `workspace add`: the member as the user describes it; the platform checks and stores it. */
export const PutMemberBodySchema = z.object({ member: MemberSchema });
export const MemberStateBodySchema = z.object({
  enabled: z.optional(z.boolean()),
  /** Tools of this member (their own names, without the `member__` prefix) that clients do not see or call. */
  disabledTools: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(128))).check(z.maxLength(1000))),
});

/** One of a member's tools as the member lists it, with its switch in this workspace. */
export const MemberToolInfoSchema = z.object({
  /** The member's own name for it (clients see `member__name`). */
  name: z.string(),
  title: z.optional(z.string()),
  description: z.string(),
  readOnly: z.boolean(),
  destructive: z.boolean(),
  /** False when switched off in this workspace (clients neither see nor call it). */
  enabled: z.boolean(),
  /** False for a tool switched off by name that the member does not list (any more). */
  listed: z.boolean(),
});
export type MemberToolInfo = z.output<typeof MemberToolInfoSchema>;
/** A member's tools/list, asked now; `error` says why it could not be asked (the list is then only the switched-off names). */
export const MemberToolsSchema = z.object({
  member: z.string(),
  kind: z.string(),
  enabled: z.boolean(),
  tools: z.array(MemberToolInfoSchema),
  error: z.nullable(z.string()),
});
export type MemberTools = z.output<typeof MemberToolsSchema>;
export const WorkspaceToolsSchema = z.object({ members: z.array(MemberToolsSchema) });
export type WorkspaceTools = z.output<typeof WorkspaceToolsSchema>;

/** A workspace project's members (from aerostack.toml), applied by `aerostack deploy`. */
export const SyncWorkspaceBodySchema = z.object({
  members: z.array(MemberSchema).check(z.maxLength(MAX_WORKSPACE_MEMBERS)),
  settings: z.optional(WorkspaceSettingsPatchSchema),
  /** Secret names the members reference: the sync refuses to go ahead while one is not set. */
  requiredSecrets: z._default(z.array(z.string()), []),
  dryRun: z._default(z.boolean(), false),
});
export const SyncWorkspaceResultSchema = z.object({
  workspace: z.string(),
  url: z.string(),
  dryRun: z.boolean(),
  added: z.array(z.string()),
  changed: z.array(z.string()),
  removed: z.array(z.string()),
  unchanged: z.array(z.string()),
});
export type SyncWorkspaceResult = z.output<typeof SyncWorkspaceResultSchema>;

export const CreateTokenBodySchema = z.object({
  name: z.string().check(z.minLength(1), z.maxLength(64)),
  role: z.enum(WORKSPACE_ROLES),
  /** Epoch ms after which the token is refused. */
  expiresAt: z.optional(z.number().check(z.gt(0))),
  /** Composed tool names (`member__tool`) the token may call; absent: all the role allows. */
  tools: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(200))).check(z.maxLength(1000))),
});

/** `aerostack workspace accept`: accept a proxied member's changed tools (all, or the one named). */
export const AcceptToolsBodySchema = z.object({ tool: z.optional(z.string().check(z.minLength(1), z.maxLength(128))) });

/** A proxied member's tool withheld by the rug-pull guard: what changed since it was first seen or accepted. */
export const ChangedToolSchema = z.object({
  tool: z.string(),
  changedAt: z.string(),
  fields: z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() })),
});
export type ChangedTool = z.output<typeof ChangedToolSchema>;

export const WorkspaceInfoSchema = z.object({
  name: z.string(),
  account: z.string(),
  url: z.string(),
  createdAt: z.string(),
  settings: WorkspaceSettingsSchema,
  members: z.array(
    z.object({
      slug: z.string(),
      kind: z.string(),
      target: z.string(),
      enabled: z.boolean(),
      disabledTools: z.array(z.string()),
      /** Tools withheld until an admin accepts them: changed under us without a version change (proxied members). */
      changedTools: z._default(z.array(ChangedToolSchema), []),
    }),
  ),
});
export type WorkspaceInfo = z.output<typeof WorkspaceInfoSchema>;

export const WorkspaceTokenInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(WORKSPACE_ROLES),
  createdAt: z.string(),
  expiresAt: z.nullable(z.string()),
  lastUsedAt: z.nullable(z.string()),
  revokedAt: z.nullable(z.string()),
  tools: z.nullable(z.array(z.string())),
});
export type WorkspaceTokenInfo = z.output<typeof WorkspaceTokenInfoSchema>;

/** A new member token: `token` is shown this once, with the gateway URL to paste beside it. */
export const WorkspaceTokenCreatedSchema = z.object({ token: z.string(), url: z.string(), info: WorkspaceTokenInfoSchema });
export type WorkspaceTokenCreated = z.output<typeof WorkspaceTokenCreatedSchema>;

export const CALL_OUTCOMES = ["ok", "tool_error", "error", "timeout", "denied", "rate_limited"] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** One record of the gateway's call log. */
export const CallRecordSchema = z.object({
  id: z.number(),
  ts: z.number(),
  tokenId: z.nullable(z.string()),
  tokenName: z.nullable(z.string()),
  method: z.string(),
  member: z.nullable(z.string()),
  tool: z.nullable(z.string()),
  latencyMs: z.number(),
  outcome: z.enum(CALL_OUTCOMES),
  errorClass: z.nullable(z.string()),
  arguments: z.optional(z.string()),
});
export type CallRecord = z.output<typeof CallRecordSchema>;
export const CallLogSchema = z.object({ entries: z.array(CallRecordSchema), cursor: z.number() });
/** Control API (host token only): `aerostack dev`'s dashboard link for this start (the token's SHA-256) and its workspace. */
export const DevDashboardSchema = z.object({
  workspace: z.string().check(z.regex(MEMBER_SLUG_PATTERN)),
  linkHash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
});
/** Control API (host token only): call records loaded into a workspace's log as the gateway writes them (an imported log, the dashboard bench's synthetic million). */
export const CallRecordsBodySchema = z.object({ records: z.array(z.omit(CallRecordSchema, { id: true })).check(z.maxLength(20_000)) });

export const UsageRowSchema = z.object({ key: z.string(), calls: z.number(), errors: z.number(), errorRate: z.number(), p50Ms: z.number(), p95Ms: z.number() });
export type UsageRow = z.output<typeof UsageRowSchema>;
export const AnalyticsSchema = z.object({
  since: z.number(),
  total: UsageRowSchema,
  byMember: z.array(UsageRowSchema),
  byTool: z.array(UsageRowSchema),
  byToken: z.array(UsageRowSchema),
});
export type Analytics = z.output<typeof AnalyticsSchema>;

/** One line of the dashboard's analytics charts: a value per bucket, and the whole range's figures. */
export const TimelineSeriesSchema = z.object({
  key: z.string(),
  calls: z.array(z.number()),
  errors: z.array(z.number()),
  /** Latency percentiles from hourly histograms: the upper bound of the bin (bins ~19% wide). */
  p50Ms: z.array(z.number()),
  p95Ms: z.array(z.number()),
  total: z.object({ calls: z.number(), errors: z.number(), p50Ms: z.number(), p95Ms: z.number() }),
});
export type TimelineSeries = z.output<typeof TimelineSeriesSchema>;
export const TimelineSchema = z.object({
  since: z.number(),
  bucketMs: z.number(),
  /** Start of each bucket, epoch ms. */
  buckets: z.array(z.number()),
  total: TimelineSeriesSchema,
  byMember: z.array(TimelineSeriesSchema),
  byTool: z.array(TimelineSeriesSchema),
});
export type Timeline = z.output<typeof TimelineSchema>;
