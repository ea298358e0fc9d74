/** Integration tests of the QUEUE binding: real workerd, real user isolates, real SQLite Durable Object alarms. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type DEFAULT_SETTINGS, type TestPlatform } from "../../../host/testing";
import type { JobSummary } from "../../../shared/wire/queue";

/**
 * One consumer for every test; each test deploys it as its own project, so each has its own queue and isolate and
 * no test's retries can share a batch with another's. Deliveries are recorded in the isolate's memory and read back
 * through `/seen` (the same isolate serves fetch and queue for a project@version).
 */
const SCRIPT = `
const seen = [];
const describe = (v) => v instanceof ArrayBuffer ? { bytes: [...new Uint8Array(v)] } : v instanceof Map ? { map: [...v].map(([k, x]) => [k, x instanceof Date ? { date: x.getTime() } : x]) } : { type: typeof v, value: v };
const CASES = {
  cycle: (Q) => { const a = {}; a.self = a; return Q.send(a, { contentType: "v8" }); },
  bigint: (Q) => Q.send({ n: 1n }),
  huge: (Q) => Q.send("x".repeat(130 * 1024)),
  hugeBytes: (Q) => Q.send(new Uint8Array(129 * 1024), { contentType: "bytes" }),
  hugeBatch: (Q) => Q.sendBatch([1, 2, 3].map(() => ({ body: "x".repeat(100 * 1024), contentType: "text" }))),
  emptyBatch: (Q) => Q.sendBatch([]),
  delay: (Q) => Q.send(1, { delaySeconds: 50000 }),
  textNotString: (Q) => Q.send(42, { contentType: "text" }),
  bytesNotBytes: (Q) => Q.send("abc", { contentType: "bytes" }),
  badType: (Q) => Q.send(1, { contentType: "xml" }),
  tooMany: (Q) => Q.sendBatch(Array.from({ length: 101 }, (_, i) => ({ body: i }))),
  badInBatch: (Q) => Q.sendBatch([{ body: "fine" }, { body: "not bytes", contentType: "bytes" }]),
  badStatus: (Q) => Q.listJobs({ status: "done" }),
  badLimit: (Q) => Q.listJobs({ limit: 5000 }),
};
export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const input = req.method === "POST" ? await req.json() : {};
    try {
      switch (url.pathname) {
        case "/send": return Response.json(await env.QUEUE.send(input.body, input.options));
        case "/send-bytes": return Response.json(await env.QUEUE.send(new Uint8Array([0, 1, 2, 255]), { contentType: "bytes" }));
        case "/send-v8": return Response.json(await env.QUEUE.send(new Map([["at", new Date(0)]]), { contentType: "v8" }));
        case "/send-date": return Response.json(await env.QUEUE.send({ at: new Date(0) }));
        case "/batch": return Response.json(await env.QUEUE.sendBatch(input.messages, input.options));
        case "/job": {
          const job = await env.QUEUE.getJob(url.searchParams.get("id"));
          return Response.json(job && { ...job, body: describe(job.body) });
        }
        case "/jobs": return Response.json(await env.QUEUE.listJobs(input));
        case "/seen": return Response.json(seen);
        case "/case": await CASES[url.searchParams.get("name")](env.QUEUE); return Response.json({ ok: true });
      }
      return new Response("no route", { status: 404 });
    } catch (err) {
      return Response.json({ error: { name: err.name, message: err.message } });
    }
  },
  async queue(batch) {
    seen.push({ at: Date.now(), messages: batch.messages.map((m) => ({ id: m.id, attempts: m.attempts, body: describe(m.body) })) });
    for (const m of batch.messages) {
      const kind = m.body?.kind;
      if (kind === "ok") m.ack();
      else if (kind === "retry") m.retry();
      else if (kind === "throw") throw new Error("consumer failed on " + m.body.tag);
      else if (kind === "retry-later") m.attempts === 1 ? m.retry({ delaySeconds: 1 }) : m.ack();
      else if (kind === "all") m.attempts === 1 ? batch.retryAll() : batch.ackAll();
      else if (kind === "hang" && m.attempts === 1) await new Promise((resolve) => setTimeout(resolve, 60_000));
      // anything else is left undecided: a normal return acks it
    }
  },
};
`;

/** A job as the test worker returns it: the body described, since it may be bytes. */
interface JobView extends JobSummary {
  body: { type?: string; value?: unknown; bytes?: number[]; map?: unknown[] };
}
interface Delivery {
  at: number;
  messages: { id: string; attempts: number; body: { type?: string; value?: unknown; bytes?: number[]; map?: unknown[] } }[];
}
interface ErrorView {
  error: { name: string; message: string };
}

