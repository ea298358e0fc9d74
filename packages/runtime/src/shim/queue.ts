/** `env.QUEUE` inside user code: Cloudflare Queues' producer calls plus job status lookups, over the scoped RPC stub. */
import type { QueueContentType, QueueSendOptions, QueueSendRequest, QueueSendBatchOptions, QueueSendResult, QueueSendBatchResult, ListJobsOptions, Job, JobList, QueueStub } from "../shared/wire/queue";
// The wire contract (shared/wire/queue.ts) is part of the user-facing API too.
export type { JobStatus, QueueContentType, QueueSendOptions, QueueSendRequest, QueueSendBatchOptions, QueueSendResult, QueueSendBatchResult, QueueMetrics, ListJobsOptions, JobSummary, Job, JobList, QueueStub } from "../shared/wire/queue";

// These types are the user-facing contract (re-exported by `@aerostack/runtime/types`); the platform's queue
// object imports them, so the two sides cannot disagree. Nothing here may depend on worker-only globals.

/**
 * A message as it crosses RPC: "json" bodies are serialised here, in the sender's isolate, because JSON's rules
 * (a Date becomes its ISO string, functions and undefined properties are dropped) must apply before RPC, which would
 * refuse a function. The other types travel as they are; the platform checks them.
 */
function toWire(where: string, body: unknown, contentType: unknown): { body: unknown; contentType: unknown } {
  // Cloudflare's default content type is "json".
  const type = contentType ?? "json";
  if (type !== "json") return { body, contentType: type };
  let text: string | undefined;
  try {
    text = JSON.stringify(body);
  } catch (err) {
    throw new TypeError(`${where} cannot be serialised as JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (text === undefined) throw new TypeError(`${where} is ${typeof body}, which JSON cannot represent; use contentType "v8" or send a value`);
  return { body: text, contentType: "json" };
}

/** Input is validated by the platform (the tenant boundary); its errors reach the caller here with their messages. */
export class JobQueue {
  constructor(private readonly stub: QueueStub) {}

  /** Enqueues one job. Resolves like Cloudflare's (`metadata.metrics`), plus our `id` for `getJob`. */
  async send(body: unknown, options: QueueSendOptions = {}): Promise<QueueSendResult> {
    const wire = toWire("QUEUE.send: body", body, options?.contentType);
    return await this.stub.send(wire.body, { ...options, contentType: wire.contentType as QueueContentType });
  }

  /** Enqueues 1 to 100 jobs: all of them are stored, or (if any message is invalid) none. */
  async sendBatch(messages: Iterable<QueueSendRequest>, options: QueueSendBatchOptions = {}): Promise<QueueSendBatchResult> {
    if (messages === null || typeof messages !== "object" || typeof (messages as Partial<Iterable<unknown>>)[Symbol.iterator] !== "function") {
      throw new TypeError("QUEUE.sendBatch: messages must be an array of { body, delaySeconds?, contentType? }");
    }
    // RPC carries arrays, not arbitrary iterables (Cloudflare's sendBatch accepts any Iterable).
    const wire = Array.from(messages, (message, i) => {
      if (typeof message !== "object" || message === null) return message;
      const { body, contentType } = toWire(`QUEUE.sendBatch: messages[${i}].body`, message.body, message.contentType);
      return { ...message, body, contentType: contentType as QueueContentType };
    });
    return await this.stub.sendBatch(wire, options);
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
