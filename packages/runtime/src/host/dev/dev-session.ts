/**
 * `aerostack dev`: bundle, start the platform, deploy, then rebuild and flip versions on every save. In a workspace
 * folder (`type = "workspace"`, no code): serve its gateway at `/ws/<name>` and re-push it when its config changes.
 * In a workflow folder: store the definition on every save and serve its API and triggers (dev-workflow.ts).
 * In a bot folder (no code): put the bot beside the dev gateway and serve its local chat page (bot-dev.ts).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { CONFIG_FILE, loadProjectConfig } from "../config/load";
import { createBundler, type Bundler, type BundleOk } from "../bundle/bundle";
import { startPlatform, type Platform } from "../platform/platform";
import { claimLock, releaseLock, workerdChildren, type HostLock } from "../platform/processes";
import { deploymentSettings, deploymentVersion, readMigrations } from "../project/project";
import { DEV_VARS_FILE, readDevSecrets } from "../project/secrets";
import { newDevToken, readDevWorkspace, readFolderDevWorkspace } from "../project/workspace";
import { DEV_WORKSPACE, PROJECT_MCP_PATH } from "../../shared/gateway";
import type { ProjectConfig } from "../../shared/config";
import { UserError, StartupAborted } from "../errors";
import { stopIfAborted, untilAborted } from "../lifecycle/abortable";
import type { DevReporter } from "./reporter";
import { SourceWatcher } from "./source-watcher";
import { workflowDev, WORKFLOW_DEV_SURFACES, type WorkflowPush } from "./dev-workflow";
import { devBotWorkflow, devChatUrl, pushDevBot } from "./bot-dev";
import { openDevDashboard } from "./dev-dashboard";

export interface DevOptions {
  cwd: string;
  configPath?: string;
  /** Overrides `[dev] port`; 0 picks a free port. */
  port?: number;
  host?: string;
  /** `undefined`: `[dev] persist_to` (default .aerostack/state); `null`: in memory; a path: there (relative to cwd). */
  persistTo?: string | null;
  reporter: DevReporter;
  /** See PlatformOptions.exitOnSignals; `aerostack dev` handles Ctrl-C itself. */
  exitOnSignals?: boolean;
  /**
   * Aborting it during start-up stops whatever has started (esbuild, workerd) and rejects with StartupAborted.
   * After start-up, stop with `close()`.
   */
  signal?: AbortSignal;
}

export interface DevSession {
  readonly url: string;
  readonly project: string;
  readonly root: string;
  readonly platform: Platform;
  /** The workspace gateway (`/ws/dev`) and its dev token (`mwt_dev_…`, random per start; the platform keeps its hash). */
  readonly gateway: { url: string; token: string };
  /** The dashboard's sign-in link for this start (dev-dashboard.ts), or null when dev listens beyond loopback. */
  readonly dashboard: string | null;
  /** Rebuilds and redeploys now (what a save does). */
  reload(changed?: string[]): Promise<void>;
  close(): Promise<void>;
}

/** Written while dev runs so `aerostack db …` in another terminal talks to this server instead of the state files. */
export const DEV_LOCK_FILE = ".aerostack/dev.json";

export interface DevLock extends HostLock {
  url: string;
  token: string;
  project: string;
  /** A workflow project's per-start account key: `aerostack workflow …` in this folder talks to this dev server. */
  apiKey?: string;
}

/** What the lock holds while its session starts: enough to refuse a second one, nothing to connect to yet. */
interface StartingDevLock extends HostLock {
  project: string;
  starting: { host: string; port: number };
}

/** A short command (`aerostack db …`) that opened the state folder itself, for the seconds it runs. */
export interface HeadlessLock extends HostLock {
  project: string;
  headless: true;
}

/**
 * What dev serves, by `type`: the one place that decides it. "code": bundle, deploy, reload on save (functions, MCP
 * servers, skills); "workspace": only the folder's gateway at /ws/<name>; "workflow": its definition stored on every
 * save, with its API and triggers (dev-workflow.ts); "bot": no code, the bot and its chat page (bot-dev.ts).
 */
type DevKind = "code" | "workspace" | "workflow" | "bot";
const DEV_KINDS: Partial<Record<ProjectConfig["type"], DevKind>> = { workspace: "workspace", workflow: "workflow", bot: "bot" };
const devKind = (type: ProjectConfig["type"]): DevKind => DEV_KINDS[type] ?? "code";

