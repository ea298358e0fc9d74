/**
 * ProjectStore: one SQLite Durable Object per tenant (a project's environment): its stored versions, which one is
 * active, its last build error, its sealed secrets and its hosted MCP session states. Per tenant, so no request
 * waits on an object all share.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import type { DeploymentSettings, Migration } from "../../shared/protocol";
import { SecretTable, type SecretInfoRow } from "../secrets/secret-table";
import { migrateSchema, type SchemaMigration } from "../control/schema";

export interface ActiveDeployment {
  version: string | null;
  buildError: string | null;
  settings: DeploymentSettings | null;
  /** Bumped whenever the project's secrets change: isolates are keyed by it, so new values reach new isolates. */
  secretsRev: number;
  /**
   * `aerostack dev`: the start of dev (AEROSTACK_HOST_SESSION) whose deploy or build error this is. A state left by
   * an earlier start (persisted) or none at all is not this start's code: requests wait for it.
   */
  hostSession: string | null;
}

export interface StoredDeployment {
  version: string;
  code: string;
  sourceMap: string | null;
  settings: DeploymentSettings;
  /**
   * The migrations deployed with it (names and SQL, in order): kept so a Hub install of this deployment can build
   * its own database from them. Absent on deployments made before they were kept.
   */
  migrations?: Migration[] | undefined;
}

export interface DeploymentMeta {
  message?: string | null;
  /** Name of the key that deployed it. */
  by?: string | null;
}

export interface DeploymentRow {
  version: string;
  createdAt: number;
  message: string | null;
  by: string | null;
  active: boolean;
}

/** What a deployment's chunks hold: its code, its source map, its migrations (JSON). */
type ChunkPart = "code" | "map" | "migrations";

/** How many deployments of a tenant are kept for rollback (every dev save is one); the active one is never pruned. */
const KEEP_DEPLOYMENTS = 10;
/** Characters per stored chunk: at most 3 bytes each in UTF-8, so a chunk stays under SQLite's 2 MB row limit. */
const CHUNK_CHARS = 512 * 1024;

const MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: "deployments, state, secrets",
    sql: `
      CREATE TABLE deployments (
        version TEXT PRIMARY KEY, settings TEXT NOT NULL, message TEXT, by TEXT, created_at INTEGER NOT NULL);
      CREATE TABLE deployment_chunks (
        version TEXT NOT NULL, part TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (version, part, seq));
      CREATE TABLE state (
        id INTEGER PRIMARY KEY CHECK (id = 1), active_version TEXT, build_error TEXT, secrets_rev INTEGER NOT NULL,
        updated_at INTEGER NOT NULL);
      INSERT INTO state (id, active_version, build_error, secrets_rev, updated_at) VALUES (1, NULL, NULL, 0, 0);
      CREATE TABLE secrets (name TEXT PRIMARY KEY, envelope TEXT NOT NULL, updated_at INTEGER NOT NULL);
    `,
  },
  {
    version: 2,
    name: "hosted MCP session states",
    sql: `
      CREATE TABLE mcp_sessions (id TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at INTEGER NOT NULL);
      CREATE INDEX mcp_sessions_updated ON mcp_sessions (updated_at);
    `,
  },
  {
    version: 3,
    name: "the host session that wrote the state",
    sql: `ALTER TABLE state ADD COLUMN host_session TEXT;`,
  },
];

/** Hosted MCP sessions kept per tenant; past this the least recently updated is forgotten (its client starts anew). */
const MAX_MCP_SESSIONS = 10_000;

