/**
 * OAuthServer: the authorization server's state in one SQLite Durable Object — registered clients, cached client ID
 * metadata documents, consent pages in progress, authorization codes, and refresh-token families. Only the OAuth
 * endpoints ask it; the gateway's hot path never does (access tokens are checked by the workspace's own object,
 * worker/workspaces/workspace.ts). Every token and code is stored as its SHA-256 hash.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import { migrateSchema, type SchemaMigration } from "../control/schema";
import { REFRESH_TOKEN_TTL_S, type OAuthClient, type OAuthGrant, type OAuthPrincipal } from "../../shared/oauth";

const MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: "clients, consent requests, codes, refresh families",
    sql: `
      CREATE TABLE clients (id TEXT PRIMARY KEY, info TEXT NOT NULL, document INTEGER NOT NULL, fetched_at INTEGER NOT NULL);
      CREATE TABLE requests (
        id TEXT PRIMARY KEY, binding TEXT NOT NULL, params TEXT NOT NULL, principal TEXT, expires_at INTEGER NOT NULL);
      CREATE TABLE codes (
        hash TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL, challenge TEXT NOT NULL,
        resource TEXT, grant_json TEXT NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER, family TEXT);
      CREATE TABLE families (
        id TEXT PRIMARY KEY, client_id TEXT NOT NULL, workspace TEXT NOT NULL, grant_json TEXT NOT NULL,
        refresh_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER);
      CREATE TABLE old_refresh (hash TEXT PRIMARY KEY, family TEXT NOT NULL);
      CREATE TABLE access (hash TEXT PRIMARY KEY, family TEXT NOT NULL, expires_at INTEGER NOT NULL);
      CREATE INDEX access_family ON access (family);
    `,
  },
];

/** The authorization request a consent page completes: kept here, so the page carries only its id. */
export interface ConsentParams {
  clientId: string;
  clientName: string;
  redirectUri: string;
  codeChallenge: string;
  /** The client's `state`, returned on the redirect unchanged. */
  state: string | null;
  /** The `resource` the client asked for (RFC 8707), when it named one: the workspace is then fixed. */
  resource: string | null;
  workspace: string | null;
}

export interface CodeRecord {
  clientId: string;
  redirectUri: string;
  challenge: string;
  resource: string | null;
  grant: OAuthGrant;
}

/** What redeeming a code found: the code's record, a replay (its family to revoke), or nothing. */
export type Redeemed = { status: "ok"; code: CodeRecord } | { status: "replayed"; family: string | null; workspace: string } | { status: "invalid" };

/** What presenting a refresh token found: the family (rotated), a reuse (family revoked), or nothing. */
export type Refreshed = { status: "ok"; family: string; grant: OAuthGrant } | { status: "reused"; family: string; workspace: string } | { status: "invalid" };

