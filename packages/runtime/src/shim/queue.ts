/** `env.QUEUE` inside user code: Cloudflare Queues' producer calls plus job status lookups, over the scoped RPC stub. */
import type { QueueSendOptions, QueueSendRequest, QueueSendBatchOptions, ListJobsOptions, Job, JobList, QueueStub } from "../shared/wire/queue";
// The wire contract (shared/wire/queue.ts) is part of the user-facing API too.
export type { JobStatus, QueueContentType, QueueSendOptions, QueueSendRequest, QueueSendBatchOptions, ListJobsOptions, JobSummary, Job, JobList, QueueStub } from "../shared/wire/queue";

// These types are the user-facing contract (re-exported by `@aerostack/runtime/types`); the platform's queue
// object imports them, so the two sides cannot disagree. Nothing here may depend on worker-only globals.

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
