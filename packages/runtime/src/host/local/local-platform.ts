/** Reaches a project's local platform: the running `aerostack dev` if there is one, else a headless one on its state. */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { loadProjectConfig } from "../config/load";
import { ControlClient } from "../platform/control-client";
import { startPlatform } from "../platform/platform";
import { isAlive } from "../platform/processes";
import { DEV_LOCK_FILE, type DevLock } from "../dev/dev-session";
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
  const viaDev = await runningDev(root, config.name);
  if (viaDev) return fn({ config, root, control: viaDev, via: "dev" });
  const persistTo = options.persistTo ? resolve(options.cwd, options.persistTo) : resolve(root, config.dev.persist_to);
  const platform = await startPlatform({ persistTo, defaultProject: config.name, mode: "dev", onLog: () => {} });
  try {
    return await fn({ config, root, control: platform.control, via: "state" });
  } finally {
    await platform.dispose();
  }
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

/** The running dev server's control client, if its lock file names a live process that answers with its token. */
async function runningDev(root: string, project: string): Promise<ControlClient | null> {
  const lock = await liveDevLock(root, project);
  if (!lock) return null;
  const control = new ControlClient((url, init) => fetch(url, init), lock.url, lock.token);
  try {
    await control.health();
    return control;
  } catch {
    // A stale lock (the pid was reused, or dev was killed): open the state instead.
    return null;
  }
}
