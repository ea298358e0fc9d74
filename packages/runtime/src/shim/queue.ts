/** `env.QUEUE` inside user code: Cloudflare Queues' producer calls plus job status lookups, over the scoped RPC stub. */

// These types are the user-facing contract (re-exported by `@aerostack/runtime/types`); the platform's queue
// object imports them, so the two sides cannot disagree. Nothing here may depend on worker-only globals.

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

/** Input is validated by the platform (the tenant boundary); its errors reach the caller here with their messages. */
export class JobQueue {
  constructor(private readonly stub: QueueStub) {}

  /** Enqueues one job. Cloudflare's `send` resolves to nothing; the id is our addition, for `getJob`. */
  async send(body: unknown, options: QueueSendOptions = {}): Promise<{ id: string }> {
    return await this.stub.send(body, options);
  }

  /** Enqueues up to 100 jobs: all of them are stored, or (if any message is invalid) none. */
  async sendBatch(messages: Iterable<QueueSendRequest>, options: QueueSendBatchOptions = {}): Promise<{ ids: string[] }> {
    if (messages === null || typeof messages !== "object" || typeof (messages as Partial<Iterable<unknown>>)[Symbol.iterator] !== "function") {
      throw new TypeError("QUEUE.sendBatch: messages must be an array of { body, delaySeconds?, contentType? }");
    }
    // RPC carries arrays, not arbitrary iterables (Cloudflare's sendBatch accepts any Iterable).
    return await this.stub.sendBatch(Array.from(messages), options);
  }

  /** The job with this id in this project's queue, or null (as for another project's job id). */
  async getJob(id: string): Promise<Job | null> {
    return await this.stub.getJob(id);
  }

  /** Newest first and without bodies (getJob has them); pass `cursor` back for the next page. */
  async listJobs(options: ListJobsOptions = {}): Promise<JobList> {
    return await this.stub.listJobs(options);
  }
}
