/** Wire schemas of the platform's control API and of the platform ↔ user-isolate contract (worker/isolates/), shared by host and worker. */
// zod/mini: the platform worker bundles these schemas, and workerd parses that bundle at every start.
import * as z from "zod/mini";

/** Project slugs: lowercase letters, digits and dashes, 1-32 characters (also the gateway's rule). */
export const ProjectIdSchema = z.string().check(z.regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, "must be a lowercase slug"));

/**
 * What scoped bindings are keyed by: a project's data instance. In `aerostack dev` the project's name; on the
 * platform `account.project.env`; a Hub install's own data `account.workspace.publisher.package` (four parts, so it
 * is never a project's). Slugs joined by dots: never a "/", so one tenant's storage prefix is never another's, and
 * never a prefix of another's (the prefix ends in "/").
 */
export const TenantIdSchema = z.string().check(z.regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?){0,3}$/, "must be a tenant id"));

export const VarValueSchema = z.union([z.string(), z.number(), z.boolean()]);

const QueueSettingsSchema = z.object({
  maxRetries: z._default(z.int().check(z.gte(0), z.lte(100)), 3),
  maxBatchSize: z._default(z.int().check(z.gte(1), z.lte(100)), 10),
  retryDelaySeconds: z._default(z.number().check(z.gte(0)), 1),
});

/** One `[[vectorize]]` index of aerostack.toml: the env key it is bound to and the index's shape. */
export const VectorizeSettingsSchema = z.object({
  binding: z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be letters, digits and underscores, not starting with a digit")),
  index: ProjectIdSchema,
  dimensions: z.int().check(z.gte(1), z.lte(1536)),
  metric: z.enum(["cosine", "euclidean", "dot-product"]),
  /** `exact = true`: every query scans every vector, however large the index. */
  exact: z.optional(z.boolean()),
});
export type VectorizeSettings = z.output<typeof VectorizeSettingsSchema>;

/** One remote LLM provider of `[ai.providers.<name>]`, resolved: the key is named here, its value is a secret. */
export const AiProviderSettingsSchema = z.object({
  kind: z.enum(["openai", "anthropic", "google"]),
  baseUrl: z.string().check(z.regex(/^https?:\/\/[^\s@]+$/, "must be an http(s) URL without credentials")),
  /** The secret holding the API key. */
  apiKeySecret: z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a secret name")),
  /** False for servers that take no key (Ollama, LM Studio, vLLM on a trusted network). */
  keyRequired: z._default(z.boolean(), true),
  timeoutMs: z.optional(z.number().check(z.gt(0), z.lte(600_000))),
  maxRetries: z.optional(z.int().check(z.gte(0), z.lte(10))),
});
export type AiProviderSettings = z.output<typeof AiProviderSettingsSchema>;

/** `[ai]` of aerostack.toml. Absent in deployments made before env.AI: the platform then uses these defaults. */
export const AiSettingsSchema = z.object({
  defaultModel: z._default(z.string(), "local:default"),
  embeddingModel: z._default(z.string(), "local:default"),
  timeoutMs: z._default(z.number().check(z.gt(0), z.lte(600_000)), 60_000),
  maxRetries: z._default(z.int().check(z.gte(0), z.lte(10)), 2),
  /** When the default model's provider has no key, calls that name no model use the offline `local` provider. */
  localFallback: z._default(z.boolean(), true),
  providers: z._default(z.record(z.string().check(z.regex(/^[a-z][a-z0-9_-]{0,31}$/)), AiProviderSettingsSchema), {}),
});
export type AiSettings = z.output<typeof AiSettingsSchema>;

/** Settings a deployment carries: they shape the isolate and the bindings it is given. */
export const DeploymentSettingsSchema = z.object({
  compatibilityDate: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD")),
  compatibilityFlags: z._default(z.array(z.string()), []),
  vars: z._default(z.record(z.string(), VarValueSchema), {}),
  queue: z._default(QueueSettingsSchema, { maxRetries: 3, maxBatchSize: 10, retryDelaySeconds: 1 }),
  vectorize: z._default(z.array(VectorizeSettingsSchema).check(z.maxLength(32)), []),
  ai: z.optional(AiSettingsSchema),
});
export type DeploymentSettings = z.output<typeof DeploymentSettingsSchema>;

/** Body of `PUT /__aerostack/projects/:project/deployment`: a bundle, its source map and settings. */
export const DeploymentSchema = z.object({
  version: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 characters of letters, digits, . _ -")),
  code: z.string().check(z.minLength(1), z.maxLength(25 * 1024 * 1024)),
  sourceMap: z.optional(z.string().check(z.maxLength(50 * 1024 * 1024))),
  settings: DeploymentSettingsSchema,
});
export type Deployment = z.input<typeof DeploymentSchema>;

