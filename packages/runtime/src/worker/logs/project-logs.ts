/** ProjectLogs: one SQLite Durable Object per tenant holding its recent requests, console output and exceptions. */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import type { LogEntry } from "../../shared/api";
import { migrateSchema, type SchemaMigration } from "../control/schema";

/** An entry before the store numbers it. */
export type NewLogEntry = Omit<LogEntry, "id">;

/** Rows kept per tenant; older ones are dropped as new ones arrive. */
const KEEP_ENTRIES = 20_000;
const MAX_MESSAGE_CHARS = 16 * 1024;

const MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: "log entries",
    sql: `
      CREATE TABLE entries (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, type TEXT NOT NULL, level TEXT NOT NULL,
        request_id TEXT, version TEXT, method TEXT, path TEXT, status INTEGER, duration_ms INTEGER,
        message TEXT NOT NULL, stack TEXT);
      CREATE INDEX entries_ts ON entries (ts);
    `,
  },
];

type Row = {
  id: number;
  ts: number;
  type: LogEntry["type"];
  level: LogEntry["level"];
  request_id: string | null;
  version: string | null;
  method: string | null;
  path: string | null;
  status: number | null;
  duration_ms: number | null;
  message: string;
  stack: string | null;
};

export class ProjectLogs extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrateSchema(ctx.storage, MIGRATIONS);
  }

  append(entries: NewLogEntry[]): void {
    if (entries.length === 0) return;
    this.ctx.storage.transactionSync(() => {
      for (const e of entries) {
        this.sql.exec(
          `INSERT INTO entries (ts, type, level, request_id, version, method, path, status, duration_ms, message, stack)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          e.ts,
          e.type,
          e.level,
          e.requestId,
          e.version,
          e.method ?? null,
          e.path ?? null,
          e.status ?? null,
          e.durationMs ?? null,
          e.message.slice(0, MAX_MESSAGE_CHARS),
          e.stack?.slice(0, MAX_MESSAGE_CHARS) ?? null,
        );
      }
      this.sql.exec("DELETE FROM entries WHERE id <= (SELECT max(id) FROM entries) - ?", KEEP_ENTRIES);
    });
  }

  /** Oldest first. `after` continues a tail; `since` starts at a time. The cursor is the last id seen (or `after`). */
  list(options: { after?: number; since?: number; limit?: number }): { entries: LogEntry[]; cursor: number } {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const since = options.since ?? 0;
    // A plain `--since` (no cursor) wants the newest `limit` entries of the window, shown oldest first.
    const rows =
      options.after === undefined
        ? this.sql.exec<Row>("SELECT * FROM entries WHERE ts >= ? ORDER BY id DESC LIMIT ?", since, limit).toArray().reverse()
        : this.sql.exec<Row>("SELECT * FROM entries WHERE id > ? AND ts >= ? ORDER BY id LIMIT ?", options.after, since, limit).toArray();
    const last = this.sql.exec<{ id: number | null }>("SELECT max(id) AS id FROM entries").one().id ?? 0;
    return { entries: rows.map(toEntry), cursor: rows.at(-1)?.id ?? options.after ?? last };
  }
}

function toEntry(r: Row): LogEntry {
  return {
    id: r.id,
    ts: r.ts,
    type: r.type,
    level: r.level,
    requestId: r.request_id,
    version: r.version,
    ...(r.method !== null ? { method: r.method } : {}),
    ...(r.path !== null ? { path: r.path } : {}),
    ...(r.status !== null ? { status: r.status } : {}),
    ...(r.duration_ms !== null ? { durationMs: r.duration_ms } : {}),
    message: r.message,
    ...(r.stack !== null ? { stack: r.stack } : {}),
  };
}

export function projectLogs(env: PlatformEnv, tenant: string): DurableObjectStub<ProjectLogs> {
  return env.PROJECT_LOGS.get(env.PROJECT_LOGS.idFromName(tenant));
}
