/** env.QUEUE's wire contract: what the shim sends the ScopedQueue entrypoint and the queue Durable Object answers. */
// Plain TypeScript and Web APIs only: the shim bundles it into user isolates, and users see these types through
// `@aerostack/runtime/types` (no workers-types).

/** pending: waiting for its first delivery; running: being delivered; completed: acked; failed: waiting to be
 * retried; dead: out of retries (a dead letter, kept with its last error). */
export type JobStatus = "pending" | "running" | "completed" | "failed" | "dead";

/** How a body is stored; Cloudflare's `v8` (structured clone) is refused so stored bodies stay inspectable JSON. */
export type QueueContentType = "json" | "text" | "bytes" | "v8";

export interface QueueSendOptions {
  /** Seconds before the first delivery, 0..43200 (12 hours, Cloudflare's limit). */
  delaySeconds?: number;
  /** Default: strings are "text", ArrayBuffer and typed arrays "bytes" (delivered as Uint8Array), the rest "json". */
  contentType?: QueueContentType;
}

/** One message of `sendBatch` (Cloudflare's MessageSendRequest). */
export interface QueueSendRequest {
  body: unknown;
  delaySeconds?: number;
  contentType?: QueueContentType;
}

export interface QueueSendBatchOptions {
  /** Delay for the messages of the batch that set none themselves. */
  delaySeconds?: number;
}

export interface ListJobsOptions {
  status?: JobStatus;
  /** 1..1000, default 100. */
  limit?: number;
  /** The `cursor` of the previous page. */
  cursor?: string;
}

/** A job as listJobs shows it. Times are milliseconds since the epoch. */
export interface JobSummary {
  id: string;
  status: JobStatus;
  /** Deliveries started so far, the current one included. */
  attempts: number;
  /** Retries allowed after the first delivery (fixed when the job was sent). */
  maxRetries: number;
  createdAt: number;
  updatedAt: number;
  /** When a pending or failed job is next due. */
  availableAt?: number;
  completedAt?: number;
  /** The error of the most recent failed delivery. */
  lastError?: string;
}

/** A job as getJob returns it: the summary plus the body, decoded as it was sent. */
export interface Job extends JobSummary {
  body: unknown;
}

export interface JobList {
  jobs: JobSummary[];
  /** Present when more jobs follow: pass it back to get the next page. */
  cursor?: string;
}

/** The RPC methods of the platform's ScopedQueue entrypoint, as the isolate's stub exposes them. */
export interface QueueStub {
  send(body: unknown, options: QueueSendOptions): Promise<{ id: string }>;
  sendBatch(messages: QueueSendRequest[], options: QueueSendBatchOptions): Promise<{ ids: string[] }>;
  getJob(id: string): Promise<Job | null>;
  listJobs(options: ListJobsOptions): Promise<JobList>;
}
