/** ProjectQueue: one SQLite Durable Object per project holding its background jobs, delivered by the DO's alarm. */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../../env";
import { DeploymentSettingsSchema, type DeploymentSettings, type QueueBatchResult, type QueueMessageWire } from "../../../shared/protocol";
import { activeDeployment } from "../../isolates/active";
import { deliverQueueBatch } from "../../dispatch/queue-consumer";
// The user-facing API types live with the shim, which is what `@aerostack/runtime/types` exposes to user code.
import type {
  Job,
  JobList,
  JobStatus,
  JobSummary,
  QueueMetrics,
  QueueSendBatchOptions,
  QueueSendBatchResult,
  QueueSendOptions,
  QueueSendRequest,
  QueueSendResult,
} from "../../../shared/wire/queue";
import { randomHex } from "../../../shared/hex";

const STATUSES: readonly JobStatus[] = ["pending", "running", "completed", "failed", "dead"];

/** listJobs as it arrives over RPC or from the control API: `status` is checked here, not trusted. */
export interface ListJobsInput {
  status?: string;
  limit?: number;
  cursor?: string;
}

/** Cloudflare Queues' per-message size limit (128 KB, counted as Cloudflare's local emulation counts it). */
export const MAX_BODY_BYTES = 128_000;
/** Cloudflare Queues' per-sendBatch limits: messages, and their total size. */
export const MAX_BATCH_MESSAGES = 100;
export const MAX_BATCH_BYTES = 256_000;
/** Cloudflare Queues' longest delay; also caps the backoff so a retry never lands further out than a send could. */
export const MAX_DELAY_SECONDS = 43_200;
const MAX_LIST_LIMIT = 1000;
const DEFAULT_LIST_LIMIT = 100;
/** Cloudflare's wall-clock limit for a queue consumer: a hung handler must not stall the queue forever. */
const DELIVERY_TIMEOUT_MS = 15 * 60_000;
/** One alarm run stops after this long and re-arms at once, so a backlog never outlives an alarm's time limit. */
const ALARM_BUDGET_MS = 30_000;
/** Finished jobs are kept for inspection, then pruned so a busy queue's storage does not grow without bound. */
const KEEP_COMPLETED_MS = 7 * 24 * 3600_000;
const KEEP_DEAD_MS = 30 * 24 * 3600_000;
const MAX_ERROR_CHARS = 4096;

type BodyType = "json" | "text" | "bytes" | "v8";

interface JobRow extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  body_type: string;
  body: string;
  status: string;
  attempts: number;
  max_retries: number;
  available_at: number;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
  last_error: string | null;
}

const SUMMARY_COLUMNS = "seq, id, status, attempts, max_retries, available_at, created_at, updated_at, completed_at, last_error";

/** The queue settings a deployment gets when it names none: the schema's own defaults, so the two cannot drift (a cache, correct when empty). */
let defaultQueueSettings: DeploymentSettings["queue"] | undefined;
function queueDefaults(): DeploymentSettings["queue"] {
  defaultQueueSettings ??= DeploymentSettingsSchema.shape.queue.parse(undefined);
  return defaultQueueSettings;
}

