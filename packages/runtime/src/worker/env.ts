/** The platform worker's own bindings, as configured by the host (Miniflare) or by a Cloudflare deployment. */
import type { ControlPlane } from "./control/control-plane";
import type { GatewaySession } from "./gateway/session";
import type { ProjectDatabase } from "./bindings/db/project-database";
import type { ProjectCache } from "./bindings/cache/project-cache";
import type { ProjectQueue } from "./bindings/queue/project-queue";
import type { ProjectVectorIndex } from "./bindings/vectorize/project-vector-index";
import type { ProjectAiUsage } from "./bindings/ai/project-ai-usage";
import type { DurableObjectBindingName, PLATFORM_MANIFEST, PlatformVarName } from "./manifest";

export interface PlatformEnv {
  LOADER: WorkerLoader;
  CONTROL: DurableObjectNamespace<ControlPlane>;
  PROJECT_DB: DurableObjectNamespace<ProjectDatabase>;
  PROJECT_CACHE: DurableObjectNamespace<ProjectCache>;
  PROJECT_QUEUE: DurableObjectNamespace<ProjectQueue>;
  /** One object per project and `[[vectorize]]` index name. */
  PROJECT_VECTORIZE: DurableObjectNamespace<ProjectVectorIndex>;
  /** One object per project: the log of its env.AI calls (model, tokens, latency, status). */
  PROJECT_AI_USAGE: DurableObjectNamespace<ProjectAiUsage>;
  OBJECTS: R2Bucket;
  /** One object per workspace gateway session (`/ws/:slug`): member sessions, event streams, in-flight requests. */
  GATEWAY_SESSION: DurableObjectNamespace<GatewaySession>;
  /** 64 hex characters (AES-256) sealing secrets at rest; from the host's env or key file, never from config. */
  AEROSTACK_MASTER_KEY: string;
  /** Bearer token the host uses for `/__aerostack/*`; random per host start. */
  AEROSTACK_HOST_TOKEN: string;
  /** Project served for requests whose host names none (`aerostack dev` serves one project). */
  AEROSTACK_DEFAULT_PROJECT?: string;
  /** "dev" shows stack traces on error pages; "platform" does not. */
  AEROSTACK_MODE?: "dev" | "platform";
  /** Domain projects answer under on a deployed platform (`aerostack platform build --base-domain`). */
  AEROSTACK_BASE_DOMAIN?: string;
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
