/** Builds the `env` user code sees: familiar D1/KV/R2-style objects over the platform's scoped RPC stubs. */
import { D1Database } from "./db";
import { CacheNamespace } from "./cache";
import { JobQueue } from "./queue";
import { ObjectStorage } from "./storage";
import { VectorizeIndex, type VectorizeBindingConfig } from "./vectorize";
import { AiBinding } from "./ai";
import type { ConsoleLineWire, ErrorReport } from "../shared/protocol";

/** The env the loader gives the isolate: RPC stubs, vars, and internal keys the shim strips. */
export interface RawEnv {
  DB: Fetcher;
  CACHE: Fetcher;
  QUEUE: Fetcher;
  STORAGE: Fetcher;
  AI: Fetcher;
  __AEROSTACK_PROJECT: string;
  /** Platform mode: where console output and background failures are stored (ScopedLogs). */
  __AEROSTACK_LOGS?: LogSink;
  /** `aerostack dev`: prints background failures source-mapped (console output is printed by the isolate itself). */
  __AEROSTACK_ERRORS?: LogSink;
  __AEROSTACK_VERSION: string;
  /** Which env keys are declared bindings with user-chosen names ([[vectorize]] in aerostack.toml). */
  __AEROSTACK_BINDINGS?: { vectorize?: Record<string, VectorizeBindingConfig> };
  [key: string]: unknown;
}

/** The log store's RPC surface, as the shim sees it. */
export interface LogSink {
  write(lines: ConsoleLineWire[]): Promise<void>;
  exception(report: ErrorReport, requestId: string | null, where: string): Promise<void>;
}

// The loader's env is fixed for the isolate's life, so the wrapped env is built once.
const wrapped = new WeakMap<RawEnv, Record<string, unknown>>();

export function userEnv(raw: RawEnv): Record<string, unknown> {
  let env = wrapped.get(raw);
  if (!env) {
    const { DB, CACHE, QUEUE, STORAGE, AI, __AEROSTACK_PROJECT: _p, __AEROSTACK_VERSION: _v, __AEROSTACK_LOGS: _l, __AEROSTACK_ERRORS: _e, ...vars } = raw;
    env = {
      ...vars,
      DB: new D1Database(DB as never),
      CACHE: new CacheNamespace(CACHE as never),
      QUEUE: new JobQueue(QUEUE as never),
      STORAGE: new ObjectStorage(STORAGE as never),
      AI: new AiBinding(AI as never),
    };
    // Declared vector indexes: wrap each listed key, and keep the descriptor itself away from user code.
    delete env.__AEROSTACK_BINDINGS;
    for (const [key, config] of Object.entries(raw.__AEROSTACK_BINDINGS?.vectorize ?? {})) {
      env[key] = new VectorizeIndex(raw[key] as never, config);
    }
    wrapped.set(raw, env);
  }
  return env;
}
