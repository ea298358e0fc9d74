/** ControlPlane: the SQLite Durable Object holding deployments and each project's active version. */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import type { DeploymentSettings } from "../../shared/protocol";
import { open, seal, type SecretEnvelope } from "../secrets/envelope";
import type { GatewayAccess, TokenRole, WorkspaceConfig } from "../../shared/gateway";
import { WORKSPACE_TABLES, WorkspaceStore } from "./workspaces";

export interface ActiveDeployment {
  version: string | null;
  buildError: string | null;
  settings: DeploymentSettings | null;
  /** Bumped whenever the project's secrets change: isolates are keyed by it, so new values reach new isolates. */
  secretsRev: number;
}

export interface StoredDeployment {
  version: string;
  code: string;
  sourceMap: string | null;
  settings: DeploymentSettings;
}

/** How many old deployments of a project are kept for rollback; every dev save is a deployment. */
const KEEP_DEPLOYMENTS = 5;
/** Characters per stored chunk: at most 3 bytes each in UTF-8, so a chunk stays under SQLite's 2 MB row limit. */
const CHUNK_CHARS = 512 * 1024;

export class ControlPlane extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;
  /** Workspaces: gateway config, member secrets, member token hashes (see ./workspaces.ts). */
  private readonly workspaces: WorkspaceStore;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS deployments (
        project TEXT NOT NULL, version TEXT NOT NULL, code TEXT NOT NULL, source_map TEXT,
        settings TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (project, version));
      CREATE TABLE IF NOT EXISTS projects (
        project TEXT PRIMARY KEY, active_version TEXT, build_error TEXT, updated_at INTEGER NOT NULL,
        secrets_rev INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS deployment_chunks (
        project TEXT NOT NULL, version TEXT NOT NULL, part TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (project, version, part, seq));
      CREATE TABLE IF NOT EXISTS secrets (
        project TEXT NOT NULL, name TEXT NOT NULL, envelope TEXT NOT NULL, PRIMARY KEY (project, name));
    `);
    // State written before secrets existed lacks the column.
    const columns = this.sql.exec<{ name: string }>("PRAGMA table_info(projects)").toArray();
    if (!columns.some((c) => c.name === "secrets_rev")) this.sql.exec("ALTER TABLE projects ADD COLUMN secrets_rev INTEGER NOT NULL DEFAULT 0");
    this.sql.exec(WORKSPACE_TABLES);
    this.workspaces = new WorkspaceStore(this.sql, ctx.storage, env.AEROSTACK_MASTER_KEY);
  }

  async putWorkspace(workspace: string, config: WorkspaceConfig, secrets: Record<string, Record<string, string>>) {
    const result = await this.workspaces.put(workspace, config, secrets);
    if (result.changed) this.ctx.waitUntil(this.notifyGateway([workspace]));
    return result;
  }

  /** A gateway session's event stream opened (`session` is its object's name) or closed. */
  watchWorkspace(workspace: string, session: string): void {
    this.workspaces.watch(workspace, session);
  }

  unwatchWorkspace(workspace: string, session: string): void {
    this.workspaces.unwatch(workspace, session);
  }

  /**
   * Tells the gateway sessions streaming from these workspaces that their members changed, so clients send
   * tools/list again. A session whose stream has closed (or that is gone) is forgotten.
   */
  private async notifyGateway(workspaces: string[]): Promise<void> {
    const ns = this.env.GATEWAY_SESSION;
    await Promise.all(
      workspaces.flatMap((workspace) =>
        this.workspaces.streams(workspace).map(async (session) => {
          const open = await ns.get(ns.idFromName(session)).membersChanged().catch(() => false);
          if (!open) this.workspaces.unwatch(workspace, session);
        }),
      ),
    );
  }

  putWorkspaceTokens(workspace: string, tokens: { hash: string; role: TokenRole; label: string }[]): { count: number } {
    return this.workspaces.putTokens(workspace, tokens);
  }

  /** The gateway's per-request check: does the token (hash) belong to the workspace, and its config if stale. */
  gatewayAccess(workspace: string, tokenHash: string, knownRev: number): GatewayAccess {
    return this.workspaces.access(workspace, tokenHash, knownRev);
  }

  workspaceSecrets(workspace: string) {
    return this.workspaces.secrets(workspace);
  }

  /** Stores the bundle, then flips the active version in the same transaction: readers see old or new, never half. */
  deploy(project: string, deployment: StoredDeployment): { version: string; unchanged: boolean } {
    const result = this.ctx.storage.transactionSync(() => {
      const current = this.sql
        .exec<{ active_version: string | null; build_error: string | null }>(
          "SELECT active_version, build_error FROM projects WHERE project = ?",
          project,
        )
        .toArray()[0];
      const now = Date.now();
      this.sql.exec(
        `INSERT INTO deployments (project, version, code, source_map, settings, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (project, version) DO UPDATE SET created_at = excluded.created_at`,
        project,
        deployment.version,
        "",
        null,
        JSON.stringify(deployment.settings),
        now,
      );
      // Code and source map go in chunks: a row holds at most 2 MB, and a bundle with the MCP SDK is close to that.
      this.sql.exec("DELETE FROM deployment_chunks WHERE project = ? AND version = ?", project, deployment.version);
      this.putChunks(project, deployment.version, "code", deployment.code);
      if (deployment.sourceMap !== null) this.putChunks(project, deployment.version, "map", deployment.sourceMap);
      this.sql.exec(
        `INSERT INTO projects (project, active_version, build_error, updated_at) VALUES (?, ?, NULL, ?)
         ON CONFLICT (project) DO UPDATE SET active_version = excluded.active_version, build_error = NULL, updated_at = excluded.updated_at`,
        project,
        deployment.version,
        now,
      );
      this.sql.exec(
        `DELETE FROM deployments WHERE project = ? AND version NOT IN (
           SELECT version FROM deployments WHERE project = ? ORDER BY created_at DESC LIMIT ?)`,
        project,
        project,
        KEEP_DEPLOYMENTS,
      );
      // Chunks go with their deployment: whatever the pruning above kept.
      this.sql.exec(`DELETE FROM deployment_chunks WHERE project = ? AND version NOT IN (SELECT version FROM deployments WHERE project = ?)`, project, project);
      return {
        version: deployment.version,
        unchanged: current?.active_version === deployment.version && current.build_error === null,
      };
    });
    // A new version of a project may serve other tools: workspaces composing it tell their open sessions.
    if (!result.unchanged) {
      const workspaces = this.workspaces.workspacesWithProject(project);
      if (workspaces.length > 0) this.ctx.waitUntil(this.notifyGateway(workspaces));
    }
    return result;
  }

  /** Records (or with `null` clears) a failed build: requests get an error page naming it until the next deploy. */
  setBuildError(project: string, message: string | null): void {
    this.sql.exec(
      `INSERT INTO projects (project, active_version, build_error, updated_at) VALUES (?, NULL, ?, ?)
       ON CONFLICT (project) DO UPDATE SET build_error = excluded.build_error, updated_at = excluded.updated_at`,
      project,
      message,
      Date.now(),
    );
  }

  getActive(project: string): ActiveDeployment {
    const row = this.sql
      .exec<{ active_version: string | null; build_error: string | null; settings: string | null; secrets_rev: number }>(
        `SELECT p.active_version, p.build_error, d.settings, p.secrets_rev FROM projects p
         LEFT JOIN deployments d ON d.project = p.project AND d.version = p.active_version WHERE p.project = ?`,
        project,
      )
      .toArray()[0];
    if (!row) return { version: null, buildError: null, settings: null, secretsRev: 0 };
    return {
      version: row.active_version,
      buildError: row.build_error,
      settings: row.settings ? (JSON.parse(row.settings) as DeploymentSettings) : null,
      secretsRev: row.secrets_rev,
    };
  }

  getDeployment(project: string, version: string): StoredDeployment | null {
    const row = this.sql
      .exec<{ code: string; source_map: string | null; settings: string }>(
        "SELECT code, source_map, settings FROM deployments WHERE project = ? AND version = ?",
        project,
        version,
      )
      .toArray()[0];
    if (!row) return null;
    // Deployments stored before chunking keep their text in the row.
    const code = this.getChunks(project, version, "code") ?? row.code;
    const sourceMap = this.getChunks(project, version, "map") ?? row.source_map;
    return { version, code, sourceMap, settings: JSON.parse(row.settings) as DeploymentSettings };
  }

  private putChunks(project: string, version: string, part: "code" | "map", text: string): void {
    for (let seq = 0, at = 0; at < text.length || seq === 0; seq++) {
      let end = Math.min(at + CHUNK_CHARS, text.length);
      // Never split a surrogate pair: half of one does not survive the trip through UTF-8.
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
      this.sql.exec("INSERT INTO deployment_chunks (project, version, part, seq, data) VALUES (?, ?, ?, ?, ?)", project, version, part, seq, text.slice(at, end));
      at = end;
    }
  }

  private getChunks(project: string, version: string, part: "code" | "map"): string | null {
    const rows = this.sql
      .exec<{ data: string }>("SELECT data FROM deployment_chunks WHERE project = ? AND version = ? AND part = ? ORDER BY seq", project, version, part)
      .toArray();
    return rows.length === 0 ? null : rows.map((r) => r.data).join("");
  }

  async replaceSecrets(project: string, values: Record<string, string>): Promise<{ names: string[]; rev: number }> {
    const sealed: [string, SecretEnvelope][] = [];
    for (const [name, value] of Object.entries(values)) sealed.push([name, await seal(this.env.AEROSTACK_MASTER_KEY, secretAad(project, name), value)]);
    return this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM secrets WHERE project = ?", project);
      for (const [name, envelope] of sealed) {
        this.sql.exec("INSERT INTO secrets (project, name, envelope) VALUES (?, ?, ?)", project, name, JSON.stringify(envelope));
      }
      this.sql.exec(
        `INSERT INTO projects (project, active_version, build_error, updated_at, secrets_rev) VALUES (?, NULL, NULL, ?, 1)
         ON CONFLICT (project) DO UPDATE SET secrets_rev = secrets_rev + 1, updated_at = excluded.updated_at`,
        project,
        Date.now(),
      );
      const rev = this.sql.exec<{ secrets_rev: number }>("SELECT secrets_rev FROM projects WHERE project = ?", project).one().secrets_rev;
      return { names: sealed.map(([n]) => n).sort(), rev };
    });
  }

  async getSecrets(project: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    const rows = this.sql.exec<{ name: string; envelope: string }>("SELECT name, envelope FROM secrets WHERE project = ?", project).toArray();
    for (const row of rows) {
      const value = await open(this.env.AEROSTACK_MASTER_KEY, secretAad(project, row.name), JSON.parse(row.envelope) as SecretEnvelope);
      // Sealed under another master key (the key file was replaced): unreadable, so treated as unset.
      if (value !== null) out[row.name] = value;
    }
    return out;
  }

  secretNames(project: string): string[] {
    return this.sql.exec<{ name: string }>("SELECT name FROM secrets WHERE project = ? ORDER BY name", project).toArray().map((r) => r.name);
  }

  getSourceMap(project: string, version: string): string | null {
    const row = this.sql
      .exec<{ source_map: string | null }>(
        "SELECT source_map FROM deployments WHERE project = ? AND version = ?",
        project,
        version,
      )
      .toArray()[0];
    if (!row) return null;
    return this.getChunks(project, version, "map") ?? row.source_map;
  }
}

/** Secrets are sealed to their project and name, so an envelope copied to another row does not open. */
const secretAad = (project: string, name: string) => `project|${project}|${name}`;

/** The control plane is a singleton: one SQLite database for the whole platform's deployment state. */
export function controlPlane(env: PlatformEnv): DurableObjectStub<ControlPlane> {
  return env.CONTROL.get(env.CONTROL.idFromName("control"));
}