export class ProjectQueue extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;
  private project: string | null = null;
  /** True while alarm() is delivering: running rows are then in flight, not orphans. */
  private delivering = false;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // Nothing else runs until the schema exists and a crash's leftovers are recovered.
    void ctx.blockConcurrencyWhile(async () => {
      this.sql.exec(`
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS jobs (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          body_type TEXT NOT NULL,
          body TEXT NOT NULL,
          status TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          max_retries INTEGER NOT NULL,
          available_at INTEGER NOT NULL,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          completed_at INTEGER,
          last_error TEXT);
        CREATE INDEX IF NOT EXISTS jobs_due ON jobs (status, available_at);
        CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, seq);
      `);
      this.project = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'project'").toArray()[0]?.value ?? null;
      // A new instance means no delivery of ours is in flight: any `running` job was cut off by a restart or crash.
      this.recoverInterrupted(Date.now());
      // The stored alarm normally survives a restart; arming again costs little and covers a lost one.
      await this.arm();
    });
  }

  // ── RPC, called by ScopedQueue (send, sendBatch, getJob, listJobs) and the control API (listJobs) ──

  async send(project: string, body: unknown, options: QueueSendOptions = {}): Promise<QueueSendResult> {
    this.rememberProject(project);
    checkOptions("QUEUE.send", options, ["delaySeconds", "contentType"]);
    const delay = checkDelay("QUEUE.send: delaySeconds", options.delaySeconds);
    const encoded = encodeBody("QUEUE.send: body", body, options.contentType);
    const maxRetries = await this.maxRetries(project);
    const id = this.insert([{ encoded, delay }], maxRetries, Date.now())[0]!;
    await this.arm();
    return { id, metadata: { metrics: this.metrics() } };
  }

  async sendBatch(project: string, messages: QueueSendRequest[], options: QueueSendBatchOptions = {}): Promise<QueueSendBatchResult> {
    this.rememberProject(project);
    if (!Array.isArray(messages)) throw new TypeError("QUEUE.sendBatch: messages must be an array of { body, delaySeconds?, contentType? }");
    // Cloudflare's limits, with its classes: an empty batch is a TypeError, an oversized one a plain Error.
    if (messages.length === 0) throw new TypeError("QUEUE.sendBatch: a batch needs at least one message");
    if (messages.length > MAX_BATCH_MESSAGES) {
      throw new Error(`QUEUE.sendBatch: ${messages.length} messages is more than the ${MAX_BATCH_MESSAGES} a batch may hold; split it`);
    }
    checkOptions("QUEUE.sendBatch", options, ["delaySeconds"]);
    const batchDelay = checkDelay("QUEUE.sendBatch: delaySeconds", options.delaySeconds);
    // Every message is checked before any is stored: a batch is accepted whole or not at all.
    const prepared = messages.map((message, i) => {
      const where = `QUEUE.sendBatch: messages[${i}]`;
      if (typeof message !== "object" || message === null || !("body" in message)) {
        throw new TypeError(`${where} must be an object { body, delaySeconds?, contentType? }`);
      }
      checkOptions(where, message, ["body", "delaySeconds", "contentType"]);
      const delay = message.delaySeconds === undefined ? batchDelay : checkDelay(`${where}.delaySeconds`, message.delaySeconds);
      return { encoded: encodeBody(`${where}.body`, message.body, message.contentType), delay };
    });
    const total = prepared.reduce((sum, { encoded }) => sum + encoded.size, 0);
    if (total > MAX_BATCH_BYTES) {
      throw new Error(`QUEUE.sendBatch: the messages total ${total} bytes; Cloudflare Queues take at most ${MAX_BATCH_BYTES} bytes per batch; split it`);
    }
    const maxRetries = await this.maxRetries(project);
    const ids = this.insert(prepared, maxRetries, Date.now());
    await this.arm();
    return { ids, metadata: { metrics: this.metrics() } };
  }

  getJob(id: string): Job | null {
    if (typeof id !== "string") throw new TypeError(`QUEUE.getJob: id must be a string like "job_…", got ${describeValue(id)}`);
    const row = this.sql.exec<JobRow>(`SELECT ${SUMMARY_COLUMNS}, body_type, body FROM jobs WHERE id = ?`, id).toArray()[0];
    if (!row) return null;
    return { ...summary(row), body: decodeBody(row.body_type, row.body) };
  }

  /** Newest first. Bodies are left out (a page of 1000 could be 128 MB): getJob(id) has them. */
  listJobs(options: ListJobsInput = {}): JobList {
    if (typeof options !== "object" || options === null) throw new TypeError("QUEUE.listJobs: options must be an object { status?, limit?, cursor? }");
    const { status, cursor } = options;
    const limit = options.limit ?? DEFAULT_LIST_LIMIT;
    if (status !== undefined && !STATUSES.includes(status as JobStatus)) {
      throw new TypeError(`QUEUE.listJobs: status must be one of ${STATUSES.join(", ")}; got ${describeValue(status)}`);
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new RangeError(`QUEUE.listJobs: limit must be an integer from 1 to ${MAX_LIST_LIMIT}; got ${describeValue(limit)}`);
    }
    if (cursor !== undefined && (typeof cursor !== "string" || !/^[1-9][0-9]{0,15}$/.test(cursor))) {
      throw new TypeError(`QUEUE.listJobs: cursor ${describeValue(cursor)} is not one listJobs returned`);
    }
    const where: string[] = [];
    const params: SqlStorageValue[] = [];
    if (status !== undefined) {
      where.push("status = ?");
      params.push(status);
    }
    if (cursor !== undefined) {
      where.push("seq < ?");
      params.push(Number(cursor));
    }
    // One row past the page tells whether another page exists without a second query.
    const rows = this.sql
      .exec<JobRow>(
        `SELECT ${SUMMARY_COLUMNS} FROM jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ?`,
        ...params,
        limit + 1,
      )
      .toArray();
    const page = rows.slice(0, limit);
    const list: JobList = { jobs: page.map(summary) };
    if (rows.length > limit) list.cursor = String(page[page.length - 1]!.seq);
    return list;
  }

  // ── Delivery ──

  override async alarm(): Promise<void> {
    // workerd does not overlap alarm runs; the flag keeps that assumption from ever delivering a job twice at once.
    if (this.delivering) return;
    // No delivery is in flight, so a running job is an orphan of an earlier run that threw between claim and settle.
    this.recoverInterrupted(Date.now());
    this.delivering = true;
    try {
      const project = this.project;
      if (project === null) return; // no send has ever reached this object, so it holds no jobs
      const started = Date.now();
      while (Date.now() - started < ALARM_BUDGET_MS) {
        const settings = (await activeDeployment(this.env, project)).settings?.queue ?? queueDefaults();
        const batch = this.claim(settings.maxBatchSize, Date.now());
        if (batch.length === 0) break;
        const messages: QueueMessageWire[] = batch.map((job) => ({
          id: job.id,
          body: decodeBody(job.body_type, job.body),
          timestamp: job.created_at,
          attempts: job.attempts,
        }));
        // One queue per project, named after it: batch.queue says which queue, as on Cloudflare.
        const result = await withTimeout(deliverQueueBatch(this.env, this.ctx.exports, project, project, messages), messages);
        this.settle(batch, result, settings.retryDelaySeconds, Date.now());
      }
      this.prune(Date.now());
    } finally {
      this.delivering = false;
      await this.arm();
    }
  }

  /** Marks up to `limit` due jobs running and counts the attempt, in one transaction: a job is claimed once. */
  private claim(limit: number, now: number): JobRow[] {
    return this.ctx.storage.transactionSync(() => {
      const rows = this.sql
        .exec<JobRow>(
          `SELECT ${SUMMARY_COLUMNS}, body_type, body FROM jobs
           WHERE status IN ('pending', 'failed') AND available_at <= ? ORDER BY available_at, seq LIMIT ?`,
          now,
          limit,
        )
        .toArray();
      for (const row of rows) {
        this.sql.exec("UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ? WHERE seq = ?", now, row.seq);
        row.attempts += 1;
      }
      return rows;
    });
  }

  /** Applies the consumer's outcome to each delivered job: completed, failed with a backoff, or dead. */
  private settle(batch: JobRow[], result: QueueBatchResult, retryDelaySeconds: number, now: number): void {
    const thrown = result.error ? truncate(`${result.error.name}: ${result.error.message}`) : null;
    this.ctx.storage.transactionSync(() => {
      for (const job of batch) {
        const outcome = result.outcomes[job.id];
        if (outcome?.action === "ack") {
          this.sql.exec("UPDATE jobs SET status = 'completed', completed_at = ?, updated_at = ? WHERE seq = ?", now, now, job.seq);
          continue;
        }
        const error =
          thrown ?? (outcome ? "the consumer called retry() on this message" : "the consumer reported no outcome for this message");
        if (job.attempts > job.max_retries) {
          this.sql.exec("UPDATE jobs SET status = 'dead', last_error = ?, updated_at = ? WHERE seq = ?", error, now, job.seq);
          continue;
        }
        const explicit = outcome?.delaySeconds;
        const delay =
          typeof explicit === "number" && Number.isFinite(explicit) && explicit >= 0
            ? explicit
            : retryDelaySeconds * 2 ** (job.attempts - 1);
        const availableAt = now + Math.round(Math.min(delay, MAX_DELAY_SECONDS) * 1000);
        this.sql.exec(
          "UPDATE jobs SET status = 'failed', available_at = ?, last_error = ?, updated_at = ? WHERE seq = ?",
          availableAt,
          error,
          now,
          job.seq,
        );
      }
    });
  }

  /**
   * Running jobs whose delivery was cut off count as a failed attempt (so a job that crashes the platform every time
   * still reaches its dead letter) and are due again now: delivery is at-least-once.
   */
  private recoverInterrupted(now: number): void {
    const { rowsWritten } = this.sql.exec(
      `UPDATE jobs SET status = CASE WHEN attempts > max_retries THEN 'dead' ELSE 'failed' END,
         available_at = ?, updated_at = ?, last_error = 'delivery was interrupted (the platform stopped or the queue crashed mid-batch)'
       WHERE status = 'running'`,
      now,
      now,
    );
    if (rowsWritten > 0) console.log(`[${this.project ?? "?"}] queue: ${rowsWritten} interrupted job(s) will be delivered again`);
  }

  private prune(now: number): void {
    this.sql.exec(
      "DELETE FROM jobs WHERE (status = 'completed' AND completed_at < ?) OR (status = 'dead' AND updated_at < ?)",
      now - KEEP_COMPLETED_MS,
      now - KEEP_DEAD_MS,
    );
  }

  /** Points the DO's single alarm at the earliest due job, or clears it when none waits. */
  private async arm(): Promise<void> {
    // While alarm() runs it re-arms when done; an earlier alarm now would only find the jobs it is delivering.
    if (this.delivering) return;
    const { next, orphans } = this.sql
      .exec<{ next: number | null; orphans: number }>(
        `SELECT MIN(CASE WHEN status != 'running' THEN available_at END) AS next,
                COUNT(CASE WHEN status = 'running' THEN 1 END) AS orphans
         FROM jobs WHERE status IN ('pending', 'failed', 'running')`,
      )
      .one();
    // Running jobs with no delivery in flight were left by an alarm run that threw: the next run recovers them.
    const at = orphans > 0 ? Math.min(next ?? Date.now(), Date.now()) : next;
    if (at === null) {
      if ((await this.ctx.storage.getAlarm()) !== null) await this.ctx.storage.deleteAlarm();
    } else {
      await this.ctx.storage.setAlarm(at);
    }
  }

  /** The backlog Cloudflare reports after a send: jobs not yet completed or dead, and their stored size. */
  private metrics(): QueueMetrics {
    const row = this.sql
      .exec<{ n: number; bytes: number | null }>("SELECT COUNT(*) AS n, SUM(length(body)) AS bytes FROM jobs WHERE status IN ('pending', 'failed', 'running')")
      .one();
    return { backlogCount: row.n, backlogBytes: row.bytes ?? 0 };
  }

  private insert(messages: { encoded: EncodedBody; delay: number }[], maxRetries: number, now: number): string[] {
    return this.ctx.storage.transactionSync(() =>
      messages.map(({ encoded, delay }) => {
        const id = newJobId();
        this.sql.exec(
          `INSERT INTO jobs (id, body_type, body, status, attempts, max_retries, available_at, created_at, updated_at)
           VALUES (?, ?, ?, 'pending', 0, ?, ?, ?, ?)`,
          id,
          encoded.type,
          encoded.text,
          maxRetries,
          now + Math.round(delay * 1000),
          now,
          now,
        );
        return id;
      }),
    );
  }

  /** The DO cannot learn its own name, and the alarm needs it to find the consumer: the first send records it. */
  private rememberProject(project: string): void {
    if (this.project === project) return;
    if (typeof project !== "string" || project.length === 0) throw new TypeError("ProjectQueue: the caller must pass the project id");
    if (this.project !== null) {
      // idFromName(project) is one object per project, so this can only be a routing bug; refuse rather than mix tenants.
      throw new Error(`ProjectQueue: this queue belongs to project ${this.project}, not ${project}`);
    }
    this.sql.exec("INSERT INTO meta (key, value) VALUES ('project', ?)", project);
    this.project = project;
  }

  /** A job keeps the retry budget of the deployment that sent it, so a redeploy never re-decides jobs already queued. */
  private async maxRetries(project: string): Promise<number> {
    return ((await activeDeployment(this.env, project)).settings?.queue ?? queueDefaults()).maxRetries;
  }
}

