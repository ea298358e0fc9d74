/** The isolate's main module: wraps the user's module, gives it familiar bindings and tags its console output. */
import { WorkerEntrypoint } from "cloudflare:workers";
import { AsyncLocalStorage } from "node:async_hooks";
// Resolved inside the isolate: the loader stores the user's bundle under this module name.
import userModule from "./user.js";
import type {
  ConsoleLineWire,
  ErrorReport,
  InvocationMeta,
  IsolateEntry,
  QueueBatchResult,
  QueueMessageWire,
  QueueOutcome,
  ScheduledEventWire,
  ScheduledResult,
} from "../shared/protocol";
import { userEnv, type LogSink, type RawEnv } from "./env";

type Handler = (...args: unknown[]) => unknown;

/** The request (or queue delivery) an async context belongs to: console tags, and where its log lines go. */
interface Scope {
  tag: string;
  requestId: string;
  ctx: ExecutionContext;
}
const context = new AsyncLocalStorage<Scope>();

/** Platform mode: the log store's RPC stub (`__AEROSTACK_LOGS`); absent in `aerostack dev`, which prints instead. */
let sink: LogSink | undefined;
/** `aerostack dev`: where background failures go to be printed source-mapped (`__AEROSTACK_ERRORS`). */
let errors: LogSink | undefined;
/** Lines waiting for the next flush; console calls come in bursts, one RPC carries many. */
let pending: ConsoleLineWire[] = [];
let flushScheduled = false;

function formatArg(arg: unknown): string {
  if (typeof arg === "string") return arg;
  if (arg instanceof Error) return arg.stack ?? `${arg.name}: ${arg.message}`;
  if (typeof arg === "object" && arg !== null) {
    try {
      return JSON.stringify(arg);
    } catch {
      return String(arg);
    }
  }
  return String(arg);
}

/** Sends what is pending, kept alive by the request it came from (a flush outliving its request would be cut). */
function scheduleFlush(scope: Scope | undefined): void {
  if (flushScheduled || !sink || !scope) return;
  flushScheduled = true;
  const target = sink;
  try {
    scope.ctx.waitUntil(
      Promise.resolve().then(async () => {
        flushScheduled = false;
        const lines = pending;
        pending = [];
        await target.write(lines).catch(() => {});
      }),
    );
  } catch {
    // The request is long over (a timer fired after it): the lines go with the next request's flush.
    flushScheduled = false;
  }
}

for (const level of ["log", "info", "warn", "error", "debug"] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    const scope = context.getStore();
    if (sink) {
      pending.push({ ts: Date.now(), level, requestId: scope?.requestId ?? null, message: args.map(formatArg).join(" ") });
      if (pending.length > 1000) pending.splice(0, pending.length - 1000);
      scheduleFlush(scope);
      return;
    }
    if (scope === undefined) original(...args);
    else original(scope.tag, ...args);
  };
}

/**
 * The ExecutionContext user code gets: the real one, except that a rejected `waitUntil` promise is reported like an
 * uncaught exception instead of vanishing.
 */
function userContext(scope: Scope): ExecutionContext {
  const ctx = scope.ctx;
  return {
    waitUntil: (promise: Promise<unknown>) =>
      ctx.waitUntil(
        Promise.resolve(promise).catch(async (err: unknown) => {
          const r = report(err);
          const to = sink ?? errors;
          if (to) await to.exception(r, scope.requestId, "ctx.waitUntil promise rejected").catch(() => {});
          else console.error(`${scope.tag} ✘ ctx.waitUntil promise rejected: ${r.stack.includes(r.message) ? r.stack : `${r.name}: ${r.message}\n${r.stack}`}`);
        }),
      ),
    passThroughOnException: () => ctx.passThroughOnException(),
    get props() {
      return ctx.props;
    },
  } as ExecutionContext;
}

function report(err: unknown): ErrorReport {
  if (err instanceof Error) return { kind: "error", name: err.name, message: err.message, stack: err.stack ?? `${err.name}: ${err.message}` };
  return { kind: "error", name: "Error", message: `non-Error value thrown: ${String(err)}`, stack: "" };
}