const FAST = { queue: { maxRetries: 2, maxBatchSize: 10, retryDelaySeconds: 0.1 } };
const POLL = { timeout: 10_000, interval: 50 };

let platform: TestPlatform;
const logs: string[] = [];

beforeAll(async () => {
  platform = await createTestPlatform({ onLog: (line) => logs.push(line) });
});
afterAll(() => platform?.dispose());

/** A tiny client for the consumer script above, bound to one platform and project. */
function client(p: () => TestPlatform, project: string) {
  const call = async <T>(path: string, input?: unknown): Promise<T> => {
    const init = input === undefined ? undefined : { method: "POST", body: JSON.stringify(input) };
    const res = await p().request(project, path, init);
    if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const api = {
    deploy: (settings: Partial<typeof DEFAULT_SETTINGS> = FAST) => p().deployScript(project, SCRIPT, settings),
    send: async (body: unknown, options?: unknown) => (await call<{ id: string }>("/send", { body, options })).id,
    sendBatch: async (messages: unknown[], options?: unknown) => (await call<{ ids: string[] }>("/batch", { messages, options })).ids,
    job: (id: string) => call<JobView | null>(`/job?id=${encodeURIComponent(id)}`),
    jobs: (options: Record<string, unknown> = {}) => call<{ jobs: JobSummary[]; cursor?: string }>("/jobs", options),
    seen: () => call<Delivery[]>("/seen"),
    failure: (name: string) => call<ErrorView>(`/case?name=${name}`),
    /** Polls until the job reaches `status`, then returns it. */
    async settled(id: string, status: string): Promise<JobView> {
      await expect.poll(async () => (await api.job(id))?.status, POLL).toBe(status);
      return (await api.job(id))!;
    },
    /** Every delivery of one job, in order. */
    async deliveriesOf(id: string) {
      return (await api.seen()).flatMap((d) => d.messages.filter((m) => m.id === id).map((m) => ({ ...m, at: d.at })));
    },
  };
  return api;
}

describe("QUEUE binding", () => {
  it("delivers a sent job to the consumer and records it completed", async () => {
    const q = client(() => platform, "q-basic");
    await q.deploy();
    const id = await q.send({ kind: "ok", n: 1 });
    expect(id).toMatch(/^job_[0-9a-f]{32}$/);
    const job = await q.settled(id, "completed");
    expect(job).toMatchObject({ id, status: "completed", attempts: 1, maxRetries: 2, body: { type: "object", value: { kind: "ok", n: 1 } } });
    expect(job.completedAt).toBeGreaterThanOrEqual(job.createdAt);
    expect(job.lastError).toBeUndefined();
    // The consumer's side effect: it saw the body, once.
    expect(await q.deliveriesOf(id)).toEqual([expect.objectContaining({ attempts: 1, body: { type: "object", value: { kind: "ok", n: 1 } } })]);
  });

  it("round-trips strings, bytes and JSON values to the consumer and through getJob", async () => {
    const q = client(() => platform, "q-bodies");
    await q.deploy();
    const text = await q.send("héllo");
    const json = await q.send([1, "two", { three: null }]);
    const { id: bytes } = await (await platform.request("q-bodies", "/send-bytes")).json() as { id: string };
    const { id: v8 } = await (await platform.request("q-bodies", "/send-v8")).json() as { id: string };
    const { id: date } = await (await platform.request("q-bodies", "/send-date")).json() as { id: string };
    for (const id of [text, json, bytes, v8, date]) await q.settled(id, "completed");
    // "v8" keeps what structured clone keeps (stored as tagged JSON); the default "json" turns a Date into its ISO string.
    expect((await q.deliveriesOf(v8))[0]!.body).toEqual({ map: [["at", { date: 0 }]] });
    expect((await q.job(v8))!.body).toEqual({ map: [["at", { date: 0 }]] });
    expect((await q.deliveriesOf(date))[0]!.body).toEqual({ type: "object", value: { at: "1970-01-01T00:00:00.000Z" } });
    expect((await q.deliveriesOf(text))[0]!.body).toEqual({ type: "string", value: "héllo" });
    expect((await q.deliveriesOf(json))[0]!.body).toEqual({ type: "object", value: [1, "two", { three: null }] });
    expect((await q.deliveriesOf(bytes))[0]!.body).toEqual({ bytes: [0, 1, 2, 255] });
    expect((await q.job(bytes))!.body).toEqual({ bytes: [0, 1, 2, 255] });
    expect((await q.job(text))!.body).toEqual({ type: "string", value: "héllo" });
  });

  it("rejects bodies and options it cannot store faithfully, saying what was wrong", async () => {
    const q = client(() => platform, "q-invalid");
    await q.deploy();
    const expectations: Record<string, RegExp> = {
      cycle: /body refers back to an object containing it/,
      bigint: /body cannot be serialised as JSON/,
      huge: /body is 133122 bytes; Cloudflare Queues take at most 128000 bytes per message/,
      hugeBytes: /body is 132096 bytes/,
      hugeBatch: /the messages total 307200 bytes; Cloudflare Queues take at most 256000 bytes per batch/,
      emptyBatch: /a batch needs at least one message/,
      delay: /delaySeconds must be a number of seconds from 0 to 43200; got number 50000/,
      textNotString: /Content Type "text" requires a value of type string, but received: number/,
      bytesNotBytes: /Content Type "bytes" requires a value of type ArrayBufferView/,
      badType: /Unsupported queue message content type: xml/,
      tooMany: /101 messages is more than the 100/,
      badInBatch: /messages\[1\]\.body: Content Type "bytes"/,
      badStatus: /status must be one of pending, running, completed, failed, dead; got "done"/,
      badLimit: /limit must be an integer from 1 to 1000/,
    };
    for (const [name, message] of Object.entries(expectations)) {
      expect((await q.failure(name)).error?.message, name).toMatch(message);
    }
    // The batch with one bad message stored nothing, and nothing else was stored either.
    expect((await q.jobs()).jobs).toEqual([]);
  });

  it("holds a job with delaySeconds until it is due", async () => {
    const q = client(() => platform, "q-delay");
    await q.deploy();
    const id = await q.send("later", { delaySeconds: 1 });
    const pending = await q.job(id);
    expect(pending).toMatchObject({ status: "pending", attempts: 0 });
    expect(pending!.availableAt! - pending!.createdAt).toBe(1000);
    const done = await q.settled(id, "completed");
    expect(done.completedAt! - done.createdAt).toBeGreaterThanOrEqual(1000);
    expect((await q.deliveriesOf(id))[0]!.at - done.createdAt).toBeGreaterThanOrEqual(1000);
  });

  it("retries an explicitly retried message with exponential backoff, then dead-letters it", async () => {
    const q = client(() => platform, "q-retry");
    await q.deploy();
    const id = await q.send({ kind: "retry" });
    const dead = await q.settled(id, "dead");
    // maxRetries 2: the first delivery plus two retries.
    expect(dead).toMatchObject({ attempts: 3, lastError: "the consumer called retry() on this message" });
    expect(dead.availableAt).toBeUndefined();
    const deliveries = await q.deliveriesOf(id);
    expect(deliveries.map((d) => d.attempts)).toEqual([1, 2, 3]);
    // retryDelaySeconds 0.1 doubled per attempt: at least 100 ms, then at least 200 ms.
    expect(deliveries[1]!.at - deliveries[0]!.at).toBeGreaterThanOrEqual(100);
    expect(deliveries[2]!.at - deliveries[1]!.at).toBeGreaterThanOrEqual(200);
  });

  it("retries the messages of a throwing handler that it had not acked, and dead-letters them with the error", async () => {
    const q = client(() => platform, "q-throw");
    await q.deploy();
    const [acked, thrown] = await q.sendBatch([{ body: { kind: "ok" } }, { body: { kind: "throw", tag: "t1" } }]);
    const dead = await q.settled(thrown!, "dead");
    expect(dead).toMatchObject({ attempts: 3, lastError: "Error: consumer failed on t1" });
    expect(await q.job(acked!)).toMatchObject({ status: "completed", attempts: 1 });
    expect((await q.deliveriesOf(thrown!)).map((d) => d.attempts)).toEqual([1, 2, 3]);
  });

  it("uses the delay a consumer passes to retry() instead of the backoff", async () => {
    const q = client(() => platform, "q-retry-delay");
    await q.deploy();
    const id = await q.send({ kind: "retry-later" });
    await expect.poll(async () => (await q.job(id))?.status, POLL).toBe("failed");
    expect(await q.job(id)).toMatchObject({ status: "failed", attempts: 1, lastError: "the consumer called retry() on this message" });
    const done = await q.settled(id, "completed");
    expect(done.attempts).toBe(2);
    const [first, second] = await q.deliveriesOf(id);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
  });

  it("applies retryAll and ackAll to every message of the batch", async () => {
    const q = client(() => platform, "q-all");
    await q.deploy();
    const ids = await q.sendBatch([{ body: { kind: "all" } }, { body: "plain" }, { body: 3 }]);
    for (const id of ids) expect(await q.settled(id, "completed")).toMatchObject({ attempts: 2 });
    const batches = (await q.seen()).map((d) => d.messages.map((m) => m.attempts));
    expect(batches).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
  });

  it("splits a backlog larger than maxBatchSize into batches", async () => {
    const q = client(() => platform, "q-split");
    await q.deploy({ queue: { maxRetries: 2, maxBatchSize: 3, retryDelaySeconds: 0.1 } });
    const ids = await q.sendBatch(Array.from({ length: 7 }, (_, i) => ({ body: i })));
    for (const id of ids) await q.settled(id, "completed");
    const sizes = (await q.seen()).map((d) => d.messages.length);
    expect(sizes).toEqual([3, 3, 1]);
    // Due at the same moment, they are delivered in the order they were sent.
    expect((await q.seen()).flatMap((d) => d.messages.map((m) => m.body.value))).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("lists jobs newest first, by status, a page at a time", async () => {
    const q = client(() => platform, "q-list");
    await q.deploy({ queue: { maxRetries: 0, maxBatchSize: 10, retryDelaySeconds: 0.1 } });
    const ids = await q.sendBatch([{ body: 1 }, { body: { kind: "retry" } }, { body: 2 }, { body: { kind: "retry" } }, { body: 3 }]);
    await q.settled(ids[1]!, "dead");
    await q.settled(ids[3]!, "dead");
    for (const i of [0, 2, 4]) await q.settled(ids[i]!, "completed");
    const newestFirst = [...ids].reverse();

    expect((await q.jobs({ status: "dead" })).jobs.map((j) => j.id)).toEqual([ids[3], ids[1]]);
    expect((await q.jobs({ status: "completed" })).jobs.map((j) => j.id)).toEqual([ids[4], ids[2], ids[0]]);
    expect((await q.jobs({ status: "pending" })).jobs).toEqual([]);

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await q.jobs({ limit: 2, ...(cursor ? { cursor } : {}) });
      pages.push(page.jobs.map((j) => j.id));
      cursor = page.cursor;
    } while (cursor);
    expect(pages).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)]);
    // Listings leave bodies out; getJob has them.
    expect((await q.jobs()).jobs[0]).not.toHaveProperty("body");

    // The host's control API reads the same queue.
    const viaControl = await platform.control.listJobs("q-list", { status: "dead" });
    expect(viaControl.jobs.map((j) => j["id"])).toEqual([ids[3], ids[1]]);
    expect(viaControl.jobs[0]).toMatchObject({ status: "dead", attempts: 1, lastError: "the consumer called retry() on this message" });
  });

  it("keeps each project's jobs to itself", async () => {
    const a = client(() => platform, "q-tenant-a");
    const b = client(() => platform, "q-tenant-b");
    await a.deploy();
    await b.deploy();
    const aId = await a.send({ kind: "ok", secret: "a's" });
    await a.settled(aId, "completed");
    const bId = await b.send("b's");
    await b.settled(bId, "completed");

    expect(await b.job(aId)).toBeNull();
    expect((await b.jobs()).jobs.map((j) => j.id)).toEqual([bId]);
    expect((await platform.control.listJobs("q-tenant-b")).jobs.map((j) => j["id"])).toEqual([bId]);
    expect(await b.seen()).toHaveLength(1);
    expect(await a.job(aId)).toMatchObject({ status: "completed" });
  });
});