/** Body of `POST /__aerostack/bootstrap`: the admin account of a new platform, with its first key's hash. */
export const BootstrapSchema = z.object({
  account: ProjectIdSchema,
  keyId: z.string().check(z.regex(/^key_[a-z0-9]{8,32}$/)),
  keyHash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
});

export const BuildErrorSchema = z.object({ message: z.string().check(z.maxLength(64 * 1024)) });

export const MigrationsSchema = z.object({
  migrations: z.array(z.object({ name: z.string().check(z.minLength(1), z.maxLength(256)), sql: z.string() })).check(z.maxLength(10_000)),
});
export type Migration = z.output<typeof MigrationsSchema>["migrations"][number];

/** Names user code sees on `env`; the platform's bindings keep theirs. */
export const RESERVED_ENV_NAMES: readonly string[] = ["DB", "CACHE", "QUEUE", "STORAGE", "AI", "VECTORIZE"];

/** Body of `PUT /__aerostack/projects/:project/secrets`: the project's whole secret set (values never echoed back). */
export const SecretsSchema = z.object({
  secrets: z.record(
    z.string().check(
      z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "secret names are letters, digits and underscores, not starting with a digit"),
      z.refine((n) => !RESERVED_ENV_NAMES.includes(n) && !n.startsWith("__AEROSTACK"), { error: "is a reserved binding name" }),
    ),
    z.string().check(z.maxLength(64 * 1024)),
  ),
});

/** Body of `POST /__aerostack/projects/:project/scheduled`: fire the project's scheduled() handler as a cron trigger would. */
export const ScheduledTriggerSchema = z.object({
  cron: z.string().check(z.minLength(1), z.maxLength(256)),
  scheduledTime: z.optional(z.number()),
});

/** What that route answers: whether the handler completed, asked not to be retried, and its (source-mapped) error. */
export interface ScheduledTriggerResult {
  ok: boolean;
  noRetry: boolean;
  error?: ErrorReport;
}

export const QuerySchema = z.object({ sql: z.string().check(z.minLength(1)), params: z._default(z.array(z.unknown()), []) });

export type { WireError } from "./errors";

/** What user code threw, as the isolate reports it to the platform (stack still in bundle positions). */
export interface ErrorReport {
  kind: "error";
  name: string;
  message: string;
  stack: string;
}

/** One console call in a project's isolate, as the shim sends it to the log store (platform mode). */
export interface ConsoleLineWire {
  ts: number;
  level: "debug" | "info" | "log" | "warn" | "error";
  requestId: string | null;
  message: string;
}

/** One queue message as the queue Durable Object hands it to the isolate. */
export interface QueueMessageWire {
  id: string;
  body: unknown;
  timestamp: number;
  attempts: number;
}

export type QueueOutcome = { action: "ack" } | { action: "retry"; delaySeconds?: number };

/** What the isolate answers for a delivered batch: an outcome per message id, and the error if the handler threw. */
export interface QueueBatchResult {
  outcomes: Record<string, QueueOutcome>;
  error?: ErrorReport;
}

/** A cron trigger firing, as the isolate's `scheduled()` handler receives it (Cloudflare's ScheduledController). */
export interface ScheduledEventWire {
  cron: string;
  /** Epoch milliseconds the trigger was due. */
  scheduledTime: number;
}

/** What the isolate answers for a scheduled event: whether the handler asked not to be retried, and its error. */
export interface ScheduledResult {
  noRetry: boolean;
  error?: ErrorReport;
}

/** Which invocation of the isolate a call belongs to: its console lines and logs carry the id. */
export interface InvocationMeta {
  requestId: string;
}

/** The RPC surface of the isolate's `AerostackEntry` entrypoint, called only through worker/isolates/. */
export interface IsolateEntry {
  ping(): Promise<true>;
  handle(request: Request, meta: InvocationMeta): Promise<Response | ErrorReport>;
  deliver(batch: { queue: string; messages: QueueMessageWire[] }, meta: InvocationMeta): Promise<QueueBatchResult>;
  runScheduled(event: ScheduledEventWire, meta: InvocationMeta): Promise<ScheduledResult>;
}

/** Module names inside a project's isolate. */
export const ISOLATE_MAIN_MODULE = "aerostack-entry.js";
export const ISOLATE_USER_MODULE = "user.js";
