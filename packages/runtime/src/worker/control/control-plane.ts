/** ControlPlane: the SQLite Durable Object holding deployments and each project's active version. */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import type { DeploymentSettings } from "../../shared/protocol";

export interface ActiveDeployment {
  version: string | null;
  buildError: string | null;
  settings: DeploymentSettings | null;
}

export interface StoredDeployment {
  version: string;
  code: string;
  sourceMap: string | null;
  settings: DeploymentSettings;
}

/** How many old deployments of a project are kept for rollback; every dev save is a deployment. */
const KEEP_DEPLOYMENTS = 5;

export class ControlPlane extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS deployments (
        project TEXT NOT NULL, version TEXT NOT NULL, code TEXT NOT NULL, source_map TEXT,
        settings TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (project, version));
      CREATE TABLE IF NOT EXISTS projects (
        project TEXT PRIMARY KEY, active_version TEXT, build_error TEXT, updated_at INTEGER NOT NULL);
    `);
  }

  /** Stores the bundle, then flips the active version in the same transaction: readers see old or new, never half. */
  deploy(project: string, deployment: StoredDeployment): { version: string; unchanged: boolean } {
    return this.ctx.storage.transactionSync(() => {
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
        deployment.code,
        deployment.sourceMap,
        JSON.stringify(deployment.settings),
        now,
      );
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
      return {
        version: deployment.version,
        unchanged: current?.active_version === deployment.version && current.build_error === null,
      };
    });
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
      .exec<{ active_version: string | null; build_error: string | null; settings: string | null }>(
        `SELECT p.active_version, p.build_error, d.settings FROM projects p
         LEFT JOIN deployments d ON d.project = p.project AND d.version = p.active_version WHERE p.project = ?`,
        project,
      )
      .toArray()[0];
    if (!row) return { version: null, buildError: null, settings: null };
    return {
      version: row.active_version,
      buildError: row.build_error,
      settings: row.settings ? (JSON.parse(row.settings) as DeploymentSettings) : null,
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
    return { version, code: row.code, sourceMap: row.source_map, settings: JSON.parse(row.settings) as DeploymentSettings };
  }

  getSourceMap(project: string, version: string): string | null {
    const row = this.sql
      .exec<{ source_map: string | null }>(
        "SELECT source_map FROM deployments WHERE project = ? AND version = ?",
        project,
        version,
      )
      .toArray()[0];
    return row?.source_map ?? null;
  }
}

/** The control plane is a singleton: one SQLite database for the whole platform's deployment state. */
export function controlPlane(env: PlatformEnv): DurableObjectStub<ControlPlane> {
  return env.CONTROL.get(env.CONTROL.idFromName("control"));
}
