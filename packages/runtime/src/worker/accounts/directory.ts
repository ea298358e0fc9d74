/**
 * Directory: the platform's accounts, their keys (SHA-256 hashes only), their projects and environments, and the
 * audit log. Consulted by API calls only: a project's own requests never wait on it.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import { migrateSchema, type SchemaMigration } from "../control/schema";

export interface Caller {
  account: string;
  admin: boolean;
  keyId: string;
  keyName: string;
  /** Set when the caller is a workspace's admin member token: it may manage that workspace only. */
  workspace?: string;
}

export interface AccountRow {
  name: string;
  admin: boolean;
  createdAt: number;
}

export interface KeyRow {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface EnvRow {
  env: string;
  activeVersion: string | null;
  updatedAt: number;
}

export interface ProjectRow {
  name: string;
  createdAt: number;
  envs: EnvRow[];
}

export interface AuditRow {
  id: number;
  ts: number;
  account: string;
  by: string | null;
  action: string;
  target: string;
}

const MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: "accounts, keys, projects, audit",
    sql: `
      CREATE TABLE accounts (name TEXT PRIMARY KEY, admin INTEGER NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE keys (
        id TEXT PRIMARY KEY, account TEXT NOT NULL REFERENCES accounts (name), name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL, last_used_at INTEGER, revoked_at INTEGER);
      CREATE TABLE projects (
        account TEXT NOT NULL REFERENCES accounts (name), name TEXT NOT NULL, created_at INTEGER NOT NULL,
        PRIMARY KEY (account, name));
      CREATE TABLE project_envs (
        account TEXT NOT NULL, project TEXT NOT NULL, env TEXT NOT NULL, active_version TEXT, updated_at INTEGER NOT NULL,
        PRIMARY KEY (account, project, env));
      CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, account TEXT NOT NULL, by TEXT, action TEXT NOT NULL,
        target TEXT NOT NULL);
      CREATE INDEX audit_account ON audit (account, id);
    `,
  },
  {
    version: 2,
    name: "workspace slugs",
    // Slugs are unique on the platform (the gateway answers at /ws/<slug>); the registry is read when one is created.
    sql: `CREATE TABLE workspaces (slug TEXT PRIMARY KEY, account TEXT NOT NULL, created_at INTEGER NOT NULL);`,
  },
  {
    version: 3,
    name: "workflow names per account",
    // Each workflow's own object knows its account; this index is what lists an account's workflows without
    // asking every workflow object on the platform.
    sql: `CREATE TABLE workflows (name TEXT PRIMARY KEY, account TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE INDEX workflows_by_account ON workflows (account, name);`,
  },
];

/** The key `aerostack dev` makes for its local account on each start (the previous one is revoked). */
/** What a key `aerostack dev` makes for its local account is for (each start replaces that purpose's key). */
export type DevKeyPurpose = "workflow commands" | "dashboard";

