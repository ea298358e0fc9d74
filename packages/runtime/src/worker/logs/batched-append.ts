/**
 * Records reach their Durable Object in batches: one write per key every few milliseconds rather than one per
 * request, so logging does not halve a busy project's throughput. A batch is kept alive by the `waitUntil` of the
 * request that opened it, and nothing else holds it: the map is empty whenever no batch is pending.
 */
import type { PlatformEnv } from "../env";
import { projectLogs, type NewLogEntry } from "./project-logs";

/** How long a batch collects before it is written; also the most a committed record can lag its request. */
const BATCH_MS = 20;
const MAX_BATCH = 500;

const pending = new Map<string, unknown[]>();

export function appendBatched<T>(key: string, entries: T[], waitUntil: (promise: Promise<unknown>) => void, write: (batch: T[]) => Promise<unknown>): void {
  const open = pending.get(key) as T[] | undefined;
  if (open && open.length < MAX_BATCH) {
    open.push(...entries);
    return;
  }
  const batch = [...entries];
  pending.set(key, batch);
  waitUntil(
    new Promise((resolve) => setTimeout(resolve, BATCH_MS)).then(async () => {
      if (pending.get(key) === batch) pending.delete(key);
      await write(batch).catch(() => {});
    }),
  );
}

/** A project request's log entries. */
export function appendLogEntries(env: PlatformEnv, tenant: string, entries: NewLogEntry[], waitUntil: (promise: Promise<unknown>) => void): void {
  appendBatched(`logs:${tenant}`, entries, waitUntil, (batch) => projectLogs(env, tenant).append(batch));
}