export class OAuthServer extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrateSchema(ctx.storage, MIGRATIONS);
  }

  // ── clients ──────────────────────────────────────────────────────────────────────────────────────────────────

  registerClient(client: OAuthClient): void {
    this.sql.exec("INSERT INTO clients (id, info, document, fetched_at) VALUES (?, ?, 0, ?)", client.client_id, JSON.stringify(client), Date.now());
  }

  /** A registered client, or a document client fetched less than `maxAgeMs` ago. */
  client(id: string, maxAgeMs: number, now = Date.now()): OAuthClient | null {
    const row = this.sql.exec<{ info: string; document: number; fetched_at: number }>("SELECT info, document, fetched_at FROM clients WHERE id = ?", id).toArray()[0];
    if (!row || (row.document === 1 && now - row.fetched_at > maxAgeMs)) return null;
    return JSON.parse(row.info) as OAuthClient;
  }

  cacheDocumentClient(client: OAuthClient): void {
    this.sql.exec(
      "INSERT INTO clients (id, info, document, fetched_at) VALUES (?, ?, 1, ?) ON CONFLICT (id) DO UPDATE SET info = excluded.info, fetched_at = excluded.fetched_at WHERE document = 1",
      client.client_id,
      JSON.stringify(client),
      Date.now(),
    );
  }

  // ── consent pages ────────────────────────────────────────────────────────────────────────────────────────────

  openRequest(id: string, bindingHash: string, params: ConsentParams, expiresAt: number): void {
    const now = Date.now();
    this.sql.exec("DELETE FROM requests WHERE expires_at < ?", now);
    this.sql.exec("INSERT INTO requests (id, binding, params, expires_at) VALUES (?, ?, ?, ?)", id, bindingHash, JSON.stringify(params), expiresAt);
  }

  /** The request, only for the browser that opened it (its cookie's hash) and before it expires. */
  request(id: string, bindingHash: string, now = Date.now()): { params: ConsentParams; principal: OAuthPrincipal | null } | null {
    const row = this.sql
      .exec<{ binding: string; params: string; principal: string | null; expires_at: number }>("SELECT binding, params, principal, expires_at FROM requests WHERE id = ?", id)
      .toArray()[0];
    if (!row || row.binding !== bindingHash || row.expires_at < now) return null;
    return { params: JSON.parse(row.params) as ConsentParams, principal: row.principal ? (JSON.parse(row.principal) as OAuthPrincipal) : null };
  }

  signIn(id: string, bindingHash: string, principal: OAuthPrincipal): boolean {
    return this.sql.exec("UPDATE requests SET principal = ? WHERE id = ? AND binding = ? AND expires_at >= ?", JSON.stringify(principal), id, bindingHash, Date.now()).rowsWritten > 0;
  }

  /** Ends a consent page (allowed or denied): its id never completes anything again. */
  closeRequest(id: string, bindingHash: string): boolean {
    return this.sql.exec("DELETE FROM requests WHERE id = ? AND binding = ?", id, bindingHash).rowsWritten > 0;
  }

  // ── codes ────────────────────────────────────────────────────────────────────────────────────────────────────

  storeCode(hash: string, code: CodeRecord, expiresAt: number): void {
    this.sql.exec("DELETE FROM codes WHERE expires_at < ?", Date.now() - 86_400_000);
    this.sql.exec(
      "INSERT INTO codes (hash, client_id, redirect_uri, challenge, resource, grant_json, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      hash,
      code.clientId,
      code.redirectUri,
      code.challenge,
      code.resource,
      JSON.stringify(code.grant),
      expiresAt,
    );
  }

  /**
   * Marks the code used and returns it (the caller checks client, redirect URI and PKCE). A code already used is a
   * replay: its family is returned so what it issued is revoked (RFC 6749 §4.1.2). Kept a day after expiry for that.
   */
  redeemCode(hash: string, now = Date.now()): Redeemed {
    return this.ctx.storage.transactionSync(() => {
      const row = this.sql
        .exec<{ client_id: string; redirect_uri: string; challenge: string; resource: string | null; grant_json: string; expires_at: number; used_at: number | null; family: string | null }>(
          "SELECT * FROM codes WHERE hash = ?",
          hash,
        )
        .toArray()[0];
      if (!row) return { status: "invalid" as const };
      const grant = JSON.parse(row.grant_json) as OAuthGrant;
      if (row.used_at !== null) {
        if (row.family) this.revokeFamilyRow(row.family);
        return { status: "replayed" as const, family: row.family, workspace: grant.workspace };
      }
      this.sql.exec("UPDATE codes SET used_at = ? WHERE hash = ?", now, hash);
      if (row.expires_at < now) return { status: "invalid" as const };
      return { status: "ok" as const, code: { clientId: row.client_id, redirectUri: row.redirect_uri, challenge: row.challenge, resource: row.resource, grant } };
    });
  }

  // ── token families ───────────────────────────────────────────────────────────────────────────────────────────

  startFamily(codeHash: string, family: string, clientId: string, grant: OAuthGrant, refreshHash: string, accessHash: string, accessExpiresAt: number): void {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO families (id, client_id, workspace, grant_json, refresh_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        family,
        clientId,
        grant.workspace,
        JSON.stringify(grant),
        refreshHash,
        now,
        now + REFRESH_TOKEN_TTL_S * 1000,
      );
      this.sql.exec("UPDATE codes SET family = ? WHERE hash = ?", family, codeHash);
      this.sql.exec("INSERT INTO access (hash, family, expires_at) VALUES (?, ?, ?)", accessHash, family, accessExpiresAt);
    });
  }

  /**
   * Rotates a refresh token: the presented one becomes old, `next` the current one. Presenting an old one means it
   * leaked (the legitimate client already holds a newer one): the whole family is revoked (OAuth 2.1 §4.3.1).
   */
  refresh(hash: string, clientId: string, next: { refreshHash: string; accessHash: string; accessExpiresAt: number }, now = Date.now()): Refreshed {
    return this.ctx.storage.transactionSync(() => {
      const old = this.sql.exec<{ family: string }>("SELECT family FROM old_refresh WHERE hash = ?", hash).toArray()[0];
      if (old) {
        const workspace = this.revokeFamilyRow(old.family);
        return workspace === null ? { status: "invalid" as const } : { status: "reused" as const, family: old.family, workspace };
      }
      const row = this.sql
        .exec<{ id: string; client_id: string; grant_json: string; expires_at: number; revoked_at: number | null }>(
          "SELECT id, client_id, grant_json, expires_at, revoked_at FROM families WHERE refresh_hash = ?",
          hash,
        )
        .toArray()[0];
      if (!row || row.revoked_at !== null || row.expires_at < now || row.client_id !== clientId) return { status: "invalid" as const };
      this.sql.exec("INSERT INTO old_refresh (hash, family) VALUES (?, ?)", hash, row.id);
      this.sql.exec("UPDATE families SET refresh_hash = ?, expires_at = ? WHERE id = ?", next.refreshHash, now + REFRESH_TOKEN_TTL_S * 1000, row.id);
      this.sql.exec("DELETE FROM access WHERE family = ? AND expires_at < ?", row.id, now);
      this.sql.exec("INSERT INTO access (hash, family, expires_at) VALUES (?, ?, ?)", next.accessHash, row.id, next.accessExpiresAt);
      return { status: "ok" as const, family: row.id, grant: JSON.parse(row.grant_json) as OAuthGrant };
    });
  }

  /** RFC 7009: the family an access or refresh token (current or old) belongs to, revoked; null when none. */
  revokeToken(hash: string): { family: string; workspace: string } | null {
    return this.ctx.storage.transactionSync(() => {
      const family =
        this.sql.exec<{ family: string }>("SELECT family FROM access WHERE hash = ?", hash).toArray()[0]?.family ??
        this.sql.exec<{ family: string }>("SELECT family FROM old_refresh WHERE hash = ?", hash).toArray()[0]?.family ??
        this.sql.exec<{ id: string }>("SELECT id FROM families WHERE refresh_hash = ?", hash).toArray()[0]?.id;
      if (!family) return null;
      const workspace = this.revokeFamilyRow(family);
      return workspace === null ? null : { family, workspace };
    });
  }

  revokeFamily(family: string): void {
    this.revokeFamilyRow(family);
  }

  /** Marks a family revoked; its workspace (whose object holds the access tokens to revoke too), or null. */
  private revokeFamilyRow(family: string): string | null {
    const row = this.sql.exec<{ workspace: string }>("SELECT workspace FROM families WHERE id = ?", family).toArray()[0];
    if (!row) return null;
    this.sql.exec("UPDATE families SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?", Date.now(), family);
    return row.workspace;
  }
}

/** The platform's one authorization server object (the OAuth endpoints only; never a gateway request). */
export function oauthServer(env: PlatformEnv): DurableObjectStub<OAuthServer> {
  return env.OAUTH.get(env.OAUTH.idFromName("oauth"));
}
