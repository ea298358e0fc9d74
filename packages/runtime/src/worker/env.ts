/** The platform worker's own bindings, as configured by the host (Miniflare) or by a Cloudflare deployment. */
import type { ControlPlane } from "./control/control-plane";
import type { ProjectStore } from "./projects/project-store";
import type { ProjectLogs } from "./logs/project-logs";
import type { Directory } from "./accounts/directory";
import type { Workspace } from "./workspaces/workspace";
import type { GatewaySession } from "./gateway/session";
import type { HubRegistry } from "./hub/registry";
import type { OAuthServer } from "./oauth/store";
import type { BotRegistry } from "./bots/registry";
import type { BotChat } from "./bots/chat";
import type { DashboardSessions } from "./dashboard/sessions";
import type { ProjectDatabase } from "./bindings/db/project-database";
import type { ProjectCache } from "./bindings/cache/project-cache";
import type { ProjectQueue } from "./bindings/queue/project-queue";
import type { ProjectVectorIndex } from "./bindings/vectorize/project-vector-index";
import type { VectorShard } from "./bindings/vectorize/vector-shard";
import type { ProjectAiUsage } from "./bindings/ai/project-ai-usage";
import type { WorkflowRegistry } from "./workflows/registry/workflow-registry";
import type { WorkflowRun } from "./workflows/engine/workflow-run";
import type { DurableObjectBindingName, PLATFORM_MANIFEST, PlatformVarName } from "./manifest";