describe("QUEUE durability", () => {
  let dir: string;
  let current: TestPlatform | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "aerostack-queue-"));
  });
  afterAll(async () => {
    await current?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const restart = async () => {
    await current?.dispose();
    current = await createTestPlatform({ persistTo: dir });
  };

  it("delivers a delayed job whose alarm comes due after a restart", async () => {
    await restart();
    const q = client(() => current!, "q-durable");
    await q.deploy();
    const id = await q.send({ kind: "ok" }, { delaySeconds: 2 });
    expect(await q.job(id)).toMatchObject({ status: "pending" });

    await restart();
    await q.deploy();
    const done = await q.settled(id, "completed");
    expect(done.attempts).toBe(1);
    expect(done.completedAt! - done.createdAt).toBeGreaterThanOrEqual(2000);
    // Delivered by the new platform's isolate (the old one died with its workerd).
    expect((await q.deliveriesOf(id)).map((d) => d.attempts)).toEqual([1]);
  });

  it("delivers again a job whose delivery a restart cut off (at-least-once)", async () => {
    await restart();
    const q = client(() => current!, "q-crash");
    await q.deploy();
    const id = await q.send({ kind: "hang" });
    // The consumer has the job and is stuck in it when the platform goes away.
    await expect.poll(async () => (await q.deliveriesOf(id)).length, POLL).toBe(1);
    expect(await q.job(id)).toMatchObject({ status: "running", attempts: 1 });

    await restart();
    await q.deploy();
    const done = await q.settled(id, "completed");
    expect(done.attempts).toBe(2);
    expect(done.lastError).toMatch(/delivery was interrupted/);
    expect((await q.deliveriesOf(id)).map((d) => d.attempts)).toEqual([2]);
  });
});