export class ProjectStore extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrateSchema(ctx.storage, MIGRATIONS);
  }

  /** Stores a version without making it active (a deploy checks it loads and migrates before the flip). */
  stage(deployment: StoredDeployment, meta: DeploymentMeta = {}): { stored: boolean } {
    return this.ctx.storage.transactionSync(() => {
      const existed = this.sql.exec("SELECT 1 FROM deployments WHERE version = ?", deployment.version).toArray().length > 0;
      this.sql.exec(
        `INSERT INTO deployments (version, settings, message, by, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (version) DO UPDATE SET created_at = excluded.created_at, message = excluded.message, by = excluded.by,
           settings = excluded.settings`,
        deployment.version,
        JSON.stringify(deployment.settings),
        meta.message ?? null,
        meta.by ?? null,
        Date.now(),
      );
      // Code and source map go in chunks: a row holds at most 2 MB, and a bundle with the MCP SDK is close to that.
      this.sql.exec("DELETE FROM deployment_chunks WHERE version = ?", deployment.version);
      this.putChunks(deployment.version, "code", deployment.code);
      if (deployment.sourceMap !== null) this.putChunks(deployment.version, "map", deployment.sourceMap);
      if (deployment.migrations !== undefined) this.putChunks(deployment.version, "migrations", JSON.stringify(deployment.migrations));
      return { stored: !existed };
    });
  }

  /** Drops a staged version that never became active (a deploy that failed its checks, or a dry run). */
  unstage(version: string): void {
    this.ctx.storage.transactionSync(() => {
      if (this.state().active_version === version) return;
      this.sql.exec("DELETE FROM deployments WHERE version = ?", version);
      this.sql.exec("DELETE FROM deployment_chunks WHERE version = ?", version);
    });
  }

  /** Makes a stored version the active one, atomically; prunes old versions. Returns the version it replaced. */
  activate(version: string): { previous: string | null; unchanged: boolean } {
    return this.ctx.storage.transactionSync(() => {
      if (this.sql.exec("SELECT 1 FROM deployments WHERE version = ?", version).toArray().length === 0) {
        throw new Error(`version ${version} is not stored`);
      }
      const before = this.state();
      this.sql.exec("UPDATE state SET active_version = ?, build_error = NULL, updated_at = ? WHERE id = 1", version, Date.now());
      this.prune(version);
      return { previous: before.active_version, unchanged: before.active_version === version && before.build_error === null };
    });
  }

  /** `aerostack dev`: store and flip in one transaction; readers see old or new, never half. */
  deploy(deployment: StoredDeployment, meta: DeploymentMeta = {}, hostSession: string | null = null): { version: string; unchanged: boolean } {
    return this.ctx.storage.transactionSync(() => {
      this.stage(deployment, meta);
      const { unchanged } = this.activate(deployment.version);
      if (hostSession !== null) this.sql.exec("UPDATE state SET host_session = ? WHERE id = 1", hostSession);
      return { version: deployment.version, unchanged };
    });
  }

  /**
   * Makes an earlier version active again: `version`, or the newest one stored before the active one.
   * Returns null when there is none to go back to.
   */
  rollback(version?: string): { version: string; previous: string } | { error: "no_active" | "not_found" | "no_previous" } {
    return this.ctx.storage.transactionSync(() => {
      const active = this.state().active_version;
      if (!active) return { error: "no_active" as const };
      let target: string | undefined;
      if (version) {
        target = this.sql.exec<{ version: string }>("SELECT version FROM deployments WHERE version = ?", version).toArray()[0]?.version;
        if (!target) return { error: "not_found" as const };
      } else {
        target = this.sql
          .exec<{ version: string }>(
            `SELECT version FROM deployments WHERE version != ? AND created_at <= (SELECT created_at FROM deployments WHERE version = ?)
             ORDER BY created_at DESC, rowid DESC LIMIT 1`,
            active,
            active,
          )
          .toArray()[0]?.version;
        if (!target) return { error: "no_previous" as const };
      }
      this.sql.exec("UPDATE state SET active_version = ?, build_error = NULL, updated_at = ? WHERE id = 1", target, Date.now());
      return { version: target, previous: active };
    });
  }

  listDeployments(): DeploymentRow[] {
    const active = this.state().active_version;
    return this.sql
      .exec<{ version: string; created_at: number; message: string | null; by: string | null }>(
        "SELECT version, created_at, message, by FROM deployments ORDER BY created_at DESC, rowid DESC",
      )
      .toArray()
      .map((r) => ({ version: r.version, createdAt: r.created_at, message: r.message, by: r.by, active: r.version === active }));
  }

  private prune(active: string): void {
    this.sql.exec(
      `DELETE FROM deployments WHERE version != ? AND version NOT IN (
         SELECT version FROM deployments ORDER BY created_at DESC, rowid DESC LIMIT ?)`,
      active,
      KEEP_DEPLOYMENTS,
    );
    // Chunks go with their deployment: whatever the pruning above kept.
    this.sql.exec("DELETE FROM deployment_chunks WHERE version NOT IN (SELECT version FROM deployments)");
  }

  /** Records (or with `null` clears) a failed build: requests get an error page naming it until the next deploy. */
  setBuildError(message: string | null, hostSession: string | null = null): void {
    this.sql.exec("UPDATE state SET build_error = ?, updated_at = ? WHERE id = 1", message, Date.now());
    if (hostSession !== null) this.sql.exec("UPDATE state SET host_session = ? WHERE id = 1", hostSession);
  }

  getActive(): ActiveDeployment {
    const row = this.sql
      .exec<{ active_version: string | null; build_error: string | null; settings: string | null; secrets_rev: number; host_session: string | null }>(
        `SELECT s.active_version, s.build_error, d.settings, s.secrets_rev, s.host_session FROM state s
         LEFT JOIN deployments d ON d.version = s.active_version WHERE s.id = 1`,
      )
      .one();
    return {
      version: row.active_version,
      buildError: row.build_error,
      settings: row.settings ? (JSON.parse(row.settings) as DeploymentSettings) : null,
      secretsRev: row.secrets_rev,
      hostSession: row.host_session,
    };
  }

  /** A deployment's settings alone (the Hub reads its `[ai]`): not its code, which can be megabytes. */
  getSettings(version: string): DeploymentSettings | null {
    const row = this.sql.exec<{ settings: string }>("SELECT settings FROM deployments WHERE version = ?", version).toArray()[0];
    return row ? (JSON.parse(row.settings) as DeploymentSettings) : null;
  }

  getDeployment(version: string): StoredDeployment | null {
    const row = this.sql.exec<{ settings: string }>("SELECT settings FROM deployments WHERE version = ?", version).toArray()[0];
    if (!row) return null;
    return {
      version,
      code: this.getChunks(version, "code") ?? "",
      sourceMap: this.getChunks(version, "map"),
      settings: JSON.parse(row.settings) as DeploymentSettings,
    };
  }

  getSourceMap(version: string): string | null {
    return this.getChunks(version, "map");
  }

  /** The migrations stored with a deployment, or null when it has none stored (deployed before they were kept). */
  getMigrations(version: string): Migration[] | null {
    const text = this.getChunks(version, "migrations");
    return text === null ? null : (JSON.parse(text) as Migration[]);
  }

  private state(): { active_version: string | null; build_error: string | null } {
    return this.sql.exec<{ active_version: string | null; build_error: string | null }>("SELECT active_version, build_error FROM state WHERE id = 1").one();
  }

  private putChunks(version: string, part: ChunkPart, text: string): void {
    for (let seq = 0, at = 0; at < text.length || seq === 0; seq++) {
      let end = Math.min(at + CHUNK_CHARS, text.length);
      // Never split a surrogate pair: half of one does not survive the trip through UTF-8.
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
      this.sql.exec("INSERT INTO deployment_chunks (version, part, seq, data) VALUES (?, ?, ?, ?)", version, part, seq, text.slice(at, end));
      at = end;
    }
  }

  private getChunks(version: string, part: ChunkPart): string | null {
    const rows = this.sql.exec<{ data: string }>("SELECT data FROM deployment_chunks WHERE version = ? AND part = ? ORDER BY seq", version, part).toArray();
    return rows.length === 0 ? null : rows.map((r) => r.data).join("");
  }

  // ── secrets ─────────────────────────────────────────────────────────────────────────────────────────────────

  // Objects do not know their own name, so callers pass the tenant: it binds each envelope to it (AAD).
  private secrets(tenant: string): SecretTable {
    return new SecretTable(this.ctx.storage, this.env.AEROSTACK_MASTER_KEY, (name) => secretAad(tenant, name), () => this.bumpSecrets());
  }

  /** `aerostack dev`: replaces the whole set from `.dev.vars` and the environment. */
  async replaceSecrets(tenant: string, values: Record<string, string>): Promise<{ names: string[]; rev: number }> {
    const names = await this.secrets(tenant).replaceAll(values);
    return { names, rev: this.getActive().secretsRev };
  }

  /** `aerostack secret put`: one value, live for the next request (a new isolate, keyed by the new revision). */
  putSecret(tenant: string, name: string, value: string): Promise<SecretInfoRow> {
    return this.secrets(tenant).put(name, value);
  }

  deleteSecret(name: string): boolean {
    // Deleting needs no key: the table's AAD is never used for it.
    return this.secrets("").delete(name);
  }

  listSecrets(): SecretInfoRow[] {
    return this.secrets("").list();
  }

  secretNames(): string[] {
    return this.listSecrets().map((s) => s.name);
  }

  getSecrets(tenant: string): Promise<Record<string, string>> {
    return this.secrets(tenant).values();
  }

  /** The state a hosted MCP session's isolate handed the platform (see isolates/mcp-sessions.ts), or null. */
  mcpSessionState(id: string): string | null {
    return this.sql.exec<{ state: string }>("SELECT state FROM mcp_sessions WHERE id = ?", id).toArray()[0]?.state ?? null;
  }

  rememberMcpSession(id: string, state: string): void {
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO mcp_sessions (id, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
        id,
        state,
        Date.now(),
      );
      this.sql.exec(
        "DELETE FROM mcp_sessions WHERE id IN (SELECT id FROM mcp_sessions ORDER BY updated_at DESC LIMIT -1 OFFSET ?)",
        MAX_MCP_SESSIONS,
      );
    });
  }

  forgetMcpSession(id: string): void {
    this.sql.exec("DELETE FROM mcp_sessions WHERE id = ?", id);
  }

  private bumpSecrets(): number {
    this.sql.exec("UPDATE state SET secrets_rev = secrets_rev + 1, updated_at = ? WHERE id = 1", Date.now());
    return this.sql.exec<{ secrets_rev: number }>("SELECT secrets_rev FROM state WHERE id = 1").one().secrets_rev;
  }
}

/** Secrets are sealed to their tenant and name, so an envelope copied to another row or object does not open. */
const secretAad = (tenant: string, name: string) => `project|${tenant}|${name}`;

/** The store of one tenant (`project` in dev, `account.project.env` on the platform). */
export function projectStore(env: PlatformEnv, tenant: string): DurableObjectStub<ProjectStore> {
  return env.PROJECT_STORE.get(env.PROJECT_STORE.idFromName(tenant));
}
