/** ControlPlane: the SQLite Durable Object holding workspaces (gateway config, member secrets, token hashes). */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import type { GatewayAccess, TokenRole, WorkspaceConfig } from "../../shared/gateway";
import { WORKSPACE_TABLES, WorkspaceStore } from "./workspaces";

export class ControlPlane extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;
  /** Workspaces: gateway config, member secrets, member token hashes (see ./workspaces.ts). */
  private readonly workspaces: WorkspaceStore;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
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

  /** A project (tenant) now serves another version: workspaces composing it tell their open sessions. */
  projectDeployed(project: string): void {
    const workspaces = this.workspaces.workspacesWithProject(project);
    if (workspaces.length > 0) this.ctx.waitUntil(this.notifyGateway(workspaces));
  }
}

/** The control plane is a singleton holding workspaces (per-project state lives in ProjectStore, one per tenant). */
export function controlPlane(env: PlatformEnv): DurableObjectStub<ControlPlane> {
  return env.CONTROL.get(env.CONTROL.idFromName("control"));
}
