/** Every Durable Object, entrypoint and binding of the platform worker, once: Miniflare options and the wrangler config are generated from it. */

// Plain data only. The Node host imports this file, so it must never import worker code (`cloudflare:workers`,
// the classes themselves): classes are named by string, and manifest.test.ts checks the names against the built
// worker's exports in both directions. Adding a binding is one descriptor here plus its folder under worker/.

export interface DurableObjectDescriptor {
  /** The name on the platform's `env` (PlatformEnv in ./env.ts declares its type). */
  readonly binding: string;
  /** The class exported by worker/index.ts. */
  readonly className: string;
  /** SQLite-backed storage (`useSQLite` in Miniflare, `new_sqlite_classes` on Cloudflare). */
  readonly sqlite: boolean;
  /**
   * The Cloudflare migration that created the class (tag `v<n>`). Cloudflare applies migrations once per tag and
   * never again, so a class added after a deploy must get the next number; a rename or removal needs a migration of
   * its own, never an edit of an old one.
   */
  readonly migration: number;
  readonly description: string;
}

/** A WorkerEntrypoint reached through `ctx.exports` (compat flag `enable_ctx_exports`): no binding to configure. */
export interface EntrypointDescriptor {
  readonly className: string;
  readonly description: string;
}

export interface R2BucketDescriptor {
  readonly binding: string;
  /** The bucket on Cloudflare is named `<worker name>-<suffix>`, so two platforms on one account never share one. */
  readonly bucketSuffix: string;
  readonly description: string;
}

export interface VarDescriptor {
  readonly name: string;
  readonly description: string;
  /** Must be set for the platform to work (secrets: `wrangler secret put`; the host sets them in Miniflare). */
  readonly required: boolean;
}

export interface PlatformManifest {
  readonly compatibilityDate: string;
  readonly compatibilityFlags: readonly string[];
  /** The Worker Loader that runs user code in isolates (`env.LOADER.get(id, …)`). */
  readonly workerLoader: { readonly binding: string };
  readonly durableObjects: readonly DurableObjectDescriptor[];
  readonly entrypoints: readonly EntrypointDescriptor[];
  readonly r2Buckets: readonly R2BucketDescriptor[];
  /** Plain values, visible in a wrangler config and on the dashboard. */
  readonly vars: readonly VarDescriptor[];
  /** Values that never go in a config file: the host injects them locally, `wrangler secret put` on Cloudflare. */
  readonly secrets: readonly VarDescriptor[];
}

