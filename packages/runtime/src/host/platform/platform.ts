/** Starts the platform worker in workerd through Miniflare: the one runtime behind `dev`, tests and the platform. */
import type { MiniflareOptions } from "miniflare";
import { loadMiniflare } from "./miniflare-loader";
import { randomBytes } from "node:crypto";
import { dirname, join } from "node:path";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { StartupAborted, UserError } from "../errors";
import type { Readable } from "node:stream";
import { platformScriptPath } from "./paths";
import { ControlClient } from "./control-client";
import { egressHost, type EgressOptions } from "./egress-options";
import { manifestMiniflareOptions } from "./manifest-options";
import { guardWorkerd } from "./workerd-guard";
import type { PlatformVarName } from "../../worker/manifest";

/**
 * The key sealing secrets at rest: `AEROSTACK_MASTER_KEY` (64 hex) from the environment, else `master.key` in the
 * state folder (created 0600 on first use), else — for in-memory state — a random key that dies with the process.
 */
export async function resolveMasterKey(persistTo: string | null): Promise<string> {
  const fromEnv = process.env.AEROSTACK_MASTER_KEY;
  if (fromEnv) {
    if (!/^[0-9a-f]{64}$/i.test(fromEnv)) {
      throw new UserError("AEROSTACK_MASTER_KEY must be 64 hex characters (32 bytes).", { hint: "Generate one with `openssl rand -hex 32`." });
    }
    return fromEnv.toLowerCase();
  }
  if (!persistTo) return randomBytes(32).toString("hex");
  const file = join(persistTo, "master.key");
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(persistTo, { recursive: true });
  const key = randomBytes(32).toString("hex");
  try {
    // wx: if another process created it meanwhile, use theirs.
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: "wx" });
    return key;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return (await readFile(file, "utf8")).trim();
    throw err;
  }
}

export interface PlatformOptions {
  /** Directory for persisted state; `null` keeps everything in memory. */
  persistTo: string | null;
  /** Listen on this port (0 = ephemeral); omit to serve only through `fetch` (no socket). */
  port?: number;
  host?: string;
  /** Dev only: platform surfaces served on the platform's own host (a workflow project: "api", "workflows"). */
  devSurfaces?: string[];
  /** Project served for requests whose host names none. */
  defaultProject?: string;
  mode?: "dev" | "platform";
  /** Platform mode: projects answer at `<project>.<account>.<baseDomain>`; default "localhost". */
  baseDomain?: string;
  /** What user code may reach (README "Network access from user code"); `allowPrivate` defaults to true in dev only. */
  egress?: EgressOptions;
  /**
   * Miniflare exits the process on SIGINT/SIGTERM (code 130/143) after killing workerd. A caller that stops
   * the platform itself on those signals (`aerostack dev`, to close cleanly and exit 0) passes false.
   */
  exitOnSignals?: boolean;
  /** Receives workerd's stdout/stderr lines (platform and user console output); default: this process's. */
  onLog?: (line: string, stream: "stdout" | "stderr") => void;
  /** Aborting it while workerd starts stops workerd and rejects with StartupAborted (Ctrl-C during start-up). */
  signal?: AbortSignal;
  /**
   * CACHE's shortest `expirationTtl` in seconds: 60 as on Workers KV unless set. Only for tests that watch a key
   * expire; code that relies on a shorter TTL would fail on Cloudflare.
   */
  cacheMinTtlSeconds?: number;
  /**
   * VECTORIZE: the memory budget of one index shard in bytes (256 KiB to 64 MiB; default 64 MiB). Tests lower it to
   * spread a small index over several shards.
   */
  vectorizeShardBytes?: number;
  /**
   * VECTORIZE: the vector count up to which an index is searched exactly (default 100,000); above it unfiltered
   * queries probe partitions. Tests lower it to reach the partitioned mode with a few thousand vectors.
   */
  vectorizeExactThreshold?: number;
}

