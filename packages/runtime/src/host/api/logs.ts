/** `aerostack logs`: reading a project's log or a workspace's call log once or following it, and parsing `--since` / `--expires`. */
import type { LogEntry } from "../../shared/api";
import type { CallRecord } from "../../shared/workspaces";
import { UsageError } from "../errors";
import { ApiError, type ApiClient } from "./client";

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration (`30s`, `10m`, `1h`, `2d`) in ms, an ISO date-time as `{ at }`, or null when `value` is neither. */
function parseWhen(value: string): { ms: number } | { at: number } | null {
  const relative = /^(\d+)\s*([smhd])$/.exec(value.trim());
  if (relative) return { ms: Number(relative[1]) * UNITS[relative[2]!]! };
  // ISO only (a date, or a date and time): Date.parse alone would also take "3" or "May 1" and guess.
  if (/^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const at = Date.parse(value.trim());
    if (!Number.isNaN(at)) return { at };
  }
  return null;
}

/** `--since 30s|10m|1h|2d` (ago) or an ISO date-time, as epoch milliseconds. */
export function parseSince(value: string, now = Date.now()): number {
  const when = parseWhen(value);
  if (when) return "ms" in when ? now - when.ms : when.at;
  throw new UsageError(`--since "${value}" is not a duration or a date.`, { hint: "Use a duration such as 30s, 10m, 1h or 2d, or an ISO date-time such as 2025-09-01T12:00:00Z." });
}

/** `--expires 30d|12h` (from now) or an ISO date-time in the future, as epoch milliseconds. */
export function parseExpires(value: string, now = Date.now()): number {
  const when = parseWhen(value);
  const at = when === null ? null : "ms" in when ? now + when.ms : when.at;
  if (at === null) throw new UsageError(`--expires "${value}" is not a duration or a date.`, { hint: "Use a duration such as 30d or 12h, or an ISO date-time such as 2026-01-31T00:00:00Z." });
  if (at <= now) throw new UsageError(`--expires "${value}" is not in the future.`, { hint: "Use a duration such as 30d, or a later date." });
  return at;
}

/** Most entries one page asks for (the API's maximum). */
const PAGE = 1000;

/** What a log is read from: a deployed project's environment, or a workspace's gateway call log. */
export type LogSource = { project: string; env: string } | { workspace: string };
type EntryOf<S extends LogSource> = S extends { workspace: string } ? CallRecord : LogEntry;
type PageQuery = { after?: number; since?: number; limit?: number };

/** One page of `source`'s log: both logs page the same way (`after` a cursor, `since` a time). */
function fetchPage<S extends LogSource>(client: ApiClient, source: S, query: PageQuery): Promise<{ entries: EntryOf<S>[]; cursor: number }> {
  const page = "workspace" in source ? client.workspaceLogs(source.workspace, query) : client.logs(source.project, source.env, query);
  return page as Promise<{ entries: EntryOf<S>[]; cursor: number }>;
}

/** Every entry from `since` on, oldest first, following the cursor page by page (at most `max`). */
export async function readLogs<S extends LogSource>(client: ApiClient, source: S, options: { since?: number; max?: number } = {}): Promise<{ entries: EntryOf<S>[]; cursor: number }> {
  const max = options.max ?? 10_000;
  const entries: EntryOf<S>[] = [];
  let page = await fetchPage(client, source, { ...(options.since !== undefined ? { since: options.since } : {}), limit: PAGE });
  entries.push(...page.entries);
  while (page.entries.length === PAGE && entries.length < max) {
    page = await fetchPage(client, source, { after: page.cursor, limit: PAGE });
    entries.push(...page.entries);
  }
  return { entries: entries.slice(-max), cursor: page.cursor };
}

export interface TailOptions<E = LogEntry> {
  since?: number;
  /** Between polls (default 500 ms). */
  intervalMs?: number;
  signal: AbortSignal;
  onEntries(entries: E[]): void;
  /** The platform went away (`true`) or came back (`false`): the tail keeps polling through a restart. */
  onUnreachable?(unreachable: boolean): void;
}

/** Follows a log: polls `?after=<cursor>` until `signal` aborts, then resolves. */
export async function tailLogs<S extends LogSource>(client: ApiClient, source: S, options: TailOptions<EntryOf<S>>): Promise<void> {
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
      const page = await fetchPage(client, source, query);
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