/** How long dev waits for a short command holding the state folder before it gives up. */
const HEADLESS_WAIT_MS = 30_000;

async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolvePort, reject) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EADDRINUSE" || err.code === "EACCES") {
        reject(
          new UserError(`Port ${port} on ${host} is ${err.code === "EACCES" ? "not allowed" : "already in use"}.`, {
            hint: `Stop the process using it, or pick another port: \`aerostack dev --port ${port === 65535 ? 8788 : port + 1}\`.`,
          }),
        );
      } else reject(err);
    });
    server.listen(port, host, () => server.close(() => resolvePort()));
  });
}

export async function startDev(options: DevOptions): Promise<DevSession> {
  const started = performance.now();
  const report = options.reporter;
  report({ type: "starting", phase: "config" });
  const loaded = await loadProjectConfig({ cwd: options.cwd, ...(options.configPath ? { configPath: options.configPath } : {}) });
  let config: ProjectConfig = loaded.config;
  // Workspace, workflow and bot folders have no code to bundle: no bundle, migrations or deploy. A workspace serves
  // only its gateway, at /ws/<name>; a workflow stores its definition; a bot is put beside /ws/dev with a chat page.
  const kind = devKind(config.type);
  const hasCode = kind === "code";
  const isWorkspace = kind === "workspace";
  const { root } = loaded;
  const botWorkflow = kind === "bot" ? await devBotWorkflow(root, config) : null;
  const configFile = loaded.file;
  const project = config.name;
  const lockPath = join(root, DEV_LOCK_FILE);
  const host = options.host ?? config.dev.host;
  const port = options.port ?? config.dev.port;
  // One session per folder: two would share the state files, and each one's exit would delete the other's lock.
  // Claimed before anything starts; a session that was killed outright has its workerd reaped here.
  let holder = await claimLock<DevLock | StartingDevLock | HeadlessLock>(lockPath, { pid: process.pid, project, starting: { host, port } });
  // A `db` command holding the state for a moment: wait for it rather than refuse.
  for (const deadline = Date.now() + HEADLESS_WAIT_MS; holder && "headless" in holder && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 50));
    holder = await claimLock<DevLock | StartingDevLock | HeadlessLock>(lockPath, { pid: process.pid, project, starting: { host, port } });
  }
  if (holder && "headless" in holder) {
    throw new UserError(`Another aerostack command (pid ${holder.pid}) has held this project's state for ${HEADLESS_WAIT_MS / 1000} s.`, { hint: `Wait for it to finish, or stop it (\`kill ${holder.pid}\`).` });
  }
  if (holder) {
    const where = "url" in holder ? `serving ${holder.url}` : `starting on port ${holder.starting.port}`;
    throw new UserError(`aerostack dev is already running in this folder (pid ${holder.pid}, ${where}).`, {
      hint: `Use that one, or stop it first (Ctrl-C in its terminal, or \`kill ${holder.pid}\`).`,
    });
  }
  try {
    await assertPortFree(host, port);
  } catch (err) {
    await releaseLock(lockPath);
    throw err;
  }
  const persistTo =
    options.persistTo === null ? null : options.persistTo === undefined ? resolve(root, config.dev.persist_to) : resolve(options.cwd, options.persistTo);
  if (persistTo) await mkdir(persistTo, { recursive: true });

  // Everything started from here on is stopped again if start-up fails or is stopped (Ctrl-C at any moment).
  const signal = options.signal;
  const boot = async () => {
    let creating: Promise<Bundler | null> = Promise.resolve(null);
    let platform: Platform | undefined;
    try {
      stopIfAborted(signal);
      // esbuild's service starts in its own process while this thread loads Miniflare and workerd starts; the first
      // build follows once this thread is free, and overlaps workerd's start-up: both sit on the path to the first
      // response. The bundler is awaited (never raced with the signal) before any exit: a bundler left undisposed
      // would keep esbuild's process, and this one, alive.
      creating = hasCode ? createBundler({ root, entry: config.main, type: config.type }) : Promise.resolve(null);
      const building = creating.then((bundler) => (bundler ? bundler.build() : null));
      const reading = hasCode ? readMigrations(root, config) : Promise.resolve([]);
      // Any may fail while workerd starts; their failures are met below (or not at all, if start-up stops).
      for (const pending of [creating, building, reading]) pending.catch(() => {});
      report({ type: "starting", phase: "workerd" });
      platform = await startPlatform({
        persistTo,
        port,
        host,
        defaultProject: project,
        mode: "dev",
        ...(kind === "workflow" ? { devSurfaces: WORKFLOW_DEV_SURFACES } : {}),
        ...(options.exitOnSignals === false ? { exitOnSignals: false } : {}),
        onLog: (line, stream) => report({ type: "log", line, stream }),
        ...(signal ? { signal } : {}),
      });
      report({ type: "starting", phase: "deploy" });
      const [bundler, firstBuild, migrations] = await untilAborted(Promise.all([creating, building, reading]), signal);
      return { bundler, platform, firstBuild, migrations };
    } catch (err) {
      const bundler = await creating.catch(() => null);
      await Promise.allSettled([platform?.dispose(), bundler?.dispose(), releaseLock(lockPath)]);
      throw signal?.aborted ? new StartupAborted() : err;
    }
  };
  const booted = await boot();
  const { platform, firstBuild, migrations } = booted;
  let bundler: Bundler | null = booted.bundler;
  // A workflow project: its definition, API key and trigger URLs (dev-workflow.ts); made before the first deploy.
  // A workflow-mode bot with [bot] workflow_path: that folder's workflow, the same way (checked before start-up).
  const workflow =
    kind === "workflow"
      ? await workflowDev(platform, { root, project, ...(options.configPath ? { configPath: options.configPath } : {}) })
      : botWorkflow
        ? await workflowDev(platform, { root: botWorkflow.root, project: botWorkflow.name })
        : null;
  const devToken = newDevToken();
  let gatewayMembers: string[] = [];
  let dashboard: string | null = null;
  let pushedSecrets = false;
  let reportedMissing = "";

  let closed = false;
  const deploy = async (bundle: BundleOk) => {
    const settings = deploymentSettings(config);
    const version = deploymentVersion(bundle, settings);
    await platform.control.deploy(project, { version, code: bundle.code, sourceMap: bundle.sourceMap, settings });
    return version;
  };
  const applyMigrations = async () => {
    const list = await readMigrations(root, config);
    if (list.length === 0) return;
    const result = await platform.control.migrate(project, list);
    if (result.applied.length > 0) report({ type: "migrations", result });
  };

  const pushSecrets = async () => {
    const secrets = await readDevSecrets(root, config);
    // Nothing to say when there are none and never were: skip the round trip (and the isolate reload it causes).
    // A workflow's nodes read the secrets of its own tenant (local.<name>.production), not the dev project's.
    if (Object.keys(secrets).length > 0 || pushedSecrets) await platform.control.putSecrets(workflow?.secretsTenant ?? project, secrets);
    pushedSecrets = Object.keys(secrets).length > 0;
  };

  // The dev workspace: the project's MCP server (type = "mcp-server") and [[mcp.proxy]], with the secrets the
  // proxies' headers name. Pushed at start and whenever aerostack.toml or .dev.vars changes.
  // A workspace folder's own workspace instead: its [[members]] that dev can reach, and its [workspace] settings.
  const slug = isWorkspace ? project : DEV_WORKSPACE;
  let reportedWorkflowError = "";
  const pushWorkflow = async (): Promise<WorkflowPush> => {
    const pushed = await workflow!.push();
    if (!pushed.ok && pushed.message !== reportedWorkflowError) {
      report({ type: "config-error", message: `The workflow definition was not stored (runs use the last good version):\n${pushed.message}` });
    }
    reportedWorkflowError = pushed.ok ? "" : pushed.message;
    return pushed;
  };
  const gateway = { url: `${platform.url}/ws/${slug}`, token: devToken.token };
  let reportedSkipped = "";
  let reportedBotNotice = "";
  const pushBot = async () => {
    if (kind !== "bot") return;
    const notice = await pushDevBot(platform.control, config);
    if (notice && notice !== reportedBotNotice) report({ type: "notice", message: notice });
    reportedBotNotice = notice ?? "";
  };
  const pushWorkspace = async () => {
    const ws = isWorkspace ? await readFolderDevWorkspace(root, config) : { ...(await readDevWorkspace(root, config)), settings: undefined, skipped: [] };
    await platform.control.putWorkspace(slug, { config: ws.config, secrets: ws.secrets, ...(ws.settings ? { settings: ws.settings } : {}) });
    const missing = ws.missing.join("\n");
    if (missing && missing !== reportedMissing) report({ type: "config-error", message: missing });
    reportedMissing = missing;
    const skipped = ws.skipped.join(", ");
    if (skipped && skipped !== reportedSkipped) {
      report({
        type: "notice",
        message: `Not served by aerostack dev: ${skipped}. Project and workspace members are deployed on a platform, which dev does not reach; \`aerostack deploy\` serves the whole workspace there.`,
      });
    }
    reportedSkipped = skipped;
    return ws.config.members.map((m) => m.slug);
  };

  try {
    // Migrations touch the project's database, the deploy the control plane: independent, so both at once.
    // "ready" is reported only after both, so no request meets a missing table.
    const migrating = (async () => {
      if (migrations.length === 0) return;
      const result = await platform.control.migrate(project, migrations);
      if (result.applied.length > 0) report({ type: "migrations", result });
    })();
    // The code's deploy waits only for its secrets: the workspace (another Durable Object) is pushed beside it,
    // since each first call into a cold workerd costs tens of milliseconds and start-up is a goal.
    const deploying = (async () => {
      if (workflow) {
        await workflow.register();
        await pushSecrets();
        await pushWorkflow();
        return;
      }
      if (hasCode) await pushSecrets();
      if (!firstBuild) return;
      if (firstBuild.ok) await deploy(firstBuild);
      else {
        await platform.control.setBuildError(project, firstBuild.message);
        report({ type: "build-failed", message: firstBuild.message, coloredMessage: firstBuild.coloredMessage });
      }
    })();
    const workspacing = (async () => {
      gatewayMembers = await pushWorkspace();
      await platform.control.putWorkspaceTokens(slug, { tokens: [{ hash: devToken.hash, role: "admin", label: "aerostack dev" }] });
      dashboard = await openDevDashboard(platform, slug, host);
    })();
    const outcomes = await untilAborted(Promise.allSettled([migrating, deploying, workspacing, pushBot()]), signal);
    for (const outcome of outcomes) if (outcome.status === "rejected") throw outcome.reason;
    stopIfAborted(signal);
  } catch (err) {
    await Promise.allSettled([platform.dispose(), bundler?.dispose(), releaseLock(lockPath)]);
    throw signal?.aborted ? new StartupAborted() : err;
  }

  const lock: DevLock = { pid: process.pid, url: platform.url, token: platform.token, project, workerd: workerdChildren(), ...(workflow ? { apiKey: workflow.apiKey } : {}) };
  await writeFile(lockPath, JSON.stringify(lock), { mode: 0o600 });

  report({
    type: "ready",
    url: platform.url,
    project,
    startupMs: performance.now() - started,
    persistTo,
    bindings: !hasCode ? [] : ["DB", "CACHE", "QUEUE", "STORAGE", "AI", ...(config.vectorize ?? []).map((v) => v.binding)],
    gateway: { ...gateway, members: gatewayMembers },
    ...(dashboard ? { dashboard } : {}),
    ...(config.type === "mcp-server" || config.type === "skill" ? { mcpUrl: `${platform.url}${PROJECT_MCP_PATH}` } : {}),
    ...(workflow && kind === "workflow" ? { workflow: { hookUrl: workflow.hookUrl, agentUrl: workflow.agentUrl } } : {}),
    ...(kind === "bot" ? { chatUrl: devChatUrl(platform.url, project) } : {}),
  });

  // Rebuilds run one at a time; changes that arrive during one are folded into the next.
  let running: Promise<void> | null = null;
  let pending: Set<string> | null = null;
  let rebuildConfig = false;
  let rebuildMigrations = false;
  let rebuildSecrets = false;

  const rebuild = async (changed: string[]) => {
    const t0 = performance.now();
    const configChanged = rebuildConfig;
    if (rebuildConfig) {
      rebuildConfig = false;
      try {
        const next = await loadProjectConfig({ cwd: options.cwd, ...(options.configPath ? { configPath: options.configPath } : {}) });
        if (next.config.name !== project) {
          report({ type: "config-error", message: `Changing \`name\` needs a restart of aerostack dev (still serving "${project}").` });
        }
        if (next.config.type !== config.type) {
          report({ type: "config-error", message: `Changing \`type\` needs a restart of aerostack dev (still serving a ${config.type}).` });
          return;
        }
        if (bundler && next.config.main !== config.main) {
          const nextBundler = await createBundler({ root, entry: next.config.main, type: next.config.type });
          await bundler.dispose();
          bundler = nextBundler;
        }
        config = { ...next.config, name: project };
      } catch (err) {
        report({ type: "config-error", message: err instanceof Error ? err.message : String(err) });
        return;
      }
    }
    if (rebuildSecrets || configChanged) {
      rebuildSecrets = false;
      try {
        await Promise.all([hasCode || workflow ? pushSecrets() : null, pushWorkspace(), configChanged ? pushBot() : null]);
      } catch (err) {
        report({ type: "config-error", message: err instanceof Error ? err.message : String(err) });
      }
    }
    // A workflow's version is its definition: stored again (unchanged ones are not a new version).
    if (workflow) {
      const pushed = await pushWorkflow();
      if (closed) return;
      watcher.setInputs(pushed.inputs);
      if (pushed.ok) report({ type: "reloaded", version: `v${pushed.version}${pushed.unchanged ? " (unchanged)" : ""}`, reloadMs: performance.now() - t0, changed });
      return;
    }
    // A workspace's or bot's "version" is its config: pushed above, nothing to build.
    if (!bundler) {
      report({ type: "reloaded", version: kind, reloadMs: performance.now() - t0, changed });
      return;
    }
    if (rebuildMigrations) {
      rebuildMigrations = false;
      try {
        await applyMigrations();
      } catch (err) {
        report({ type: "config-error", message: err instanceof Error ? err.message : String(err) });
      }
    }
    const result = await bundler.build();
    if (closed) return;
    // What the next save must touch to reload: this build's inputs (or, after a failure, any source file).
    watcher.setInputs(result.ok ? result.inputs : null);
    if (!result.ok) {
      await platform.control.setBuildError(project, result.message);
      report({ type: "build-failed", message: result.message, coloredMessage: result.coloredMessage });
      return;
    }
    const version = await deploy(result);
    report({ type: "reloaded", version, reloadMs: performance.now() - t0, changed });
  };

  const schedule = (changed: string[]): Promise<void> => {
    if (running) {
      pending ??= new Set();
      for (const c of changed) pending.add(c);
      return running;
    }
    running = (async () => {
      try {
        await rebuild(changed);
      } catch (err) {
        if (!closed) report({ type: "config-error", message: err instanceof Error ? err.message : String(err) });
      } finally {
        running = null;
        if (pending && !closed) {
          const next = [...pending];
          pending = null;
          void schedule(next);
        }
      }
    })();
    return running;
  };

  let debounce: NodeJS.Timeout | undefined;
  const batch = new Set<string>();
  // The migrations folder is the one named at start; moving it (`migrations_dir`) needs a restart.
  const watcher = new SourceWatcher({
    root,
    configFile,
    devVarsFile: join(root, DEV_VARS_FILE),
    migrationsDir: resolve(root, config.db.migrations_dir),
    onChange(path, kind) {
      if (kind === "config") rebuildConfig = true;
      if (kind === "migrations") rebuildMigrations = true;
      if (kind === "secrets") rebuildSecrets = true;
      batch.add(path);
      clearTimeout(debounce);
      // Editors save in several writes; a short debounce rebuilds once per save.
      debounce = setTimeout(() => {
        const changed = [...batch];
        batch.clear();
        void schedule(changed);
      }, 15);
    },
  });
  // A workspace reads no sources: only its aerostack.toml and .dev.vars are watched. A workflow: its definition.
  watcher.setInputs(workflow ? workflow.inputs : firstBuild ? (firstBuild.ok ? firstBuild.inputs : null) : []);

  return {
    url: platform.url,
    project,
    root,
    platform,
    gateway,
    dashboard,
    reload: (changed = []) => schedule(changed),
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(debounce);
      watcher.close();
      await running?.catch(() => {});
      await Promise.allSettled([bundler?.dispose(), platform.dispose(), releaseLock(lockPath)]);
    },
  };
}

export { CONFIG_FILE };
