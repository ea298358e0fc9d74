/** Finds and reaps workerd processes a killed host left behind (SIGKILL gives the host no chance to stop them). */
import { readFileSync, readdirSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

function cmdline(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return null;
  }
}

/** workerd processes started by this process (Linux /proc; elsewhere none are found and nothing is recorded). */
export function workerdChildren(parent = process.pid): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent && cmdline(Number(entry))?.includes("workerd")) out.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Kills the recorded workerd processes of a dead host, checking each pid still runs workerd (pids get reused). */
export function reapOrphans(pids: readonly number[]): number[] {
  const reaped: number[] = [];
  for (const pid of pids) {
    if (!cmdline(pid)?.includes("workerd")) continue;
    try {
      process.kill(pid, "SIGKILL");
      reaped.push(pid);
    } catch {
      // Already gone.
    }
  }
  return reaped;
}

/** What a host (`aerostack dev`, `aerostack platform start`) records while it runs. */
export interface HostLock {
  pid: number;
  /** workerd processes it started, reaped by the next start if it was killed outright. */
  workerd?: number[];
}

/**
 * The lock at `path` if its process still runs. A lock whose process is gone (killed with SIGKILL, which gives it no
 * chance to stop workerd) has its workerd reaped and is removed: then, and when there is no lock, null.
 */
export async function liveLock<T extends HostLock>(path: string): Promise<T | null> {
  let lock: T;
  try {
    lock = JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    return null;
  }
  if (isAlive(lock.pid)) return lock;
  reapOrphans(lock.workerd ?? []);
  await rm(path, { force: true });
  return null;
}

/**
 * Claims the lock at `path` for this process before its host starts anything: null once `lock` is written, or the
 * live lock of the host that already holds it (a dead host's is reaped first, by liveLock). The file is created
 * exclusively, so of two hosts starting at the same moment exactly one wins.
 */
export async function claimLock<T extends HostLock>(path: string, lock: T): Promise<T | null> {
  await mkdir(dirname(path), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const live = await liveLock<T>(path);
    if (live) return live;
    try {
      await writeFile(path, JSON.stringify(lock), { mode: 0o600, flag: attempt < 3 ? "wx" : "w" });
      return null;
    } catch (err) {
      // Another host wrote it between our read and our write: read it again. A file that stays unreadable (a
      // torn write of a host that died at that instant) is overwritten on the last attempt.
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
}

/** Removes the lock at `path` if this process holds it: a refused or finished host never deletes another's. */
export async function releaseLock(path: string): Promise<void> {
  try {
    const lock = JSON.parse(await readFile(path, "utf8")) as HostLock;
    if (lock.pid !== process.pid) return;
  } catch {
    return;
  }
  await rm(path, { force: true });
}