// ── Helpers ──

interface EncodedBody {
  type: BodyType;
  /** The body as JSON text: the value itself for json, a JSON string for text, a JSON string of base64 for bytes. */
  text: string;
}

function newJobId(): string {
  return `job_${randomHex(16)}`;
}

function summary(row: JobRow): JobSummary {
  const job: JobSummary = {
    id: row.id,
    status: row.status as JobStatus,
    attempts: row.attempts,
    maxRetries: row.max_retries,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  if (row.status === "pending" || row.status === "failed") job.availableAt = row.available_at;
  if (row.completed_at !== null) job.completedAt = row.completed_at;
  if (row.last_error !== null) job.lastError = row.last_error;
  return job;
}

function checkOptions(where: string, options: unknown, allowed: string[]): void {
  if (typeof options !== "object" || options === null) throw new TypeError(`${where}: options must be an object`);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) throw new TypeError(`${where}: unknown option "${key}" (allowed: ${allowed.join(", ")})`);
  }
}

function checkDelay(where: string, delay: unknown): number {
  if (delay === undefined) return 0;
  if (typeof delay !== "number" || !Number.isFinite(delay) || delay < 0 || delay > MAX_DELAY_SECONDS) {
    // A plain Error, as Cloudflare's (its API answers with an error code; see Queues' error codes page).
    throw new Error(`${where} must be a number of seconds from 0 to ${MAX_DELAY_SECONDS}; got ${describeValue(delay)}`);
  }
  return delay;
}