export interface Platform {
  /** `http://host:port` when listening, else a placeholder origin usable with `fetch`. */
  readonly url: string;
  readonly control: ControlClient;
  /** The control API's bearer token (random per start); lets other local commands reach a running dev server. */
  readonly token: string;
  /** Sends a request into the platform (no network hop when not listening). */
  fetch(input: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}

export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const token = randomBytes(32).toString("hex");
  const masterKey = await resolveMasterKey(options.persistTo);
  const scriptPath = platformScriptPath();
  const listening = options.port !== undefined;
  const host = options.host ?? "127.0.0.1";
  const onLog = options.onLog;
  const egress = egressHost(options.mode ?? "dev", options.egress);
  const mfOptions: MiniflareOptions = {
    name: "aerostack-platform",
    // The module list is given outright: with `modules: true` Miniflare parses the script with acorn to find its
    // imports, ~100 ms of every start. The platform worker is one self-contained bundle.
    modules: [
      { type: "ESModule", path: scriptPath, contents: await readFile(scriptPath, "utf8") },
      // VECTORIZE's SIMD scan kernel, written beside the script by scripts/build.mjs (imported as ./vector-kernel.wasm).
      { type: "CompiledWasm", path: join(dirname(scriptPath), "vector-kernel.wasm"), contents: await readFile(join(dirname(scriptPath), "vector-kernel.wasm")) },
    ],
    // Module names are taken relative to this root; workerd refuses paths that climb out of it with "..".
    modulesRoot: dirname(scriptPath),
    // Durable Objects, the R2 bucket, the worker loader and compat flags: worker/manifest.ts, the one list.
    ...manifestMiniflareOptions(),
    ...egress.miniflare,
    bindings: {
      AEROSTACK_HOST_TOKEN: token,
      AEROSTACK_MASTER_KEY: masterKey,
      AEROSTACK_MODE: options.mode ?? "dev",
      // Only dev waits for its own start's code: a platform serves whatever is deployed.
      ...((options.mode ?? "dev") === "dev" ? { AEROSTACK_HOST_SESSION: randomBytes(8).toString("hex") } : {}),
      ...(options.defaultProject ? { AEROSTACK_DEFAULT_PROJECT: options.defaultProject } : {}),
      ...(options.devSurfaces?.length ? { AEROSTACK_DEV_SURFACES: options.devSurfaces.join(",") } : {}),
      ...(options.baseDomain ? { AEROSTACK_BASE_DOMAIN: options.baseDomain } : {}),
      ...(options.cacheMinTtlSeconds !== undefined ? { AEROSTACK_CACHE_MIN_TTL: String(options.cacheMinTtlSeconds) } : {}),
      ...(options.vectorizeShardBytes !== undefined ? { AEROSTACK_VECTORIZE_SHARD_BYTES: String(options.vectorizeShardBytes) } : {}),
      ...(options.vectorizeExactThreshold !== undefined ? { AEROSTACK_VECTORIZE_EXACT_THRESHOLD: String(options.vectorizeExactThreshold) } : {}),
    } satisfies Partial<Record<PlatformVarName, string>>,
    // Nothing reaches the network on our behalf: no cf object fetch, no update checks.
    cf: false,
    ...(process.env.AEROSTACK_INSPECT_PORT ? { inspectorPort: Number(process.env.AEROSTACK_INSPECT_PORT) } : {}),
    ...(listening ? { host, port: options.port } : {}),
    ...(options.persistTo ? { defaultPersistRoot: options.persistTo } : {}),
    ...(onLog
      ? {
          handleRuntimeStdio(stdout: Readable, stderr: Readable) {
            const pipe = (stream: Readable, name: "stdout" | "stderr") => {
              let buffered = "";
              stream.setEncoding("utf8");
              stream.on("data", (chunk: string) => {
                buffered += chunk;
                let nl: number;
                while ((nl = buffered.indexOf("\n")) >= 0) {
                  onLog(buffered.slice(0, nl), name);
                  buffered = buffered.slice(nl + 1);
                }
              });
            };
            pipe(stdout, "stdout");
            pipe(stderr, "stderr");
          },
        }
      : {}),
  };
  const signal = options.signal;
  // workerd must not outlive this process, even when it is killed outright (workerd-guard.sh).
  guardWorkerd();
  const Miniflare = loadMiniflare();
  // Loading Miniflare blocks this thread; a Ctrl-C meanwhile is delivered now.
  if (signal?.aborted) throw new StartupAborted();
  const before = { SIGINT: process.listeners("SIGINT"), SIGTERM: process.listeners("SIGTERM") };
  const mf = new Miniflare(mfOptions);
  if (options.exitOnSignals === false) {
    for (const name of ["SIGINT", "SIGTERM"] as const) {
      for (const listener of process.listeners(name)) {
        if (!before[name].includes(listener)) process.removeListener(name, listener);
      }
    }
  }
  // Disposing while workerd starts stops it there; `ready` then rejects.
  let disposing: Promise<void> | undefined;
  const dispose = () => (disposing ??= mf.dispose().catch(() => {}));
  signal?.addEventListener("abort", dispose, { once: true });
  let readyUrl: URL;
  try {
    readyUrl = await mf.ready;
    if (signal?.aborted) throw new StartupAborted();
  } catch (err) {
    // A workerd that failed to start (or was stopped) is disposed either way: nothing keeps this process alive.
    await dispose();
    throw signal?.aborted ? new StartupAborted() : err;
  } finally {
    signal?.removeEventListener("abort", dispose);
  }
  egress.started(readyUrl, options.port);
  const url = listening ? readyUrl.origin : "http://platform.internal";
  const fetchFn = async (input: string, init?: RequestInit): Promise<Response> => {
    const target = input.startsWith("http") ? input : `${url}${input}`;
    // Miniflare's Response is undici's; callers get a standard one.
    const res = await mf.dispatchFetch(target, init as never);
    return new Response(res.body as never, { status: res.status, statusText: res.statusText, headers: res.headers as never });
  };
  return {
    url,
    control: new ControlClient(fetchFn, url, token),
    token,
    fetch: fetchFn,
    dispose,
  };
}