export const PLATFORM_MANIFEST = {
  compatibilityDate: "2025-09-01",
  // enable_ctx_exports: user isolates get `ctx.exports.ScopedDB({ props })` stubs, never raw bindings.
  compatibilityFlags: ["enable_ctx_exports"],
  workerLoader: { binding: "LOADER" },
  durableObjects: [
    { binding: "CONTROL", className: "ControlPlane", sqlite: true, migration: 1, description: "workspaces: gateway config, member secrets, token hashes" },
    { binding: "PROJECT_STORE", className: "ProjectStore", sqlite: true, migration: 1, description: "one per tenant: stored versions, the active one, sealed secrets" },
    { binding: "PROJECT_LOGS", className: "ProjectLogs", sqlite: true, migration: 1, description: "one per tenant: requests, console output, exceptions (aerostack logs)" },
    { binding: "WORKSPACE", className: "Workspace", sqlite: true, migration: 1, description: "one per workspace: members, secrets, token hashes, rate windows, call log" },
    { binding: "DIRECTORY", className: "Directory", sqlite: true, migration: 1, description: "accounts, key hashes, project names, audit log (API calls only)" },
    { binding: "PROJECT_DB", className: "ProjectDatabase", sqlite: true, migration: 1, description: "env.DB: one SQL database per project" },
    { binding: "PROJECT_CACHE", className: "ProjectCache", sqlite: true, migration: 1, description: "env.CACHE: one key-value store per project" },
    { binding: "PROJECT_QUEUE", className: "ProjectQueue", sqlite: true, migration: 1, description: "env.QUEUE: one job queue per project" },
    { binding: "GATEWAY_SESSION", className: "GatewaySession", sqlite: true, migration: 1, description: "one workspace gateway session (/ws/:slug)" },
    { binding: "PROJECT_VECTORIZE", className: "ProjectVectorIndex", sqlite: true, migration: 1, description: "env.VECTORIZE: one object per project and index" },
    { binding: "PROJECT_AI_USAGE", className: "ProjectAiUsage", sqlite: true, migration: 1, description: "env.AI call log per project" },
    { binding: "PROJECT_VECTORIZE_SHARD", className: "VectorShard", sqlite: true, migration: 1, description: "env.VECTORIZE: the shards of an index, each within a memory budget" },
    { binding: "WORKFLOW_REGISTRY", className: "WorkflowRegistry", sqlite: true, migration: 1, description: "one per workflow name: owner, versions, run index, webhook deliveries, cron" },
    { binding: "WORKFLOW_RUN", className: "WorkflowRun", sqlite: true, migration: 1, description: "one per workflow run: pinned definition, frontier, outputs, trace, timers on its alarm" },
    { binding: "OAUTH", className: "OAuthServer", sqlite: true, migration: 1, description: "OAuth for workspace gateways: clients, consent requests, codes, refresh families (OAuth endpoints only)" },
    { binding: "BOT_REGISTRY", className: "BotRegistry", sqlite: true, migration: 1, description: "one per bot name: owner, definition, conversation log, which chat started each run" },
    { binding: "BOT_CHAT", className: "BotChat", sqlite: true, migration: 1, description: "one per bot chat: inbox (delivery dedupe), memory, rate windows, sent replies, workflow runs" },
    { binding: "HUB", className: "HubRegistry", sqlite: true, migration: 1, description: "the Hub: packages, immutable versions, capability manifests, search index" },
    { binding: "DASHBOARD_SESSIONS", className: "DashboardSessions", sqlite: true, migration: 1, description: "dashboard sign-in sessions: cookie hashes, CSRF tokens, expiry" },
  ],
  entrypoints: [
    { className: "ScopedDB", description: "env.DB in user code, scoped to its project" },
    { className: "ScopedCache", description: "env.CACHE in user code" },
    { className: "ScopedQueue", description: "env.QUEUE in user code" },
    { className: "ScopedStorage", description: "env.STORAGE in user code, keys prefixed by project in OBJECTS" },
    { className: "ScopedVectorize", description: "env.VECTORIZE in user code" },
    { className: "ScopedAI", description: "env.AI in user code" },
    { className: "ScopedLogs", description: "where a project's console output and background failures go (platform mode)" },
    { className: "Egress", description: "globalOutbound of user isolates: what user code may reach (worker/egress)" },
  ],
  r2Buckets: [{ binding: "OBJECTS", bucketSuffix: "objects", description: "env.STORAGE objects of every project" }],
  vars: [
    { name: "AEROSTACK_MODE", required: false, description: '"dev" shows stack traces on error pages; "platform" does not' },
    { name: "AEROSTACK_DEFAULT_PROJECT", required: false, description: "project served for requests whose host names none (`aerostack dev` serves one project)" },
    { name: "AEROSTACK_HOST_SESSION", required: false, description: "aerostack dev: random per start, so requests wait for this start's code (never set on Cloudflare)" },
    { name: "AEROSTACK_DEV_SURFACES", required: false, description: 'aerostack dev: platform surfaces served on its own host for a project kind without code ("api,workflows"; never set on Cloudflare)' },
    { name: "AEROSTACK_BASE_DOMAIN", required: false, description: "projects answer at <project>[--<env>].<account>.<base-domain> (default localhost)" },
    { name: "AEROSTACK_CACHE_MIN_TTL", required: false, description: "CACHE's shortest expirationTtl in seconds (default 60, as Workers KV); lowered only by tests of expiry" },
    { name: "AEROSTACK_VECTORIZE_SHARD_BYTES", required: false, description: "VECTORIZE: memory budget of one index shard in bytes, 256 KiB to 64 MiB (default 64 MiB)" },
    { name: "AEROSTACK_VECTORIZE_EXACT_THRESHOLD", required: false, description: "VECTORIZE: vectors up to which an index is searched exactly (default 100000); above it unfiltered queries probe partitions" },
  ],
  secrets: [
    { name: "AEROSTACK_MASTER_KEY", required: true, description: "64 hex characters (AES-256) sealing secrets at rest; `openssl rand -hex 32`" },
    { name: "AEROSTACK_HOST_TOKEN", required: true, description: "bearer token for the control API (/__aerostack/*)" },
  ],
} as const satisfies PlatformManifest;

/** Names of the platform's plain vars and secrets, for hosts that fill them in. */
export type PlatformVarName = (typeof PLATFORM_MANIFEST.vars)[number]["name"] | (typeof PLATFORM_MANIFEST.secrets)[number]["name"];
/** Binding names of the Durable Objects, for env.ts's check that it declares each one. */
export type DurableObjectBindingName = (typeof PLATFORM_MANIFEST.durableObjects)[number]["binding"];