/** Stores a body as its content type says, Cloudflare's four: json (already JSON text, see the wire), text, bytes, v8. */
function encodeBody(where: string, body: unknown, contentType: unknown): EncodedBody & { size: number } {
  const type = contentType ?? "json";
  switch (type) {
    case "text":
      // Cloudflare's words and class, so ported checks keep matching.
      if (typeof body !== "string") throw new TypeError(`${where}: Content Type "text" requires a value of type string, but received: ${typeof body}`);
      return sized(where, { type: "text", text: JSON.stringify(body) }, utf8Length(body));
    case "bytes": {
      if (!ArrayBuffer.isView(body)) throw new TypeError(`${where}: Content Type "bytes" requires a value of type ArrayBufferView, but received: ${describeValue(body)}`);
      const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      // The limit is on what the user sent, not on the base64 copy stored.
      return sized(where, { type: "bytes", text: JSON.stringify(toBase64(bytes)) }, bytes.byteLength);
    }
    case "json": {
      if (typeof body !== "string") throw new TypeError(`${where}: a "json" body arrives as its JSON text`);
      try {
        JSON.parse(body);
      } catch {
        throw new TypeError(`${where}: a "json" body arrives as valid JSON text`);
      }
      return sized(where, { type: "json", text: body }, utf8Length(body));
    }
    case "v8": {
      const text = JSON.stringify(toTagged(where, body, []));
      return sized(where, { type: "v8", text }, utf8Length(text));
    }
    default:
      throw new TypeError(`${where}: Unsupported queue message content type: ${String(type)} (use "json", "text", "bytes" or "v8")`);
  }
}