/** Finds `name` on the user's default export: an object with handlers, or a WorkerEntrypoint-style class. */
function handlerFor(name: "fetch" | "queue" | "scheduled", env: Record<string, unknown>, ctx: ExecutionContext): Handler | undefined {
  const mod = userModule as unknown;
  if (typeof mod === "function" && typeof (mod.prototype as Record<string, unknown> | undefined)?.[name] === "function") {
    const Ctor = mod as new (ctx: ExecutionContext, env: unknown) => Record<string, Handler>;
    const instance = new Ctor(ctx, env);
    return (...args: unknown[]) => instance[name]!(...args.slice(0, 1));
  }
  const fn = (mod as Record<string, unknown> | undefined)?.[name];
  return typeof fn === "function" ? (fn as Handler).bind(mod) : undefined;
}

export class AerostackEntry extends WorkerEntrypoint<RawEnv> implements IsolateEntry {
  /** Loading the isolate is the point: a deploy warms the new version before its first request. */
  async ping(): Promise<true> {
    return true;
  }

  /** What every invocation starts with: where its console lines go, its scope, and user code's ctx and env. */
  private invocation(meta: InvocationMeta): { scope: Scope; ctx: ExecutionContext; env: Record<string, unknown> } {
    sink = this.env.__AEROSTACK_LOGS;
    errors = this.env.__AEROSTACK_ERRORS;
    const scope: Scope = { tag: `[${this.env.__AEROSTACK_PROJECT} #${meta.requestId}]`, requestId: meta.requestId, ctx: this.ctx };
    return { scope, ctx: userContext(scope), env: userEnv(this.env) };
  }

  async handle(request: Request, meta: InvocationMeta): Promise<Response | ErrorReport> {
    const { scope, ctx, env } = this.invocation(meta);
    const fetchHandler = handlerFor("fetch", env, ctx);
    if (!fetchHandler) {
      return report(new Error("The module has no fetch handler. Export one: `export default { async fetch(request, env, ctx) { ... } }`."));
    }
    try {
      const response = await context.run(scope, () => fetchHandler(request, env, ctx));
      if (!(response instanceof Response)) {
        return report(new TypeError(`fetch handler returned ${response === undefined ? "undefined" : typeof response}; it must return a Response`));
      }
      return response;
    } catch (err) {
      return report(err);
    }
  }

  async deliver(batch: { queue: string; messages: QueueMessageWire[] }, meta: InvocationMeta): Promise<QueueBatchResult> {
    const { scope, ctx, env } = this.invocation(meta);
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
    const queueHandler = handlerFor("queue", env, ctx);
    if (!queueHandler) {
      const error = report(new Error("The module has no queue handler. Export one: `export default { async queue(batch, env, ctx) { ... } }`."));
      return { outcomes: Object.fromEntries(messages.map((m) => [m.id, { action: "retry" }])), error };
    }
    try {
      await context.run(scope, () => queueHandler(messageBatch, env, ctx));
    } catch (err) {
      // A throwing handler retries every message it had not acked, as Cloudflare Queues do.
      for (const m of messages) decide(m.id, { action: "retry" });
      return { outcomes, error: report(err) };
    }
    for (const m of messages) decide(m.id, { action: "ack" });
    return { outcomes };
  }

  /**
   * A cron trigger: calls the user's `scheduled(controller, env, ctx)` as on Workers; a throw is reported, never
   * rethrown. Not named `scheduled`: that name is the entrypoint's own event handler, which RPC cannot call.
   */
  async runScheduled(event: ScheduledEventWire, meta: InvocationMeta): Promise<ScheduledResult> {
    const { scope, ctx, env } = this.invocation(meta);
    let noRetry = false;
    const controller = {
      cron: event.cron,
      scheduledTime: event.scheduledTime,
      type: "scheduled" as const,
      noRetry: () => {
        noRetry = true;
      },
    };
    const scheduledHandler = handlerFor("scheduled", env, ctx);
    if (!scheduledHandler) {
      return { noRetry, error: report(new Error("The module has no scheduled handler. Export one: `export default { async scheduled(controller, env, ctx) { ... } }`.")) };
    }
    try {
      await context.run(scope, () => scheduledHandler(controller, env, ctx));
      return { noRetry };
    } catch (err) {
      return { noRetry, error: report(err) };
    }
  }
}

export default {
  async fetch(request: Request, env: RawEnv, ctx: ExecutionContext): Promise<Response> {
    const entry = new AerostackEntry(ctx, env);
    const result = await entry.handle(request, { requestId: crypto.randomUUID().slice(0, 8) });
    return result instanceof Response ? result : new Response(`${result.name}: ${result.message}`, { status: 500 });
  },
};
