/**
 * Per-token rate limiting for a workspace's gateway: a sliding minute estimated from two one-minute counters (the
 * current window, and the previous one weighted by how much of it the last 60 s still cover): O(1) per request
 * whatever the limit, and never lets through twice the limit across a window boundary as a fixed window would.
 *
 * The counters live in the workspace object's memory, which is authoritative while the object lives (every request
 * of the workspace passes through it), and are written to SQLite at most once per FLUSH_MS. A write per request made
 * every gateway call wait for a commit; the price is that a crash may forget up to FLUSH_MS of counted requests, so a
 * token could briefly get that much more than its limit after a platform restart.
 */
export interface RateState {
  limit: number;
  remaining: number;
  /** Epoch ms when the window resets. */
  resetAt: number;
}

interface Window {
  start: number;
  count: number;
  previous: number;
}

const RATE_WINDOW_MS = 60_000;
const FLUSH_MS = 1000;

export class RateWindows {
  private readonly sql: SqlStorage;
  // A cache, correct when empty apart from the last FLUSH_MS of counts (see above).
  private readonly windows = new Map<string, Window>();
  private readonly dirty = new Set<string>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
  }

  /** Counts one request of `tokenId` at `now`, unless it is over `limit` (a refused request is not counted). */
  count(tokenId: string, limit: number, now: number): RateState {
    const start = now - (now % RATE_WINDOW_MS);
    const window = this.windows.get(tokenId) ?? this.load(tokenId);
    let count = 0;
    let previous = 0;
    if (window?.start === start) ({ count, previous } = window);
    else if (window?.start === start - RATE_WINDOW_MS) previous = window.count;
    const weight = 1 - (now - start) / RATE_WINDOW_MS;
    const used = Math.floor(previous * weight) + count;
    // When it frees up: the current window's end if the previous one no longer counts, else sooner as it fades.
    const resetAt = start + RATE_WINDOW_MS;
    if (used >= limit) return { limit, remaining: -1, resetAt };
    this.windows.set(tokenId, { start, count: count + 1, previous });
    this.dirty.add(tokenId);
    this.flushSoon();
    return { limit, remaining: limit - used - 1, resetAt };
  }

  /** Forgets every counter (the dev token of a new `aerostack dev` start replaces the old ones). */
  clear(): void {
    this.windows.clear();
    this.dirty.clear();
    this.sql.exec("DELETE FROM rate_windows");
  }

  /** Drops what is in memory without writing it (the storage under it was deleted). */
  forget(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.windows.clear();
    this.dirty.clear();
  }

  /** Writes the changed counters now (also what the timer does). */
  flush(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.dirty.size === 0) return;
    this.storage.transactionSync(() => {
      for (const id of this.dirty) {
        const w = this.windows.get(id);
        if (!w) continue;
        this.sql.exec(
          "INSERT INTO rate_windows (token_id, window_start, count, previous) VALUES (?, ?, ?, ?) ON CONFLICT (token_id) DO UPDATE SET window_start = excluded.window_start, count = excluded.count, previous = excluded.previous",
          id,
          w.start,
          w.count,
          w.previous,
        );
      }
    });
    this.dirty.clear();
  }

  private load(tokenId: string): Window | undefined {
    const row = this.sql.exec<{ window_start: number; count: number; previous: number }>("SELECT window_start, count, previous FROM rate_windows WHERE token_id = ?", tokenId).toArray()[0];
    if (!row) return undefined;
    const window = { start: row.window_start, count: row.count, previous: row.previous };
    this.windows.set(tokenId, window);
    return window;
  }

  private flushSoon(): void {
    if (this.flushTimer !== null) return;
    this.flushTimer = setTimeout(() => this.flush(), FLUSH_MS);
  }
}
