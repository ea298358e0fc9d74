/**
 * The gateway's sessions of one workspace, as rows of the workspace's own object: what the client said at initialize
 * (protocol version, capabilities, client name), whose token opened it, when it was last used. A session costs a
 * row, not an object with storage of its own: an initialize is one insert, a request one lookup in memory, and an
 * idle session is purged with its row. The session objects (worker/gateway/session.ts) hold only what lives in
 * memory — member connections, open streams, requests in flight — and are handed the record with every call.
 */
import type { JsonObject } from "../gateway/jsonrpc";

export interface SessionRecord {
  workspace: string;
  sessionId: string;
  tokenHash: string;
  mode: "streamable" | "legacy";
  protocolVersion: string;
  clientInfo: unknown;
  /** How deep in a composition this session is (0: a client's own). */
  depth: number;
  /** What the client said it can do; members' sampling, elicitation and roots requests are relayed only if it can. */
  clientCapabilities: JsonObject;
  createdAt: number;
  lastSeen: number;
}

/** A session unused this long is gone (its next request gets 404 and the client initializes again). */
export const SESSION_IDLE_TTL_MS = 24 * 60 * 60 * 1000;
/** lastSeen is written back at most this often (a read is not turned into a write on every request). */
const TOUCH_EVERY_MS = 60 * 60 * 1000;
/** Idle rows are swept at most this often, on the next session opened. */
const SWEEP_EVERY_MS = 60 * 1000;
/** Records kept in memory; beyond that the least recently used are read again from SQLite when next asked for. */
const CACHE_MAX = 10_000;

export const SESSION_TABLE_SQL = `
  CREATE TABLE sessions (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL, record TEXT NOT NULL, last_seen INTEGER NOT NULL);
  CREATE INDEX sessions_last_seen ON sessions (last_seen);
`;

export class SessionTable {
  private readonly sql: SqlStorage;
  // A cache, correct when empty: the table holds every live session.
  private readonly cache = new Map<string, SessionRecord>();
  private sweptAt = 0;

  constructor(storage: DurableObjectStorage) {
    this.sql = storage.sql;
  }

  /** Records a new session; false if the id is taken (ids are 256 random bits, so only a replayed initialize). */
  open(record: SessionRecord, now: number): boolean {
    this.sweep(now);
    const taken = this.sql.exec("SELECT 1 FROM sessions WHERE id = ?", record.sessionId).toArray().length > 0;
    if (taken) return false;
    this.sql.exec("INSERT INTO sessions (id, token_hash, record, last_seen) VALUES (?, ?, ?, ?)", record.sessionId, record.tokenHash, JSON.stringify(record), now);
    this.remember(record);
    return true;
  }

  /** The session, if it is live and was opened with this token (another token's session looks like none). */
  get(sessionId: string, tokenHash: string, now: number): SessionRecord | null {
    let record = this.cache.get(sessionId);
    if (!record) {
      const row = this.sql.exec<{ record: string }>("SELECT record FROM sessions WHERE id = ?", sessionId).toArray()[0];
      if (!row) return null;
      record = JSON.parse(row.record) as SessionRecord;
    }
    if (record.tokenHash !== tokenHash) return null;
    if (now - record.lastSeen > SESSION_IDLE_TTL_MS) {
      this.end(sessionId);
      return null;
    }
    if (now - record.lastSeen > TOUCH_EVERY_MS) {
      record.lastSeen = now;
      this.sql.exec("UPDATE sessions SET last_seen = ?, record = ? WHERE id = ?", now, JSON.stringify(record), sessionId);
    } else record.lastSeen = now;
    this.remember(record);
    return record;
  }

  /** A legacy session's initialize arrives after its stream opened: what the client said is kept then. */
  update(sessionId: string, patch: Pick<SessionRecord, "protocolVersion" | "clientInfo" | "clientCapabilities">): SessionRecord | null {
    const row = this.sql.exec<{ record: string }>("SELECT record FROM sessions WHERE id = ?", sessionId).toArray()[0];
    if (!row) return null;
    const record = { ...(JSON.parse(row.record) as SessionRecord), ...patch };
    this.sql.exec("UPDATE sessions SET record = ? WHERE id = ?", JSON.stringify(record), sessionId);
    this.remember(record);
    return record;
  }

  end(sessionId: string): boolean {
    this.cache.delete(sessionId);
    return this.sql.exec("DELETE FROM sessions WHERE id = ?", sessionId).rowsWritten > 0;
  }

  /** Every session of the workspace ends (the workspace was deleted). */
  clear(): void {
    this.cache.clear();
  }

  count(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM sessions").one().n;
  }

  private remember(record: SessionRecord): void {
    this.cache.delete(record.sessionId);
    this.cache.set(record.sessionId, record);
    if (this.cache.size > CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < SWEEP_EVERY_MS) return;
    this.sweptAt = now;
    const cutoff = now - SESSION_IDLE_TTL_MS;
    // lastSeen in memory may be newer than the row's (written back hourly): those are kept.
    const stale = this.sql.exec<{ id: string }>("SELECT id FROM sessions WHERE last_seen < ?", cutoff).toArray();
    for (const { id } of stale) {
      const cached = this.cache.get(id);
      if (cached && cached.lastSeen >= cutoff) continue;
      this.end(id);
    }
  }
}
