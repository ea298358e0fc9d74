/** Reaches a project's local platform: the running `aerostack dev` if there is one, else a headless one on its state. */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { loadProjectConfig } from "../config/load";
import { ControlClient } from "../platform/control-client";
import { startPlatform } from "../platform/platform";
import { DEV_LOCK_FILE, type DevLock, type HeadlessLock } from "../dev/dev-session";
import { claimLock, isAlive, releaseLock, workerdChildren, type HostLock } from "../platform/processes";
import { UserError } from "../errors";
import type { ProjectConfig } from "../../shared/config";

export interface LocalProject {
  config: ProjectConfig;
  root: string;
  control: ControlClient;
  /** "dev" when talking to a running `aerostack dev`, "state" when a headless platform opened the state folder. */
  via: "dev" | "state";
}


/**
 * Runs `fn` against the project's local platform. Two workerd processes must not open the same SQLite files,
 * so while `aerostack dev` runs we go through its control API instead of opening the state ourselves.
 */
export async function withLocalProject<T>(
  options: { cwd: string; configPath?: string; persistTo?: string },
  fn: (project: LocalProject) => Promise<T>,
): Promise<T> {
  const { config, root } = await loadProjectConfig({ cwd: options.cwd, ...(options.configPath ? { configPath: options.configPath } : {}) });
  const lockPath = join(root, DEV_LOCK_FILE);
  const mine: HeadlessLock = { pid: process.pid, project: config.name, headless: true };
  // One process opens the state folder at a time: a running (or starting) dev is reached over its control API,
  // another `db` command is waited for. Two workerds on the same SQLite files is what broke concurrent queries.
  for (const deadline = Date.now() + STATE_WAIT_MS; ; ) {
    const holder = await claimLock<DevLock | HeadlessLock | (HostLock & { starting: unknown })>(lockPath, mine);
    if (!holder) break;
    if ("url" in holder && holder.project === config.name) {
      const control = await reachDev(holder);
      if (control) return fn({ config, root, control, via: "dev" });
    }
    if (Date.now() > deadline) {
      throw new UserError(`The project's state is in use by another aerostack process (pid ${holder.pid}) that does not answer.`, {
        hint: `Wait for it, or stop it (\`kill ${holder.pid}\`), and run the command again.`,
      });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    const persistTo = options.persistTo ? resolve(options.cwd, options.persistTo) : resolve(root, config.dev.persist_to);
    const platform = await startPlatform({ persistTo, defaultProject: config.name, mode: "dev", onLog: () => {} });
    const runtimes = workerdChildren();
    try {
      return await fn({ config, root, control: platform.control, via: "state" });
    } finally {
      await platform.dispose();
      // The lock is released only once our workerd has exited: one still closing its SQLite files would make the
      // next process's first write fail with SQLITE_BUSY.
      for (const deadline = Date.now() + 5_000; runtimes.some(isAlive) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await releaseLock(lockPath);
  }
}

/** How long a command waits for the state folder (a starting dev, another command) before it says so. */
const STATE_WAIT_MS = 30_000;

/** The running dev's control client when it answers (a few tries: a busy machine answers late), else null. */
async function reachDev(lock: DevLock): Promise<ControlClient | null> {
  const control = new ControlClient((url, init) => fetch(url, init), lock.url, lock.token);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await control.health();
      return control;
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return null;
}

/** The lock of a running `aerostack dev` for this project, or null (none, another project's, or its process is gone). */
export async function liveDevLock(root: string, project: string): Promise<DevLock | null> {
  let lock: DevLock;
  try {
    lock = JSON.parse(await readFile(join(root, DEV_LOCK_FILE), "utf8")) as DevLock;
  } catch {
    return null;
  }
  // A session still starting has no URL to reach yet.
  return lock.project === project && typeof lock.url === "string" && isAlive(lock.pid) ? lock : null;
}