export interface PlatformEnv {
  LOADER: WorkerLoader;
  /** Workspaces (gateway config, member secrets, token hashes). */
  CONTROL: DurableObjectNamespace<ControlPlane>;
  /** One object per tenant: stored versions, the active one, build error, sealed secrets. */
  PROJECT_STORE: DurableObjectNamespace<ProjectStore>;
  /** One object per tenant: requests, console output and exceptions, for `aerostack logs`. */
  PROJECT_LOGS: DurableObjectNamespace<ProjectLogs>;
  /** The platform's accounts, key hashes, project names and audit log (API calls only, never a project request). */
  DIRECTORY: DurableObjectNamespace<Directory>;
  /** One object per workspace slug: members, sealed secrets, member-token hashes, rate windows, call log. */
  WORKSPACE: DurableObjectNamespace<Workspace>;
  PROJECT_DB: DurableObjectNamespace<ProjectDatabase>;
  PROJECT_CACHE: DurableObjectNamespace<ProjectCache>;
  PROJECT_QUEUE: DurableObjectNamespace<ProjectQueue>;
  /** One object per project and `[[vectorize]]` index name. */
  PROJECT_VECTORIZE: DurableObjectNamespace<ProjectVectorIndex>;
  /** The shards of each index, named `<index object id>/<n>`; only ProjectVectorIndex reaches them. */
  PROJECT_VECTORIZE_SHARD: DurableObjectNamespace<VectorShard>;
  /** One object per project: the log of its env.AI calls (model, tokens, latency, status). */
  PROJECT_AI_USAGE: DurableObjectNamespace<ProjectAiUsage>;
  /** One object per workflow name: owner, deployed versions, run index, webhook delivery ids, cron. */
  WORKFLOW_REGISTRY: DurableObjectNamespace<WorkflowRegistry>;
  /** One object per workflow run: its pinned definition, frontier, outputs, trace and timers. */
  WORKFLOW_RUN: DurableObjectNamespace<WorkflowRun>;
  /** The Hub's registry (worker/hub): API calls only, never a gateway call. */
  HUB: DurableObjectNamespace<HubRegistry>;
  /** The OAuth authorization server's state (worker/oauth): the OAuth endpoints only, never a gateway call. */
  OAUTH: DurableObjectNamespace<OAuthServer>;
  /** One object per bot name: owner, definition, conversation log, runs by chat. */
  BOT_REGISTRY: DurableObjectNamespace<BotRegistry>;
  /** One object per bot chat: inbox, memory, rate windows, sent replies, workflow runs. */
  BOT_CHAT: DurableObjectNamespace<BotChat>;
  /** The dashboard's sign-in sessions (worker/dashboard): dashboard and session-authenticated API calls only. */
  DASHBOARD_SESSIONS: DurableObjectNamespace<DashboardSessions>;
  OBJECTS: R2Bucket;
  /** One object per workspace gateway session (`/ws/:slug`): member sessions, event streams, in-flight requests. */
  GATEWAY_SESSION: DurableObjectNamespace<GatewaySession>;
  /** 64 hex characters (AES-256) sealing secrets at rest; from the host's env or key file, never from config. */
  AEROSTACK_MASTER_KEY: string;
  /** Bearer token the host uses for `/__aerostack/*`; random per host start. */
  AEROSTACK_HOST_TOKEN: string;
  /** Project served for requests whose host names none (`aerostack dev` serves one project). */
  AEROSTACK_DEFAULT_PROJECT?: string;
  /** `aerostack dev`: random per start; requests wait until the project's state is this start's (ProjectStore.hostSession). */
  AEROSTACK_HOST_SESSION?: string;
  /** Projects answer at `<project>.<account>.<base domain>` (platform mode); default "localhost". */
  AEROSTACK_BASE_DOMAIN?: string;
  /** CACHE's shortest expirationTtl, seconds; default 60 as on Workers KV. Only tests of expiry lower it. */
  AEROSTACK_CACHE_MIN_TTL?: string;
  /** VECTORIZE: one shard's memory budget in bytes (default 64 MiB); tests lower it to fill several shards quickly. */
  AEROSTACK_VECTORIZE_SHARD_BYTES?: string;
  /** VECTORIZE: vectors up to which an index is searched exactly (default 100,000); tests lower it. */
  AEROSTACK_VECTORIZE_EXACT_THRESHOLD?: string;
  /** "dev" shows stack traces on error pages; "platform" does not. */
  AEROSTACK_MODE?: "dev" | "platform";
  /** aerostack dev: the platform surfaces it serves on its own host, comma-separated ("api", "workflows"). */
  AEROSTACK_DEV_SURFACES?: string;
  /** workerd network service reaching public addresses only (resolved address checked at connect); absent on Cloudflare. */
  AEROSTACK_EGRESS_PUBLIC?: Fetcher;
  /** Network service also reaching private and loopback addresses, minus link-local and metadata; present when allowed. */
  AEROSTACK_EGRESS_PRIVATE?: Fetcher;
  /**
   * Network service for the gateway's calls to workspace members added with `allowPrivate`: public, private and
   * loopback, minus link-local and metadata. Never given to user code; absent on Cloudflare.
   */
  AEROSTACK_EGRESS_MEMBERS?: Fetcher;
  /** The host's answer to "which ports are the platform's own" (see egress/own-ports.ts); absent on Cloudflare. */
  AEROSTACK_OWN_PORTS?: Fetcher;
}

/** What manifest.ts promises to bind; PlatformEnv must declare each, with the right type. */
type ManifestBindings = Record<DurableObjectBindingName, Pick<DurableObjectNamespace, "idFromName">> &
  Record<(typeof PLATFORM_MANIFEST.r2Buckets)[number]["binding"], R2Bucket> &
  Record<(typeof PLATFORM_MANIFEST.workerLoader)["binding"], WorkerLoader> &
  Partial<Record<PlatformVarName, string>>;
/** Fails to compile when the manifest names a binding PlatformEnv lacks (or types differently). */
type CoversManifest<T extends ManifestBindings> = T;
type _PlatformEnvCoversManifest = CoversManifest<PlatformEnv>;

/** Props every scoped binding entrypoint receives: the tenant boundary. */
export interface ProjectProps {
  project: string;
}
