/** Types for user code: `import type { AerostackEnv } from "@aerostack/runtime/types"` (type-only, nothing to install at run time). */
import type { D1Database } from "../shim/db";
import type { CacheNamespace } from "../shim/cache";
import type { JobQueue } from "../shim/queue";
import type { ObjectStorage } from "../shim/storage";

export type { D1Database, CacheNamespace, JobQueue, ObjectStorage };

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
}
