/**
 * ControlPlane: which workspaces compose which deployed project, so a redeploy can tell those workspaces' open
 * sessions to list again. Written when a workspace's members change and read when a project deploys: never on a
 * request's path.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import { migrateSchema, type SchemaMigration } from "./schema";
import { workspaceObject } from "../workspaces/workspace";

const MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: "workspace members by project",
    sql: `CREATE TABLE workspace_projects (workspace TEXT NOT NULL, project TEXT NOT NULL, PRIMARY KEY (workspace, project));
          CREATE INDEX workspace_projects_project ON workspace_projects (project);`,
  },
];

export class ControlPlane extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // Workspaces lived here before they had objects of their own; those tables are simply left unused.
    migrateSchema(ctx.storage, MIGRATIONS);
  }

  /** The deployed projects (tenants) a workspace composes now, replacing what it composed before. */
  indexWorkspace(workspace: string, projects: string[]): void {
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM workspace_projects WHERE workspace = ?", workspace);
      for (const project of new Set(projects)) this.sql.exec("INSERT INTO workspace_projects (workspace, project) VALUES (?, ?)", workspace, project);
    });
  }

  /** A project (tenant) now serves another version: workspaces composing it tell their open sessions. */
  projectDeployed(project: string): void {
    const workspaces = this.sql.exec<{ workspace: string }>("SELECT workspace FROM workspace_projects WHERE project = ?", project).toArray();
    for (const { workspace } of workspaces) this.ctx.waitUntil(workspaceObject(this.env, workspace).notifyStreams().catch(() => {}));
  }
}

/** The one index for the platform: read on deploys and written on member changes, never on a request's path. */
export function controlPlane(env: PlatformEnv): DurableObjectStub<ControlPlane> {
  return env.CONTROL.get(env.CONTROL.idFromName("control"));
}
