/** `aerostack platform start`: the platform worker on a data dir, with its admin account made on first start. */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { homedir } from "node:os";
import { startPlatform, type Platform } from "./platform";
import { claimLock, releaseLock, workerdChildren, type HostLock } from "./processes";
import { bootstrapAdmin } from "./bootstrap";
import { StartupAborted, UserError } from "../errors";
import { untilAborted } from "../lifecycle/abortable";

export interface PlatformServerOptions {
  /** Default `~/.aerostack/platform`. */
  dataDir?: string;
  port: number;
  host: string;
  baseDomain: string;
  /** Let user code reach private and loopback addresses (a database on the LAN); platform-wide, default false. */
  allowPrivateEgress?: boolean;
  /** Platform output (not users' console output, which the platform stores for `aerostack logs`). */
  onLog?: (line: string, stream: "stdout" | "stderr") => void;
  /** Aborting it during start-up stops workerd and rejects with StartupAborted (Ctrl-C while starting). */
  signal?: AbortSignal;
}

export interface PlatformServer {
  readonly url: string;
  readonly dataDir: string;
  readonly baseDomain: string;
  /** The admin account's key, on the first start only (it is stored as a hash and never shown again). */
  readonly adminKey: string | null;
  readonly platform: Platform;
  close(): Promise<void>;
}

/** Written while the platform runs: a second start on the same data dir is refused, a killed one's workerd reaped. */
export const PLATFORM_LOCK_FILE = "platform.lock.json";

interface PlatformLock extends HostLock {
  url: string;
}

/** The lock while its platform starts: enough to refuse a second one. */
interface StartingPlatformLock extends HostLock {
  starting: { port: number };
}

export function defaultDataDir(): string {
  return join(homedir(), ".aerostack", "platform");
}

const BASE_DOMAIN = /^(?=.{1,200}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;

export async function startPlatformServer(options: PlatformServerOptions): Promise<PlatformServer> {
  const baseDomain = options.baseDomain.toLowerCase();
  if (!BASE_DOMAIN.test(baseDomain)) {
    throw new UserError(`--base-domain ${JSON.stringify(options.baseDomain)} is not a domain name.`, { hint: "For example `--base-domain tools.example.com` (projects then answer at <project>.<account>.tools.example.com)." });
  }
  const dataDir = resolve(options.dataDir ?? defaultDataDir());
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // The data dir holds sealed secrets and the master key file: only its owner may look inside.
  await chmod(dataDir, 0o700).catch(() => {});
  const lockPath = join(dataDir, PLATFORM_LOCK_FILE);
  await claimDataDir(lockPath, options.port);

  let platform: Platform;
  try {
    platform = await startPlatform({
      persistTo: dataDir,
      port: options.port,
      host: options.host,
      mode: "platform",
      baseDomain,
      egress: { allowPrivate: options.allowPrivateEgress === true },
      exitOnSignals: false,
      ...(options.signal ? { signal: options.signal } : {}),
      onLog: options.onLog ?? ((line, stream) => (stream === "stderr" ? process.stderr : process.stdout).write(`${line}\n`)),
    });
  } catch (err) {
    await releaseLock(lockPath);
    throw err;
  }
  try {
    const lock: PlatformLock = { pid: process.pid, url: platform.url, workerd: workerdChildren() };
    await writeFile(lockPath, JSON.stringify(lock), { mode: 0o600 });
    const adminKey = await untilAborted(bootstrapAdmin(platform.fetch, platform.url, platform.token), options.signal);
    return {
      url: platform.url,
      dataDir,
      baseDomain,
      adminKey,
      platform,
      async close() {
        await platform.dispose();
        await releaseLock(lockPath);
      },
    };
  } catch (err) {
    await platform.dispose();
    await releaseLock(lockPath);
    throw options.signal?.aborted ? new StartupAborted() : err;
  }
}

/**
 * Claims the data dir before anything starts: a second platform on it is refused (two would share its SQLite
 * files); one that was killed outright has its workerd reaped.
 */
async function claimDataDir(lockPath: string, port: number): Promise<void> {
  const lock = await claimLock<PlatformLock | StartingPlatformLock>(lockPath, { pid: process.pid, starting: { port } });
  if (lock && lock.pid !== process.pid) {
    const where = "url" in lock ? lock.url : `starting on port ${lock.starting.port}`;
    throw new UserError(`Another platform (pid ${lock.pid}, ${where}) is running on this data dir.`, {
      hint: "Stop it first, or start this one with another `--data-dir`.",
    });
  }
}
