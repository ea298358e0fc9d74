/** The isolate's main module: wraps the user's module, gives it familiar bindings and tags its console output. */
import { WorkerEntrypoint } from "cloudflare:workers";
import { AsyncLocalStorage } from "node:async_hooks";
// Resolved inside the isolate: the loader stores the user's bundle under this module name.
import userModule from "./user.js";
import type { ErrorReport, QueueBatchResult, QueueMessageWire, QueueOutcome } from "../shared/protocol";
import { userEnv, type RawEnv } from "./env";

type Handler = (...args: unknown[]) => unknown;

/** The request (or queue delivery) the current async context belongs to, for console tags. */
const context = new AsyncLocalStorage<string>();

for (const level of ["log", "info", "warn", "error", "debug"] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    const tag = context.getStore();
    if (tag === undefined) original(...args);
    else original(tag, ...args);
  };
}

function report(err: unknown): ErrorReport {
  if (err instanceof Error) return { kind: "error", name: err.name, message: err.message, stack: err.stack ?? `${err.name}: ${err.message}` };
  return { kind: "error", name: "Error", message: `non-Error value thrown: ${String(err)}`, stack: "" };
}

/** Finds `name` on the user's default export: an object with handlers, or a WorkerEntrypoint-style class. */
function handlerFor(name: "fetch" | "queue", env: Record<string, unknown>, ctx: ExecutionContext): Handler | undefined {
  const mod = userModule as unknown;
  if (typeof mod === "function" && typeof (mod.prototype as Record<string, unknown> | undefined)?.[name] === "function") {
    const Ctor = mod as new (ctx: ExecutionContext, env: unknown) => Record<string, Handler>;
    const instance = new Ctor(ctx, env);
    return (...args: unknown[]) => instance[name]!(...args.slice(0, 1));
  }
  const fn = (mod as Record<string, unknown> | undefined)?.[name];
  return typeof fn === "function" ? (fn as Handler).bind(mod) : undefined;
}

export class AerostackEntry extends WorkerEntrypoint<RawEnv> {
  /** Loading the isolate is the point: a deploy warms the new version before its first request. */
  async ping(): Promise<true> {
    return true;
  }

  async handle(request: Request, meta: { requestId: string }): Promise<Response | ErrorReport> {
    const env = userEnv(this.env);
    const fetchHandler = handlerFor("fetch", env, this.ctx);
    if (!fetchHandler) {
      return report(new Error("The module has no fetch handler. Export one: `export default { async fetch(request, env, ctx) { ... } }`."));
    }
    const tag = `[${this.env.__AEROSTACK_PROJECT} #${meta.requestId}]`;
    try {
      const response = await context.run(tag, () => fetchHandler(request, env, this.ctx));
      if (!(response instanceof Response)) {
        return report(new TypeError(`fetch handler returned ${response === undefined ? "undefined" : typeof response}; it must return a Response`));
      }
      return response;
    } catch (err) {
      return report(err);
    }
  }

  async deliver(batch: { queue: string; messages: QueueMessageWire[] }, meta: { requestId: string }): Promise<QueueBatchResult> {
    const env = userEnv(this.env);
    const outcomes: Record<string, QueueOutcome> = {};
    // The first explicit ack()/retry() on a message decides it; ackAll/retryAll fill in the undecided ones.
    const decide = (id: string, outcome: QueueOutcome) => {
      outcomes[id] ??= outcome;
    };
    const retryOutcome = (options?: { delaySeconds?: number }): QueueOutcome =>
      options?.delaySeconds === undefined ? { action: "retry" } : { action: "retry", delaySeconds: options.delaySeconds };
    const messages = batch.messages.map((m) => ({
      id: m.id,
      body: m.body,
      timestamp: new Date(m.timestamp),
      attempts: m.attempts,
      ack: () => decide(m.id, { action: "ack" }),
      retry: (options?: { delaySeconds?: number }) => decide(m.id, retryOutcome(options)),
    }));
    const messageBatch = {
      queue: batch.queue,
      messages,
      ackAll: () => messages.forEach((m) => m.ack()),
      retryAll: (options?: { delaySeconds?: number }) => messages.forEach((m) => m.retry(options)),
    };
    const queueHandler = handlerFor("queue", env, this.ctx);
    if (!queueHandler) {
      const error = report(new Error("The module has no queue handler. Export one: `export default { async queue(batch, env, ctx) { ... } }`."));
      return { outcomes: Object.fromEntries(messages.map((m) => [m.id, { action: "retry" }])), error };
    }
    const tag = `[${this.env.__AEROSTACK_PROJECT} #${meta.requestId}]`;
    try {
      await context.run(tag, () => queueHandler(messageBatch, env, this.ctx));
    } catch (err) {
      // A throwing handler retries every message it had not acked, as Cloudflare Queues do.
      for (const m of messages) decide(m.id, { action: "retry" });
      return { outcomes, error: report(err) };
    }
    for (const m of messages) decide(m.id, { action: "ack" });
    return { outcomes };
  }
}

export default {
  async fetch(request: Request, env: RawEnv, ctx: ExecutionContext): Promise<Response> {
    const entry = new AerostackEntry(ctx, env);
    const result = await entry.handle(request, { requestId: crypto.randomUUID().slice(0, 8) });
    return result instanceof Response ? result : new Response(`${result.name}: ${result.message}`, { status: 500 });
  },
};
