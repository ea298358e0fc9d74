/**
 * DashboardSessions: the dashboard's sign-in sessions, one Durable Object for the platform. A row holds the SHA-256
 * of the opaque cookie value (never the value), the hash of the account key that signed in (the Directory stores
 * the same hash, so nothing new is exposed), the session's CSRF token and its expiry. Consulted by dashboard and
 * session-authenticated API calls only; no project request or gateway call ever waits on it.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import { migrateSchema, type SchemaMigration } from "../control/schema";

export interface SessionRow {
  keyHash: string;
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

const MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: "sessions",
    sql: `
      CREATE TABLE sessions (
        hash TEXT PRIMARY KEY, key_hash TEXT NOT NULL, csrf TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);
      CREATE INDEX sessions_expiry ON sessions (expires_at);
      CREATE INDEX sessions_key ON sessions (key_hash);
    `,
  },
  {
    version: 2,
    name: "aerostack dev's sign-in link",
    // One row at most: the hash of the per-start token in the link `aerostack dev` prints, and the key it signs in as.
    sql: `CREATE TABLE dev_link (id INTEGER PRIMARY KEY CHECK (id = 1), link_hash TEXT NOT NULL, key_hash TEXT NOT NULL);`,
  },
];

export class DashboardSessions extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrateSchema(ctx.storage, MIGRATIONS);
  }

  /** Stores a new session; expired rows go at the same time, so the table only holds live sessions and a few stale ones. */
  create(hash: string, keyHash: string, csrf: string, ttlMs: number): SessionRow {
    const now = Date.now();
    this.sql.exec("DELETE FROM sessions WHERE expires_at <= ?", now);
    this.sql.exec("INSERT INTO sessions (hash, key_hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)", hash, keyHash, csrf, now, now + ttlMs);
    return { keyHash, csrf, createdAt: now, expiresAt: now + ttlMs };
  }

  /** The live session with this cookie hash, or null (unknown, signed out, or expired: an expired row is deleted). */
  get(hash: string): SessionRow | null {
    const row = this.sql
      .exec<{ key_hash: string; csrf: string; created_at: number; expires_at: number }>("SELECT key_hash, csrf, created_at, expires_at FROM sessions WHERE hash = ?", hash)
      .toArray()[0];
    if (!row) return null;
    if (row.expires_at <= Date.now()) {
      this.sql.exec("DELETE FROM sessions WHERE hash = ?", hash);
      return null;
    }
    return { keyHash: row.key_hash, csrf: row.csrf, createdAt: row.created_at, expiresAt: row.expires_at };
  }

  /** `aerostack dev` started: its link's token hash and the local key, replacing the previous start's. */
  setDevLink(linkHash: string, keyHash: string): void {
    this.sql.exec("INSERT OR REPLACE INTO dev_link (id, link_hash, key_hash) VALUES (1, ?, ?)", linkHash, keyHash);
  }

  /** The key the dev link with this token hash signs in as, or null (no link, or one of an earlier start). */
  devLinkKey(linkHash: string): string | null {
    return this.sql.exec<{ key_hash: string }>("SELECT key_hash FROM dev_link WHERE link_hash = ?", linkHash).toArray()[0]?.key_hash ?? null;
  }

  /** Sign-out: the row goes, so the same cookie replayed later names nothing. */
  revoke(hash: string): boolean {
    return this.sql.exec("DELETE FROM sessions WHERE hash = ?", hash).rowsWritten > 0;
  }
}

/** One object: sign-ins are rare and only dashboard requests read it. */
export function dashboardSessions(env: PlatformEnv): DurableObjectStub<DashboardSessions> {
  return env.DASHBOARD_SESSIONS.get(env.DASHBOARD_SESSIONS.idFromName("sessions"));
}