/** How often a key's last-used time is written: every call would make each read a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

export class Directory extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrateSchema(ctx.storage, MIGRATIONS);
  }

  /** The first start: creates the admin account with the key whose hash the host sends. False if accounts exist. */
  bootstrap(account: string, keyId: string, keyHash: string): { created: boolean } {
    return this.ctx.storage.transactionSync(() => {
      if (this.sql.exec("SELECT 1 FROM accounts LIMIT 1").toArray().length > 0) return { created: false };
      const now = Date.now();
      this.sql.exec("INSERT INTO accounts (name, admin, created_at) VALUES (?, 1, ?)", account, now);
      this.sql.exec("INSERT INTO keys (id, account, name, hash, created_at) VALUES (?, ?, ?, ?, ?)", keyId, account, "admin", keyHash, now);
      this.audit(account, null, "account.create", account);
      return { created: true };
    });
  }

  /**
   * `aerostack dev` (dev mode only, through the control API): the local account, created on first use, with this
   * start's key for one purpose (`purpose`: the workflow commands' key in the lock file, the dashboard's sign-in key).
   * That purpose's keys from earlier starts are revoked, so a key left in an old lock file, or an old dashboard
   * session, opens nothing; the other purpose's key of this start keeps working. With `workspace`, that slug (the dev
   * gateway's) is claimed for the account. Never reached on a platform: only dev's control routes call it.
   */
  devAccount(account: string, keyId: string, keyHash: string, purpose: DevKeyPurpose, workspace?: string): void {
    const name = `aerostack dev: ${purpose}`;
    this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      this.sql.exec("INSERT INTO accounts (name, admin, created_at) VALUES (?, 0, ?) ON CONFLICT (name) DO NOTHING", account, now);
      this.sql.exec("UPDATE keys SET revoked_at = ? WHERE account = ? AND name = ? AND revoked_at IS NULL", now, account, name);
      this.sql.exec("INSERT INTO keys (id, account, name, hash, created_at) VALUES (?, ?, ?, ?, ?)", keyId, account, name, keyHash, now);
      if (workspace !== undefined) {
        this.sql.exec("INSERT INTO workspaces (slug, account, created_at) VALUES (?, ?, ?) ON CONFLICT (slug) DO UPDATE SET account = excluded.account", workspace, account, now);
      }
    });
  }

  /** A workflow's first deploy: the account's list of workflows gains it (the name is the workflow object's claim). */
  recordWorkflow(account: string, name: string): void {
    this.sql.exec("INSERT INTO workflows (name, account, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", name, account, Date.now());
  }

  listWorkflows(account: string): string[] {
    return this.sql.exec<{ name: string }>("SELECT name FROM workflows WHERE account = ? ORDER BY name", account).toArray().map((r) => r.name);
  }

  /** The caller a key hash belongs to, or null (unknown or revoked: revocation counts from the next request). */
  authenticate(keyHash: string): Caller | null {
    const row = this.sql
      .exec<{ id: string; name: string; account: string; admin: number; last_used_at: number | null }>(
        `SELECT k.id, k.name, k.account, a.admin, k.last_used_at FROM keys k JOIN accounts a ON a.name = k.account
         WHERE k.hash = ? AND k.revoked_at IS NULL`,
        keyHash,
      )
      .toArray()[0];
    if (!row) return null;
    const now = Date.now();
    if (row.last_used_at === null || now - row.last_used_at > LAST_USED_RESOLUTION_MS) {
      this.sql.exec("UPDATE keys SET last_used_at = ? WHERE id = ?", now, row.id);
    }
    return { account: row.account, admin: row.admin === 1, keyId: row.id, keyName: row.name };
  }

  createAccount(name: string, keyId: string, keyHash: string, by: Caller): AccountRow | null {
    return this.ctx.storage.transactionSync(() => {
      if (this.sql.exec("SELECT 1 FROM accounts WHERE name = ?", name).toArray().length > 0) return null;
      const now = Date.now();
      this.sql.exec("INSERT INTO accounts (name, admin, created_at) VALUES (?, 0, ?)", name, now);
      this.sql.exec("INSERT INTO keys (id, account, name, hash, created_at) VALUES (?, ?, ?, ?, ?)", keyId, name, "default", keyHash, now);
      this.audit(by.account, by.keyName, "account.create", name);
      this.audit(name, by.keyName, "account.create", name);
      return { name, admin: false, createdAt: now };
    });
  }

  listAccounts(): AccountRow[] {
    return this.sql
      .exec<{ name: string; admin: number; created_at: number }>("SELECT name, admin, created_at FROM accounts ORDER BY name")
      .toArray()
      .map((r) => ({ name: r.name, admin: r.admin === 1, createdAt: r.created_at }));
  }

  createKey(by: Caller, keyId: string, name: string, keyHash: string): KeyRow {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("INSERT INTO keys (id, account, name, hash, created_at) VALUES (?, ?, ?, ?, ?)", keyId, by.account, name, keyHash, now);
      this.audit(by.account, by.keyName, "key.create", `${keyId} (${name})`);
    });
    return { id: keyId, name, createdAt: now, lastUsedAt: null, revokedAt: null };
  }

  listKeys(account: string): KeyRow[] {
    return this.sql
      .exec<{ id: string; name: string; created_at: number; last_used_at: number | null; revoked_at: number | null }>(
        "SELECT id, name, created_at, last_used_at, revoked_at FROM keys WHERE account = ? ORDER BY created_at, id",
        account,
      )
      .toArray()
      .map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at }));
  }

  /** Revokes one of the caller's own account's keys. False when the account has no such (live) key. */
  revokeKey(by: Caller, keyId: string): boolean {
    return this.ctx.storage.transactionSync(() => {
      const changed = this.sql.exec("UPDATE keys SET revoked_at = ? WHERE id = ? AND account = ? AND revoked_at IS NULL", Date.now(), keyId, by.account).rowsWritten;
      if (changed > 0) this.audit(by.account, by.keyName, "key.revoke", keyId);
      return changed > 0;
    });
  }

  /** A deploy, rollback or secret change landed: the project and environment exist, with this active version. */
  recordProject(by: Caller, project: string, env: string, activeVersion: string | null | undefined, action: string, target: string): void {
    this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      this.sql.exec("INSERT INTO projects (account, name, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", by.account, project, now);
      this.sql.exec(
        `INSERT INTO project_envs (account, project, env, active_version, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account, project, env) DO UPDATE SET updated_at = excluded.updated_at,
           active_version = CASE WHEN ? THEN excluded.active_version ELSE project_envs.active_version END`,
        by.account,
        project,
        env,
        activeVersion ?? null,
        now,
        activeVersion === undefined ? 0 : 1,
      );
      this.audit(by.account, by.keyName, action, target);
    });
  }

  /** Whether the account has this project (any environment), and which environments it has. */
  getProject(account: string, project: string): ProjectRow | null {
    return this.listProjects(account, project)[0] ?? null;
  }

  listProjects(account: string, only?: string): ProjectRow[] {
    const projects = this.sql
      .exec<{ name: string; created_at: number }>(
        `SELECT name, created_at FROM projects WHERE account = ? ${only ? "AND name = ?" : ""} ORDER BY name`,
        ...(only ? [account, only] : [account]),
      )
      .toArray();
    return projects.map((p) => ({
      name: p.name,
      createdAt: p.created_at,
      envs: this.sql
        .exec<{ env: string; active_version: string | null; updated_at: number }>(
          "SELECT env, active_version, updated_at FROM project_envs WHERE account = ? AND project = ? ORDER BY env",
          account,
          p.name,
        )
        .toArray()
        .map((e) => ({ env: e.env, activeVersion: e.active_version, updatedAt: e.updated_at })),
    }));
  }

  /** Claims a workspace slug for an account; false when another account holds it (or it is already the caller's: "exists"). */
  claimWorkspace(by: Caller, slug: string): "claimed" | "exists" | "taken" {
    return this.ctx.storage.transactionSync(() => {
      const owner = this.sql.exec<{ account: string }>("SELECT account FROM workspaces WHERE slug = ?", slug).toArray()[0]?.account;
      if (owner) return owner === by.account ? ("exists" as const) : ("taken" as const);
      this.sql.exec("INSERT INTO workspaces (slug, account, created_at) VALUES (?, ?, ?)", slug, by.account, Date.now());
      this.audit(by.account, by.keyName, "workspace.create", slug);
      return "claimed" as const;
    });
  }

  releaseWorkspace(by: Caller, slug: string): void {
    this.sql.exec("DELETE FROM workspaces WHERE slug = ? AND account = ?", slug, by.account);
    this.audit(by.account, by.keyName, "workspace.delete", slug);
  }

  /** The account that owns a workspace slug, or null. */
  workspaceOwner(slug: string): string | null {
    return this.sql.exec<{ account: string }>("SELECT account FROM workspaces WHERE slug = ?", slug).toArray()[0]?.account ?? null;
  }

  listWorkspaces(account: string): { slug: string; createdAt: number }[] {
    return this.sql
      .exec<{ slug: string; created_at: number }>("SELECT slug, created_at FROM workspaces WHERE account = ? ORDER BY slug", account)
      .toArray()
      .map((r) => ({ slug: r.slug, createdAt: r.created_at }));
  }

  /** Every mutating API call lands here: who (account and key name), what, when. */
  audit(account: string, by: string | null, action: string, target: string): void {
    this.sql.exec("INSERT INTO audit (ts, account, by, action, target) VALUES (?, ?, ?, ?, ?)", Date.now(), account, by, action, target);
  }

  listAudit(account: string, limit: number): AuditRow[] {
    return this.sql
      .exec<{ id: number; ts: number; account: string; by: string | null; action: string; target: string }>(
        "SELECT id, ts, account, by, action, target FROM audit WHERE account = ? ORDER BY id DESC LIMIT ?",
        account,
        Math.min(Math.max(limit, 1), 1000),
      )
      .toArray();
  }
}

/** One directory for the platform: accounts are few and API calls are not the hot path. */
export function directory(env: PlatformEnv): DurableObjectStub<Directory> {
  return env.DIRECTORY.get(env.DIRECTORY.idFromName("directory"));
}
