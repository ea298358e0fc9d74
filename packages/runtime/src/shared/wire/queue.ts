/** env.QUEUE's wire contract: what the shim sends the ScopedQueue entrypoint and the queue Durable Object answers. */
// Plain TypeScript and Web APIs only: the shim bundles it into user isolates, and users see these types through
// `@aerostack/runtime/types` (no workers-types).

/** pending: waiting for its first delivery; running: being delivered; completed: acked; failed: waiting to be
 * retried; dead: out of retries (a dead letter, kept with its last error). */
export type JobStatus = "pending" | "running" | "completed" | "failed" | "dead";

/**
 * How a body is sent, as Cloudflare defines them: "json" (the default; JSON.stringify's rules, so a Date arrives as
 * its ISO string), "text" (a string), "bytes" (an ArrayBufferView, delivered as an ArrayBuffer), "v8" (structured
 * clone: Date, Map, Set, undefined, typed arrays… arrive as sent). On the wire to the platform a "json" body is
 * already its JSON text.
 */
export type QueueContentType = "json" | "text" | "bytes" | "v8";

export interface QueueSendOptions {
  /** Seconds before the first delivery, 0..43200 (12 hours, Cloudflare's limit). */
  delaySeconds?: number;
  contentType?: QueueContentType;
}

/** The queue's backlog after a send, as Cloudflare reports it. */
export interface QueueMetrics {
  backlogCount: number;
  backlogBytes: number;
}

/** Cloudflare's send result, plus the job's id (ours, for getJob). */
export interface QueueSendResult {
  id: string;
  metadata: { metrics: QueueMetrics };
}

export interface QueueSendBatchResult {
  ids: string[];
  metadata: { metrics: QueueMetrics };
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
  send(body: unknown, options: QueueSendOptions): Promise<QueueSendResult>;
  sendBatch(messages: QueueSendRequest[], options: QueueSendBatchOptions): Promise<QueueSendBatchResult>;
  getJob(id: string): Promise<Job | null>;
  listJobs(options: ListJobsOptions): Promise<JobList>;
}