function sized(where: string, encoded: EncodedBody, size: number): EncodedBody & { size: number } {
  if (size > MAX_BODY_BYTES) {
    // A plain Error, as Cloudflare's: its producer rejects the request.
    throw new Error(`${where} is ${size} bytes; Cloudflare Queues take at most ${MAX_BODY_BYTES} bytes per message. Store large data elsewhere and send its key`);
  }
  return { ...encoded, size };
}

function decodeBody(type: string, text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (type === "bytes") return fromBase64(value as string).buffer;
  if (type === "v8") return fromTagged(value);
  return value;
}

/**
 * A structured-clone value ("v8") as tagged JSON, so a stored body stays readable: every object is tagged with its
 * kind ({$o}, {$a}, {$d}, {$m}, {$s}, …), so no user key can be mistaken for a tag. The body crossed RPC, which
 * already refused what structured clone cannot carry (functions, symbols); cycles are refused here.
 */
function toTagged(where: string, value: unknown, ancestors: object[]): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "undefined":
      return { $u: 1 };
    case "bigint":
      return { $b: String(value) };
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0) ? value : { $n: String(value) };
    case "object": {
      if (value === null) return null;
      if (ancestors.includes(value)) throw new TypeError(`${where} refers back to an object containing it; Aerostack stores "v8" bodies without cycles`);
      const inner = [...ancestors, value];
      const tag = (v: unknown) => toTagged(where, v, inner);
      if (value instanceof Date) return { $d: value.getTime() };
      if (value instanceof RegExp) return { $r: [value.source, value.flags] };
      if (value instanceof Map) return { $m: Array.from(value, ([k, v]) => [tag(k), tag(v)]) };
      if (value instanceof Set) return { $s: Array.from(value, tag) };
      if (value instanceof ArrayBuffer) return { $ab: toBase64(new Uint8Array(value)) };
      if (ArrayBuffer.isView(value)) return { $t: value.constructor.name, b: toBase64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)) };
      if (value instanceof Error) return { $e: [value.name, value.message] };
      if (Array.isArray(value)) return { $a: value.map(tag) };
      return { $o: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tag(v)])) };
    }
    default:
      throw new TypeError(`${where} is ${describeValue(value)}, which a "v8" message cannot carry`);
  }
}

