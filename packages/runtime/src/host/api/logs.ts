/** `aerostack logs`: reading a project's log entries once or following them, and parsing `--since`. */
import type { LogEntry } from "../../shared/api";
import { UsageError } from "../errors";
import { ApiError, type ApiClient } from "./client";

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 30s|10m|1h|2d` (ago) or an ISO date-time, as epoch milliseconds. */
export function parseSince(value: string, now = Date.now()): number {
  const relative = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]!]!;
  // ISO only (a date, or a date and time): Date.parse alone would also take "3" or "May 1" and guess.
  if (/^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const at = Date.parse(value.trim());
    if (!Number.isNaN(at)) return at;
  }
  throw new UsageError(`--since "${value}" is not a duration or a date.`, { hint: "Use a duration such as 30s, 10m, 1h or 2d, or an ISO date-time such as 2025-09-01T12:00:00Z." });
}

/** Most entries one page asks for (the API's maximum). */
const PAGE = 1000;

/** Every entry from `since` on, oldest first, following the cursor page by page (at most `max`). */
export async function readLogs(client: ApiClient, target: { project: string; env: string }, options: { since?: number; max?: number } = {}): Promise<{ entries: LogEntry[]; cursor: number }> {
  const max = options.max ?? 10_000;
  const entries: LogEntry[] = [];
  let page = await client.logs(target.project, target.env, { ...(options.since !== undefined ? { since: options.since } : {}), limit: PAGE });
  entries.push(...page.entries);
  while (page.entries.length === PAGE && entries.length < max) {
    page = await client.logs(target.project, target.env, { after: page.cursor, limit: PAGE });
    entries.push(...page.entries);
  }
  return { entries: entries.slice(-max), cursor: page.cursor };
}

export interface TailOptions {
  since?: number;
  /** Between polls (default 500 ms). */
  intervalMs?: number;
  signal: AbortSignal;
  onEntries(entries: LogEntry[]): void;
  /** The platform went away (`true`) or came back (`false`): the tail keeps polling through a restart. */
  onUnreachable?(unreachable: boolean): void;
}

/** Follows a project's log: polls `?after=<cursor>` until `signal` aborts, then resolves. */
export async function tailLogs(client: ApiClient, target: { project: string; env: string }, options: TailOptions): Promise<void> {
  const interval = options.intervalMs ?? 500;
  let cursor: number | undefined;
  let down = false;
  const sleep = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, interval);
      options.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
  while (!options.signal.aborted) {
    try {
      const query = cursor !== undefined ? { after: cursor, limit: PAGE } : { since: options.since ?? Date.now(), limit: PAGE };
      const page = await client.logs(target.project, target.env, query);
      if (down) options.onUnreachable?.((down = false));
      cursor = page.cursor;
      if (page.entries.length > 0) options.onEntries(page.entries);
      if (page.entries.length === PAGE) continue; // more waiting: no pause
    } catch (err) {
      if (options.signal.aborted) return;
      if (!(err instanceof ApiError) || (err.code !== "unreachable" && err.code !== "timeout")) throw err;
      if (!down) options.onUnreachable?.((down = true));
    }
    await sleep();
  }
}
