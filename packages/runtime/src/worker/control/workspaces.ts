/**
 * Workspaces in the control plane's SQLite: each workspace's gateway config, its members' secrets (sealed), its
 * member tokens (SHA-256 hashes only) and the gateway sessions with an open event stream (told when members change).
 * The ControlPlane Durable Object owns the tables and delegates here.
 */
import type { GatewayAccess, TokenRole, WorkspaceConfig } from "../../shared/gateway";
import { open, seal, type SecretEnvelope } from "../secrets/envelope";

export const WORKSPACE_TABLES = `
  CREATE TABLE IF NOT EXISTS workspaces (
    slug TEXT PRIMARY KEY, config TEXT NOT NULL, rev INTEGER NOT NULL, updated_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS workspace_secrets (
    workspace TEXT NOT NULL, member TEXT NOT NULL, name TEXT NOT NULL, envelope TEXT NOT NULL,
    PRIMARY KEY (workspace, member, name));
  CREATE TABLE IF NOT EXISTS workspace_tokens (
    hash TEXT PRIMARY KEY, workspace TEXT NOT NULL, role TEXT NOT NULL, label TEXT NOT NULL, created_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS workspace_streams (
    workspace TEXT NOT NULL, session TEXT NOT NULL, since INTEGER NOT NULL, PRIMARY KEY (workspace, session));
`;

/** Secrets are sealed to their workspace, member and name: an envelope copied to another row does not open. */
const workspaceSecretAad = (workspace: string, member: string, name: string) => `workspace|${workspace}|${member}|${name}`;

export class WorkspaceStore {
  constructor(
    private readonly sql: SqlStorage,
    private readonly storage: DurableObjectStorage,
    private readonly masterKey: string,
  ) {}

  /** Replaces the workspace's config and secrets in one transaction and bumps its revision (gateway caches key on it). */
  async put(
    workspace: string,
    config: WorkspaceConfig,
    secrets: Record<string, Record<string, string>>,
  ): Promise<{ rev: number; members: string[]; secrets: Record<string, string[]>; changed: boolean }> {
    const sealed: [string, string, SecretEnvelope][] = [];
    for (const [member, values] of Object.entries(secrets)) {
      for (const [name, value] of Object.entries(values)) {
        sealed.push([member, name, await seal(this.masterKey, workspaceSecretAad(workspace, member, name), value)]);
      }
    }
    return this.storage.transactionSync(() => {
      const before = this.sql.exec<{ config: string }>("SELECT config FROM workspaces WHERE slug = ?", workspace).toArray()[0]?.config;
      this.sql.exec(
        `INSERT INTO workspaces (slug, config, rev, updated_at) VALUES (?, ?, 1, ?)
         ON CONFLICT (slug) DO UPDATE SET config = excluded.config, rev = rev + 1, updated_at = excluded.updated_at`,
        workspace,
        JSON.stringify(config),
        Date.now(),
      );
      this.sql.exec("DELETE FROM workspace_secrets WHERE workspace = ?", workspace);
      for (const [member, name, envelope] of sealed) {
        this.sql.exec(
          "INSERT INTO workspace_secrets (workspace, member, name, envelope) VALUES (?, ?, ?, ?)",
          workspace,
          member,
          name,
          JSON.stringify(envelope),
        );
      }
      const rev = this.sql.exec<{ rev: number }>("SELECT rev FROM workspaces WHERE slug = ?", workspace).one().rev;
      const names: Record<string, string[]> = {};
      for (const [member, name] of sealed) (names[member] ??= []).push(name);
      // `changed`: what a client lists may differ (sessions get list_changed); a secrets-only push changes nothing listed.
      return { rev, members: config.members.map((m) => m.slug), secrets: names, changed: before !== JSON.stringify(config) };
    });
  }

  /** Replaces the workspace's tokens. Only hashes arrive here; the tokens themselves never reach the platform. */
  putTokens(workspace: string, tokens: { hash: string; role: TokenRole; label: string }[]): { count: number } {
    return this.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM workspace_tokens WHERE workspace = ?", workspace);
      const now = Date.now();
      for (const t of tokens) {
        this.sql.exec(
          `INSERT INTO workspace_tokens (hash, workspace, role, label, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (hash) DO UPDATE SET workspace = excluded.workspace, role = excluded.role, label = excluded.label`,
          t.hash,
          workspace,
          t.role,
          t.label,
          now,
        );
      }
      return { count: tokens.length };
    });
  }

  /**
   * One lookup per gateway request (so a revoked token stops working on the next one). The config travels only when
   * the caller's cached revision is stale.
   */
  access(workspace: string, tokenHash: string, knownRev: number): GatewayAccess {
    const ws = this.sql
      .exec<{ config: string; rev: number }>("SELECT config, rev FROM workspaces WHERE slug = ?", workspace)
      .toArray()[0];
    if (!ws) return { status: "no-workspace" };
    const token = this.sql
      .exec<{ role: TokenRole }>("SELECT role FROM workspace_tokens WHERE hash = ? AND workspace = ?", tokenHash, workspace)
      .toArray()[0];
    if (!token) return { status: "bad-token" };
    if (ws.rev === knownRev) return { status: "ok", rev: ws.rev, role: token.role };
    return { status: "ok", rev: ws.rev, role: token.role, config: JSON.parse(ws.config) as WorkspaceConfig };
  }

  /** Decrypted values per member, for the gateway's upstream headers only. */
  async secrets(workspace: string): Promise<{ rev: number; secrets: Record<string, Record<string, string>> }> {
    const rev = this.sql.exec<{ rev: number }>("SELECT rev FROM workspaces WHERE slug = ?", workspace).toArray()[0]?.rev ?? 0;
    const rows = this.sql
      .exec<{ member: string; name: string; envelope: string }>(
        "SELECT member, name, envelope FROM workspace_secrets WHERE workspace = ?",
        workspace,
      )
      .toArray();
    const out: Record<string, Record<string, string>> = {};
    for (const row of rows) {
      const value = await open(this.masterKey, workspaceSecretAad(workspace, row.member, row.name), JSON.parse(row.envelope) as SecretEnvelope);
      // Sealed under another master key: unreadable, so treated as unset (the gateway names the missing secret).
      if (value !== null) (out[row.member] ??= {})[row.name] = value;
    }
    return { rev, secrets: out };
  }

  /** A gateway session opened an event stream: it hears about member changes until it closes it. */
  watch(workspace: string, session: string): void {
    this.sql.exec(
      "INSERT INTO workspace_streams (workspace, session, since) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET since = excluded.since",
      workspace,
      session,
      Date.now(),
    );
  }

  unwatch(workspace: string, session: string): void {
    this.sql.exec("DELETE FROM workspace_streams WHERE workspace = ? AND session = ?", workspace, session);
  }

  /** The sessions (Durable Object names) listening on `workspace`. */
  streams(workspace: string): string[] {
    return this.sql.exec<{ session: string }>("SELECT session FROM workspace_streams WHERE workspace = ?", workspace).toArray().map((r) => r.session);
  }

  /** Workspaces with `project` as a member: a new deployment of it may change what they list. */
  workspacesWithProject(project: string): string[] {
    return this.sql
      .exec<{ slug: string; config: string }>("SELECT slug, config FROM workspaces")
      .toArray()
      .filter((row) => (JSON.parse(row.config) as WorkspaceConfig).members.some((m) => m.kind === "project" && m.project === project))
      .map((row) => row.slug);
  }
}