const TYPED_ARRAYS: Record<string, new (buffer: ArrayBuffer) => ArrayBufferView> = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView,
};

function fromTagged(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  const v = value as Record<string, unknown>;
  if ("$u" in v) return undefined;
  if ("$b" in v) return BigInt(v.$b as string);
  if ("$n" in v) return Number(v.$n);
  if ("$d" in v) return new Date(v.$d as number);
  if ("$r" in v) return new RegExp(...(v.$r as [string, string]));
  if ("$m" in v) return new Map((v.$m as [unknown, unknown][]).map(([k, x]) => [fromTagged(k), fromTagged(x)]));
  if ("$s" in v) return new Set((v.$s as unknown[]).map(fromTagged));
  if ("$ab" in v) return fromBase64(v.$ab as string).buffer;
  if ("$t" in v) return new (TYPED_ARRAYS[v.$t as string] ?? Uint8Array)(fromBase64(v.b as string).buffer as ArrayBuffer);
  if ("$e" in v) {
    const [name, message] = v.$e as [string, string];
    const error = new Error(message);
    error.name = name;
    return error;
  }
  if ("$a" in v) return (v.$a as unknown[]).map(fromTagged);
  return Object.fromEntries(Object.entries((v.$o ?? {}) as Record<string, unknown>).map(([k, x]) => [k, fromTagged(x)]));
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return `${typeof value} ${String(value)}`;
  if (typeof value === "object") {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return Array.isArray(value) ? "an array" : name && name !== "Object" ? `a ${name}` : "an object";
  }
  return `a ${typeof value}`;
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  // Chunked: String.fromCharCode with a 128 KB spread would overflow the argument limit.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function truncate(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}

/** A consumer that never settles counts as a failed delivery of the whole batch once Cloudflare's limit passes. */
async function withTimeout(delivery: Promise<QueueBatchResult>, messages: QueueMessageWire[]): Promise<QueueBatchResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<QueueBatchResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          outcomes: Object.fromEntries(messages.map((m) => [m.id, { action: "retry" as const }])),
          error: { kind: "error", name: "TimeoutError", message: `the queue handler did not finish within ${DELIVERY_TIMEOUT_MS / 60_000} minutes`, stack: "" },
        }),
      DELIVERY_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([delivery, timeout]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
