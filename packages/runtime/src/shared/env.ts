/** Types for user code: `import type { AerostackEnv } from "@aerostack/runtime/types"` (type-only, nothing to install at run time). */
import type { D1Database } from "../shim/db";
import type { CacheNamespace } from "../shim/cache";
import type { JobQueue } from "../shim/queue";
import type { ObjectStorage } from "../shim/storage";
import type { VectorizeIndex } from "../shim/vectorize";
import type { AiBinding } from "../shim/ai";

export type { D1Database, CacheNamespace, JobQueue, ObjectStorage };
export type {
  AiBinding,
  ChatMessage,
  ChatOptions,
  ChatResult,
  ChatDelta,
  ChatStream,
  ChatRole,
  ToolCall,
  ToolDefinition,
  ToolChoice,
  EmbedOptions,
  EmbedResult,
  GenerateOptions,
  Usage,
  FinishReason,
} from "../shim/ai";
export type {
  VectorizeIndex,
  VectorizeVector,
  VectorizeQueryOptions,
  VectorizeMatch,
  VectorizeMatches,
  VectorizeMutation,
  VectorizeIndexInfo,
  VectorizeVectorMetadata,
  VectorizeVectorMetadataFilter,
  VectorizeDistanceMetric,
} from "../shim/vectorize";

/** The bindings every Aerostack function, MCP server and skill receives as `env`. */
export interface AerostackEnv {
  /** SQL database, D1-compatible: `prepare().bind().first()/all()/raw()/run()`, `batch`, `exec`. */
  DB: D1Database;
  /** Key-value cache with TTLs, metadata and atomic `increment`. */
  CACHE: CacheNamespace;
  /** Background jobs: `send`, `sendBatch`, `getJob`, `listJobs`; consumed by the module's `queue()` handler. */
  QUEUE: JobQueue;
  /** Object storage, R2-style: `put`, `get`, `head`, `list`, `delete`. */
  STORAGE: ObjectStorage;
  /**
   * LLMs and embeddings: `chat`, `embed`, `generate` over OpenAI, Anthropic, Google or any OpenAI-compatible server,
   * chosen by `provider:model` or `[ai] default_model`; the built-in `local` provider answers offline.
   */
  AI: AiBinding;
  /**
   * Vector search, Cloudflare Vectorize-compatible, when aerostack.toml declares `[[vectorize]]` with the default
   * binding name. Indexes bound under other names are on env too: type them as `VectorizeIndex` in your own env type.
   */
  VECTORIZE?: VectorizeIndex;
}
