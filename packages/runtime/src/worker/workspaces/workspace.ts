/**
 * Workspace: one SQLite Durable Object per workspace slug holding everything its gateway needs on the hot path —
 * members, sealed secrets, member-token hashes, rate-limit counters — and its call log. No gateway request waits on an
 * object other workspaces use.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import { controlPlane } from "../control/control-plane";
import { migrateSchema, type SchemaMigration } from "../control/schema";
import { SecretTable, type SecretInfoRow } from "../secrets/secret-table";
import { SESSION_TABLE_SQL, SessionTable, type SessionRecord } from "./session-table";
import { RateWindows, type RateState } from "./rate-windows";
import { sessionObject } from "../gateway/session";
import type { Member, WorkspaceConfig } from "../../shared/gateway";
import {
  MAX_LOGGED_ARGUMENT_CHARS,
  WorkspaceSettingsSchema,
  type Analytics,
  type CallRecord,
  type Timeline,
  type TimelineSeries,
  type UsageRow,
  type WorkspaceRole,
  type WorkspaceSettings,
} from "../../shared/workspaces";

/** Latency bins of call_hist: bin b holds latencies up to LATENCY_BIN_RATIO^b ms (2^(1/4): four bins per doubling). */
const LATENCY_BIN_RATIO = 1.189207115002721;
const LATENCY_BINS = 100;
/** Upper bounds, computed by the same repeated product as the migration's SQL, so both sides agree on every edge. */
const BIN_UPPER: number[] = [];
for (let b = 0, upper = 1; b < LATENCY_BINS; b++, upper *= LATENCY_BIN_RATIO) BIN_UPPER.push(upper);

function latencyBin(ms: number): number {
  let lo = 0;
  let hi = LATENCY_BINS - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (BIN_UPPER[mid]! >= ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Nearest-rank percentile of a histogram, as the upper bound of the bin it falls in (so at most ~19% high). */
function histPercentile(hist: Float64Array, total: number, p: number): number {
  if (total === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (let bin = 0; bin < hist.length; bin++) {
    seen += hist[bin]!;
    if (seen >= rank) return Math.round(BIN_UPPER[bin]!);
  }
  return 0;
}

const MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: "workspace, members, secrets, tokens, rate windows, calls",
    sql: `
      CREATE TABLE meta (
        id INTEGER PRIMARY KEY CHECK (id = 1), slug TEXT NOT NULL, account TEXT NOT NULL, created_at INTEGER NOT NULL,
        rev INTEGER NOT NULL, settings TEXT NOT NULL, timeout_ms INTEGER, call_timeout_ms INTEGER);
      CREATE TABLE members (
        slug TEXT PRIMARY KEY, position INTEGER NOT NULL, spec TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1,
        disabled_tools TEXT NOT NULL DEFAULT '[]');
      CREATE TABLE secrets (name TEXT PRIMARY KEY, envelope TEXT NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE tokens (
        id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL, created_at INTEGER NOT NULL,
        expires_at INTEGER, tools TEXT, revoked_at INTEGER, last_used_at INTEGER);
      CREATE TABLE rate_hits (token_id TEXT NOT NULL, ts INTEGER NOT NULL);
      CREATE INDEX rate_hits_token ON rate_hits (token_id, ts);
      CREATE TABLE calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, token_id TEXT, token_name TEXT, method TEXT NOT NULL,
        member TEXT, tool TEXT, latency_ms INTEGER NOT NULL, outcome TEXT NOT NULL, error_class TEXT, arguments TEXT);
      CREATE INDEX calls_ts ON calls (ts);
      CREATE TABLE streams (session TEXT PRIMARY KEY, since INTEGER NOT NULL);
    `,
  },
  {
    version: 2,
    name: "rate limit as two counters per token",
    // A log of every request made the check O(limit): a workspace allowing 100,000 a minute slowed with each one.
    sql: `
      DROP TABLE rate_hits;
      CREATE TABLE rate_windows (token_id TEXT PRIMARY KEY, window_start INTEGER NOT NULL, count INTEGER NOT NULL, previous INTEGER NOT NULL);
    `,
  },
  {
    version: 3,
    name: "gateway sessions as rows of their workspace",
    // One SQLite object per session left a file per initialize on disk for a day (see session-table.ts).
    sql: SESSION_TABLE_SQL,
  },
  {
    version: 4,
    name: "OAuth access tokens",
    // Beside member tokens, so the gateway's one call per request checks either (worker/oauth/).
    sql: `
      CREATE TABLE oauth_access (
        hash TEXT PRIMARY KEY, family TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL, tools TEXT, parent TEXT,
        expires_at INTEGER NOT NULL, revoked_at INTEGER);
      CREATE INDEX oauth_access_family ON oauth_access (family);
    `,
  },
  {
    version: 5,
    name: "hourly latency histograms of tools/call for the dashboard's analytics",
    // Analytics over a million logged calls cannot read every row each time: one row per hour, member and tool with
    // its calls, errors and a latency histogram (a flat JSON array [bin, count, bin, count, …], bins ~19% wide, see LATENCY_BIN_RATIO) answers
    // calls, error rate and p50/p95 over time from a few thousand rows. Filled from the existing log here, then by
    // recordCalls.
    sql: `
      CREATE TABLE call_hist (
        hour INTEGER NOT NULL, member TEXT NOT NULL, tool TEXT NOT NULL, calls INTEGER NOT NULL, errors INTEGER NOT NULL,
        hist TEXT NOT NULL, PRIMARY KEY (hour, member, tool)) WITHOUT ROWID;
      CREATE TABLE latency_bins AS
        WITH RECURSIVE b(bin, upper) AS (SELECT 0, 1.0 UNION ALL SELECT bin + 1, upper * ${LATENCY_BIN_RATIO} FROM b WHERE bin < ${LATENCY_BINS - 1})
        SELECT bin, upper FROM b;
      INSERT INTO call_hist (hour, member, tool, calls, errors, hist)
        SELECT hour, member, tool, sum(n), sum(e), '[' || group_concat(bin || ',' || n) || ']' FROM (
          SELECT c.ts / 3600000 AS hour, coalesce(c.member, '') AS member, coalesce(c.tool, '') AS tool,
            coalesce((SELECT min(bin) FROM latency_bins WHERE upper >= c.latency_ms), ${LATENCY_BINS - 1}) AS bin,
            count(*) AS n, sum(c.outcome != 'ok') AS e
          FROM calls c WHERE c.method = 'tools/call' GROUP BY 1, 2, 3, 4)
        GROUP BY hour, member, tool;
      DROP TABLE latency_bins;
    `,
  },
  {
    version: 6,
    name: "the rug-pull guard's tool fingerprints of proxied members",
    // Per proxied member and tool: the fingerprint as first seen or last accepted, and a changed one awaiting an
    // admin (gateway/tool-guard.ts). Definitions are kept so an admin sees what changed.
    sql: `
      CREATE TABLE tool_pins (
        member TEXT NOT NULL, tool TEXT NOT NULL, hash TEXT NOT NULL, definition TEXT NOT NULL, accepted_at INTEGER NOT NULL,
        changed_hash TEXT, changed_definition TEXT, changed_at INTEGER, PRIMARY KEY (member, tool)) WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    name: "hourly latency histograms of tools/call per token, for the exact analytics",
    // `aerostack analytics` (GET …/analytics) also reports per token: beside call_hist, one row per hour and token
    // name, so that report too reads a few thousand rows instead of every call. Filled from the log as version 5 was.
    sql: `
      CREATE TABLE call_token_hist (
        hour INTEGER NOT NULL, token TEXT NOT NULL, calls INTEGER NOT NULL, errors INTEGER NOT NULL, hist TEXT NOT NULL,
        PRIMARY KEY (hour, token)) WITHOUT ROWID;
      CREATE TABLE latency_bins AS
        WITH RECURSIVE b(bin, upper) AS (SELECT 0, 1.0 UNION ALL SELECT bin + 1, upper * ${LATENCY_BIN_RATIO} FROM b WHERE bin < ${LATENCY_BINS - 1})
        SELECT bin, upper FROM b;
      INSERT INTO call_token_hist (hour, token, calls, errors, hist)
        SELECT hour, token, sum(n), sum(e), '[' || group_concat(bin || ',' || n) || ']' FROM (
          SELECT c.ts / 3600000 AS hour, coalesce(c.token_name, '') AS token,
            coalesce((SELECT min(bin) FROM latency_bins WHERE upper >= c.latency_ms), ${LATENCY_BINS - 1}) AS bin,
            count(*) AS n, sum(c.outcome != 'ok') AS e
          FROM calls c WHERE c.method = 'tools/call' GROUP BY 1, 2, 3)
        GROUP BY hour, token;
      DROP TABLE latency_bins;
    `,
  },
];

/** How often a token's last-used time is written (not every call: that would turn each read into a write). */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface TokenRow {
  id: string;
  name: string;
  role: WorkspaceRole;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
  tools: string[] | null;
}

export interface MemberRow {
  member: Member;
  enabled: boolean;
  disabledTools: string[];
}

/** A proxied member's tool withheld by the rug-pull guard: its definition as accepted and as it reads now. */
export interface ChangedToolRow {
  tool: string;
  changedAt: number;
  /** Canonical JSON of the definitions (strings: RPC keeps no `unknown`). */
  before: string;
  after: string;
}

/** What the gateway learns per request: who is calling and, when its cached revision is stale, the config. */
export type WorkspaceAccess =
  | {
      status: "ok";
      rev: number;
      token: { id: string; name: string; role: WorkspaceRole; tools: string[] | null };
      rate: RateState;
      /** The enabled members and, per member, its switched-off tools; only when `knownRev` is stale. */
      config?: WorkspaceConfig;
      disabledTools?: Record<string, string[]>;
      /** Per proxied member, its tools' accepted fingerprints (gateway/tool-guard.ts); with `config`. */
      toolPins?: Record<string, Record<string, string>>;
      /** The session the request named or opened (null when it named none). */
      session: SessionRecord | null;
    }
  | { status: "no-workspace" }
  | { status: "bad-token" }
  | { status: "expired" }
  | { status: "no-session" }
  | { status: "rate-limited"; rate: RateState };

/** What a gateway request says of its session: none yet, one it names, or one its initialize opens. */
export type SessionAsk = { none: true } | { id: string } | { open: SessionRecord };

export type { RateState, SessionRecord };

interface TokenEntry {
  id: string;
  name: string;
  role: WorkspaceRole;
  expiresAt: number | null;
  revokedAt: number | null;
  tools: string[] | null;
  lastUsedAt: number | null;
}

type MetaRow = { slug: string; account: string; created_at: number; rev: number; settings: string; timeout_ms: number | null; call_timeout_ms: number | null };

/** What a member's tool pins are of: a proxied server's URL (another URL is another server, seen anew). */
const urlOf = (m: Member): string | null => (m.kind === "proxy" ? m.url : null);

/** Secrets are sealed to their workspace and name: an envelope copied elsewhere does not open. */
const secretAad = (workspace: string, name: string) => `workspace|${workspace}|${name}`;

export class Workspace extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;
  private readonly sessions: SessionTable;
  private readonly rates: RateWindows;
  // Caches of the gateway's hot path, correct when empty: every write to meta or tokens goes through this object and
  // empties them (forgetCached).
  private metaRow: MetaRow | null | undefined;
  private settingsCache: WorkspaceSettings | undefined;
  private readonly tokenCache = new Map<string, TokenEntry | null>();

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrateSchema(ctx.storage, MIGRATIONS);
    this.sessions = new SessionTable(ctx.storage);
    this.rates = new RateWindows(ctx.storage);
  }

  private meta(): MetaRow | undefined {
    if (this.metaRow === undefined) this.metaRow = this.sql.exec<MetaRow>("SELECT * FROM meta WHERE id = 1").toArray()[0] ?? null;
    return this.metaRow ?? undefined;
  }

  private settings(meta: MetaRow): WorkspaceSettings {
    return (this.settingsCache ??= JSON.parse(meta.settings) as WorkspaceSettings);
  }

  private forgetCached(): void {
    this.metaRow = undefined;
    this.settingsCache = undefined;
    this.tokenCache.clear();
  }

  private bump(): number {
    this.sql.exec("UPDATE meta SET rev = rev + 1 WHERE id = 1");
    this.forgetCached();
    return this.sql.exec<{ rev: number }>("SELECT rev FROM meta WHERE id = 1").one().rev;
  }

  /**
   * The members changed: the index of composed projects follows (so their redeploys reach us), and open sessions
   * are told to list again. After the transaction, in the background.
   */
  private membersChanged(): void {
    const slug = this.meta()?.slug;
    if (!slug) return;
    const projects = this.memberRows().flatMap((r) => (r.member.kind === "project" ? [r.member.project] : []));
    this.ctx.waitUntil(controlPlane(this.env).indexWorkspace(slug, projects).catch(() => {}));
    this.ctx.waitUntil(this.notifyStreams());
  }

  /** Tells each session streaming from this workspace that its lists may read differently; forgets closed ones. */
  async notifyStreams(): Promise<void> {
    const slug = this.meta()?.slug;
    if (!slug) return;
    await Promise.all(
      this.streams().map(async (sessionId) => {
        const open = await sessionObject(this.env, slug, sessionId)
          .membersChanged(sessionId)
          .catch(() => false);
        if (!open) this.unwatch(sessionId);
      }),
    );
  }

  // ── lifecycle ────────────────────────────────────────────────────────────────────────────────────────────────

  /** Creates the workspace (idempotent for the same account). False when another account holds the slug's object. */
  create(slug: string, account: string, settings: Partial<WorkspaceSettings> = {}): boolean {
    return this.ctx.storage.transactionSync(() => {
      const existing = this.meta();
      if (existing) return existing.account === account;
      const full = WorkspaceSettingsSchema.parse(named(settings));
      this.sql.exec("INSERT INTO meta (id, slug, account, created_at, rev, settings) VALUES (1, ?, ?, ?, 1, ?)", slug, account, Date.now(), JSON.stringify(full));
      this.forgetCached();
      return true;
    });
  }

  info(): {
    slug: string;
    account: string;
    createdAt: number;
    rev: number;
    settings: WorkspaceSettings;
    members: MemberRow[];
    changedTools: Record<string, ChangedToolRow[]>;
  } | null {
    const meta = this.meta();
    if (!meta) return null;
    return {
      slug: meta.slug,
      account: meta.account,
      createdAt: meta.created_at,
      rev: meta.rev,
      settings: JSON.parse(meta.settings) as WorkspaceSettings,
      members: this.memberRows(),
      changedTools: this.changedTools(),
    };
  }

  updateSettings(settings: Partial<WorkspaceSettings>): WorkspaceSettings {
    return this.ctx.storage.transactionSync(() => {
      const meta = this.meta();
      if (!meta) throw new Error("no such workspace");
      const next = WorkspaceSettingsSchema.parse({ ...(JSON.parse(meta.settings) as WorkspaceSettings), ...named(settings) });
      this.sql.exec("UPDATE meta SET settings = ? WHERE id = 1", JSON.stringify(next));
      this.bump();
      return next;
    });
  }

  /** Deletes everything; the object is then as new (its tables made again, so the slug can be created anew). */
  async destroy(): Promise<void> {
    this.rates.flush();
    await this.ctx.storage.deleteAll();
    this.forgetCached();
    this.sessions.clear();
    this.rates.forget();
    migrateSchema(this.ctx.storage, MIGRATIONS);
  }

  // ── members ──────────────────────────────────────────────────────────────────────────────────────────────────

  private memberRows(): MemberRow[] {
    return this.sql
      .exec<{ spec: string; enabled: number; disabled_tools: string }>("SELECT spec, enabled, disabled_tools FROM members ORDER BY position, slug")
      .toArray()
      .map((r) => ({ member: JSON.parse(r.spec) as Member, enabled: r.enabled === 1, disabledTools: JSON.parse(r.disabled_tools) as string[] }));
  }

  /** Adds or replaces a member (keeping its switches); returns the new revision, so sessions hear of the change. */
  putMember(member: Member): { rev: number; added: boolean } {
    return this.ctx.storage.transactionSync(() => {
      const existing = this.sql.exec<{ position: number; spec: string }>("SELECT position, spec FROM members WHERE slug = ?", member.slug).toArray()[0];
      // Another server under the same slug is seen anew; the same server keeps what was accepted of it.
      if (existing && urlOf(JSON.parse(existing.spec) as Member) !== urlOf(member)) this.sql.exec("DELETE FROM tool_pins WHERE member = ?", member.slug);
      const position = existing?.position ?? (this.sql.exec<{ n: number | null }>("SELECT max(position) AS n FROM members").one().n ?? -1) + 1;
      this.sql.exec(
        `INSERT INTO members (slug, position, spec) VALUES (?, ?, ?) ON CONFLICT (slug) DO UPDATE SET spec = excluded.spec`,
        member.slug,
        position,
        JSON.stringify(member),
      );
      const result = { rev: this.bump(), added: !existing };
      this.membersChanged();
      return result;
    });
  }

  removeMember(slug: string): boolean {
    return this.ctx.storage.transactionSync(() => {
      const removed = this.sql.exec("DELETE FROM members WHERE slug = ?", slug).rowsWritten > 0;
      this.sql.exec("DELETE FROM tool_pins WHERE member = ?", slug);
      if (removed) {
        this.bump();
        this.membersChanged();
      }
      return removed;
    });
  }

  setMemberState(slug: string, state: { enabled?: boolean | undefined; disabledTools?: string[] | undefined }): MemberRow | null {
    return this.ctx.storage.transactionSync(() => {
      if (this.sql.exec("SELECT 1 FROM members WHERE slug = ?", slug).toArray().length === 0) return null;
      if (state.enabled !== undefined) this.sql.exec("UPDATE members SET enabled = ? WHERE slug = ?", state.enabled ? 1 : 0, slug);
      if (state.disabledTools !== undefined) this.sql.exec("UPDATE members SET disabled_tools = ? WHERE slug = ?", JSON.stringify([...new Set(state.disabledTools)].sort()), slug);
      this.bump();
      this.membersChanged();
      return this.memberRows().find((m) => m.member.slug === slug) ?? null;
    });
  }

  /**
   * `aerostack dev` and `aerostack deploy` of a workspace project: the whole member list at once (members not named
   * are removed; switches of members that stay are kept). Secrets named by the members are not touched.
   */
  replaceMembers(members: Member[], timeouts: { timeoutMs?: number; callTimeoutMs?: number } = {}): { rev: number; changed: boolean } {
    return this.ctx.storage.transactionSync(() => {
      const before = JSON.stringify(this.effectiveConfig());
      const keep = new Set(members.map((m) => m.slug));
      for (const row of this.memberRows()) {
        if (keep.has(row.member.slug)) continue;
        this.sql.exec("DELETE FROM members WHERE slug = ?", row.member.slug);
        this.sql.exec("DELETE FROM tool_pins WHERE member = ?", row.member.slug);
      }
      const specs = new Map(this.memberRows().map((r) => [r.member.slug, r.member]));
      members.forEach((member, position) => {
        const old = specs.get(member.slug);
        if (old && urlOf(old) !== urlOf(member)) this.sql.exec("DELETE FROM tool_pins WHERE member = ?", member.slug);
        this.sql.exec(
          "INSERT INTO members (slug, position, spec) VALUES (?, ?, ?) ON CONFLICT (slug) DO UPDATE SET spec = excluded.spec, position = excluded.position",
          member.slug,
          position,
          JSON.stringify(member),
        );
      });
      this.sql.exec("UPDATE meta SET timeout_ms = ?, call_timeout_ms = ? WHERE id = 1", timeouts.timeoutMs ?? null, timeouts.callTimeoutMs ?? null);
      this.forgetCached();
      const changed = before !== JSON.stringify(this.effectiveConfig());
      if (changed) this.membersChanged();
      return { rev: changed ? this.bump() : (this.meta()?.rev ?? 0), changed };
    });
  }

  // ── the rug-pull guard (gateway/tool-guard.ts) ────────────────────────────────────────────────────────────────

  /** Accepted fingerprints per member and tool: handed to the gateway with the config. */
  private toolPins(): Record<string, Record<string, string>> {
    const pins: Record<string, Record<string, string>> = {};
    for (const r of this.sql.exec<{ member: string; tool: string; hash: string }>("SELECT member, tool, hash FROM tool_pins").toArray()) (pins[r.member] ??= {})[r.tool] = r.hash;
    return pins;
  }

  /**
   * The gateway saw tools of a proxied member that its pins did not match: a tool never seen is pinned as it is
   * (first seen is accepted: the admin added the server as it was then); one that differs from its pin is flagged
   * (a call-log record the first time each change is seen) and named in the answer, to be withheld.
   */
  observeTools(slug: string, tools: { name: string; hash: string; definition: string }[], now = Date.now()): string[] {
    const withheld: string[] = [];
    const flagged: Omit<CallRecord, "id">[] = [];
    let pinned = false;
    this.ctx.storage.transactionSync(() => {
      if (this.sql.exec("SELECT 1 FROM members WHERE slug = ?", slug).toArray().length === 0) return;
      for (const t of tools.slice(0, 1000)) {
        const row = this.sql.exec<{ hash: string; changed_hash: string | null }>("SELECT hash, changed_hash FROM tool_pins WHERE member = ? AND tool = ?", slug, t.name).toArray()[0];
        if (!row) {
          this.sql.exec("INSERT INTO tool_pins (member, tool, hash, definition, accepted_at) VALUES (?, ?, ?, ?, ?)", slug, t.name, t.hash, t.definition, now);
          pinned = true;
        } else if (row.hash === t.hash) {
          // Back to what was accepted: nothing awaits review any more.
          if (row.changed_hash !== null) this.sql.exec("UPDATE tool_pins SET changed_hash = NULL, changed_definition = NULL, changed_at = NULL WHERE member = ? AND tool = ?", slug, t.name);
        } else {
          withheld.push(t.name);
          if (row.changed_hash === t.hash) continue;
          this.sql.exec("UPDATE tool_pins SET changed_hash = ?, changed_definition = ?, changed_at = ? WHERE member = ? AND tool = ?", t.hash, t.definition, now, slug, t.name);
          flagged.push({ ts: now, tokenId: null, tokenName: "rug-pull guard", method: "tools/list", member: slug, tool: t.name, latencyMs: 0, outcome: "denied", errorClass: "tool_changed" });
        }
      }
      // New pins reach the gateway with the next revision; a flag needs none (the pin it differs from is unchanged).
      if (pinned) this.bump();
    });
    if (flagged.length > 0) this.recordCalls(flagged);
    return withheld;
  }

  /** An admin accepts changed tools of a member (all, or the one named): their new definitions become the pins. */
  acceptTools(slug: string, tool?: string): { accepted: string[] } | null {
    const result = this.ctx.storage.transactionSync(() => {
      if (this.sql.exec("SELECT 1 FROM members WHERE slug = ?", slug).toArray().length === 0) return null;
      const rows = this.sql
        .exec<{ tool: string }>("SELECT tool FROM tool_pins WHERE member = ? AND changed_hash IS NOT NULL ORDER BY tool", slug)
        .toArray()
        .filter((r) => tool === undefined || r.tool === tool);
      for (const r of rows) {
        this.sql.exec(
          "UPDATE tool_pins SET hash = changed_hash, definition = changed_definition, accepted_at = ?, changed_hash = NULL, changed_definition = NULL, changed_at = NULL WHERE member = ? AND tool = ?",
          Date.now(),
          slug,
          r.tool,
        );
      }
      if (rows.length > 0) this.bump();
      return { accepted: rows.map((r) => r.tool) };
    });
    // Clients listing again now see the accepted tools.
    if (result && result.accepted.length > 0) this.ctx.waitUntil(this.notifyStreams());
    return result;
  }

  /** Per member, its tools awaiting an admin, as accepted and as they read now. */
  private changedTools(): Record<string, ChangedToolRow[]> {
    const out: Record<string, ChangedToolRow[]> = {};
    const rows = this.sql
      .exec<{ member: string; tool: string; definition: string; changed_definition: string; changed_at: number }>(
        "SELECT member, tool, definition, changed_definition, changed_at FROM tool_pins WHERE changed_hash IS NOT NULL ORDER BY member, tool",
      )
      .toArray();
    for (const r of rows) {
      (out[r.member] ??= []).push({ tool: r.tool, changedAt: r.changed_at, before: r.definition, after: r.changed_definition });
    }
    return out;
  }

  /** What the gateway serves: enabled members only, in order. */
  private effectiveConfig(): { config: WorkspaceConfig; disabledTools: Record<string, string[]>; toolPins: Record<string, Record<string, string>> } {
    const meta = this.meta();
    const rows = this.memberRows().filter((r) => r.enabled);
    return {
      config: {
        members: rows.map((r) => r.member),
        timeoutMs: meta?.timeout_ms ?? 10_000,
        callTimeoutMs: meta?.call_timeout_ms ?? 300_000,
      },
      disabledTools: Object.fromEntries(rows.filter((r) => r.disabledTools.length > 0).map((r) => [r.member.slug, r.disabledTools])),
      toolPins: this.toolPins(),
    };
  }

  // ── secrets ──────────────────────────────────────────────────────────────────────────────────────────────────

  private secrets(workspace: string): SecretTable {
    // Secret values live in the gateway's per-revision cache: a new revision makes it read them again.
    return new SecretTable(this.ctx.storage, this.env.AEROSTACK_MASTER_KEY, (name) => secretAad(workspace, name), () => void this.bump());
  }

  putSecret(workspace: string, name: string, value: string): Promise<SecretInfoRow> {
    return this.secrets(workspace).put(name, value);
  }

  /** `aerostack dev`: the secrets `.dev.vars` gives, replacing all. */
  async replaceSecrets(workspace: string, values: Record<string, string>): Promise<void> {
    await this.secrets(workspace).replaceAll(values);
  }

  deleteSecret(name: string): boolean {
    // Deleting needs no key: the table's AAD is never used for it.
    return this.secrets("").delete(name);
  }

  listSecrets(): SecretInfoRow[] {
    return this.secrets("").list();
  }

  /** Decrypted values by name, for the gateway's upstream headers only (never for an API response). */
  async secretValues(workspace: string): Promise<{ rev: number; values: Record<string, string> }> {
    const rev = this.meta()?.rev ?? 0;
    return { rev, values: await this.secrets(workspace).values() };
  }

  // ── tokens ───────────────────────────────────────────────────────────────────────────────────────────────────

  createToken(token: { id: string; hash: string; name: string; role: WorkspaceRole; expiresAt?: number | undefined; tools?: string[] | undefined }): TokenRow {
    const now = Date.now();
    this.sql.exec(
      "INSERT INTO tokens (id, hash, name, role, created_at, expires_at, tools) VALUES (?, ?, ?, ?, ?, ?, ?)",
      token.id,
      token.hash,
      token.name,
      token.role,
      now,
      token.expiresAt ?? null,
      token.tools ? JSON.stringify(token.tools) : null,
    );
    this.tokenCache.clear();
    return { id: token.id, name: token.name, role: token.role, createdAt: now, expiresAt: token.expiresAt ?? null, lastUsedAt: null, revokedAt: null, tools: token.tools ?? null };
  }

  /** `aerostack dev`: the one dev token of this start replaces any earlier one. */
  replaceTokens(tokens: { id: string; hash: string; name: string; role: WorkspaceRole }[]): void {
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM tokens");
      this.rates.clear();
      this.tokenCache.clear();
      for (const t of tokens) this.createToken(t);
    });
  }

  listTokens(): TokenRow[] {
    return this.sql
      .exec<{ id: string; name: string; role: WorkspaceRole; created_at: number; expires_at: number | null; last_used_at: number | null; revoked_at: number | null; tools: string | null }>(
        "SELECT id, name, role, created_at, expires_at, last_used_at, revoked_at, tools FROM tokens ORDER BY created_at, id",
      )
      .toArray()
      .map((r) => ({
        id: r.id,
        name: r.name,
        role: r.role,
        createdAt: r.created_at,
        expiresAt: r.expires_at,
        lastUsedAt: r.last_used_at,
        revokedAt: r.revoked_at,
        tools: r.tools ? (JSON.parse(r.tools) as string[]) : null,
      }));
  }

  revokeToken(id: string): boolean {
    this.tokenCache.clear();
    return this.sql.exec("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", Date.now(), id).rowsWritten > 0;
  }

  /**
   * The gateway's one call per request: the token's hash checked (revoked and expired refused at once), the
   * request counted against the token's rate window, the session it names looked up (or the one its initialize
   * opens recorded), and the config when the caller's cached revision is stale. Served from memory but for a new
   * session's insert: every gateway request of the workspace passes through here.
   */
  gatewayAccess(tokenHash: string, knownRev: number, session: SessionAsk, now = Date.now()): WorkspaceAccess {
    const meta = this.meta();
    if (!meta) return { status: "no-workspace" };
    const token = this.token(tokenHash);
    if (!token || token.revokedAt !== null) return { status: "bad-token" };
    if (token.expiresAt !== null && token.expiresAt <= now) return { status: "expired" };
    const rate = this.rates.count(token.id, this.settings(meta).rateLimitPerMinute, now);
    if (rate.remaining < 0) return { status: "rate-limited", rate: { ...rate, remaining: 0 } };
    if (token.lastUsedAt === null || now - token.lastUsedAt > LAST_USED_RESOLUTION_MS) {
      token.lastUsedAt = now;
      this.sql.exec("UPDATE tokens SET last_used_at = ? WHERE id = ?", now, token.id);
    }
    return this.granted(meta, knownRev, session, tokenHash, { id: token.id, name: token.name, role: token.role, tools: token.tools }, rate, now);
  }

  /**
   * The gateway's call when another workspace composes this one (worker/gateway/members.ts). No token: the composing
   * workspace's token was checked there. Here the caller is the composing workspace itself, as a principal of this
   * workspace with the role it passes on (never admin): this workspace's switched-off tools and rate limit apply to
   * it like to any token (one budget per composing workspace, shared by all its tokens).
   */
  composedAccess(composer: string, role: WorkspaceRole, knownRev: number, session: SessionAsk, now = Date.now()): WorkspaceAccess {
    const meta = this.meta();
    if (!meta) return { status: "no-workspace" };
    const id = `workspace:${composer}`;
    const rate = this.rates.count(id, this.settings(meta).rateLimitPerMinute, now);
    if (rate.remaining < 0) return { status: "rate-limited", rate: { ...rate, remaining: 0 } };
    const principal = { id, name: `workspace ${composer}`, role: role === "admin" ? ("developer" as const) : role, tools: null };
    return this.granted(meta, knownRev, session, id, principal, rate, now);
  }

  private granted(meta: MetaRow, knownRev: number, ask: SessionAsk, tokenHash: string, token: Extract<WorkspaceAccess, { status: "ok" }>["token"], rate: RateState, now: number): WorkspaceAccess {
    let session: SessionRecord | null = null;
    if ("open" in ask) {
      session = { ...ask.open, createdAt: now, lastSeen: now };
      if (ask.open.tokenHash !== tokenHash || !this.sessions.open(session, now)) return { status: "no-session" };
    } else if ("id" in ask) {
      session = this.sessions.get(ask.id, tokenHash, now);
      if (!session) return { status: "no-session" };
    }
    const base = { status: "ok" as const, rev: meta.rev, token, rate, session };
    if (meta.rev === knownRev) return base;
    return { ...base, ...this.effectiveConfig() };
  }

  /** The token by its hash, from memory after its first use (revocation and new tokens empty the cache). */
  private token(hash: string): TokenEntry | null {
    const cached = this.tokenCache.get(hash);
    if (cached !== undefined) return cached;
    const entry = this.memberToken(hash) ?? this.oauthToken(hash);
    // Unknown hashes are not kept: a stream of made-up tokens must not grow the cache.
    if (entry) this.tokenCache.set(hash, entry);
    return entry;
  }

  private memberToken(hash: string, by: "hash" | "id" = "hash"): TokenEntry | null {
    const row = this.sql
      .exec<{ id: string; name: string; role: WorkspaceRole; expires_at: number | null; revoked_at: number | null; tools: string | null; last_used_at: number | null }>(
        `SELECT id, name, role, expires_at, revoked_at, tools, last_used_at FROM tokens WHERE ${by === "id" ? "id" : "hash"} = ?`,
        hash,
      )
      .toArray()[0];
    return row
      ? { id: row.id, name: row.name, role: row.role, expiresAt: row.expires_at, revokedAt: row.revoked_at, tools: row.tools ? (JSON.parse(row.tools) as string[]) : null, lastUsedAt: row.last_used_at }
      : null;
  }

  // ── OAuth access tokens (worker/oauth/) ──────────────────────────────────────────────────────────────────────

  /**
   * An OAuth access token as the gateway sees a member token: its id is the grant's family (one rate budget per
   * grant). A grant made by pasting a member token lives only as long as that token: revoking or expiring it ends
   * the grant on the next request too.
   */
  private oauthToken(hash: string): TokenEntry | null {
    const row = this.sql
      .exec<{ family: string; name: string; role: WorkspaceRole; tools: string | null; parent: string | null; expires_at: number; revoked_at: number | null; parent_id: string | null; parent_revoked: number | null; parent_expires: number | null }>(
        `SELECT a.family, a.name, a.role, a.tools, a.parent, a.expires_at, a.revoked_at, t.id AS parent_id, t.revoked_at AS parent_revoked, t.expires_at AS parent_expires
         FROM oauth_access a LEFT JOIN tokens t ON t.id = a.parent WHERE a.hash = ?`,
        hash,
      )
      .toArray()[0];
    if (!row) return null;
    const parentGone = row.parent !== null && (row.parent_id === null || row.parent_revoked !== null);
    const expiresAt = row.parent_expires !== null ? Math.min(row.expires_at, row.parent_expires) : row.expires_at;
    // lastUsedAt far ahead: the tokens table's last-used write does not apply to a grant.
    return { id: row.family, name: row.name, role: row.role, expiresAt, revokedAt: row.revoked_at ?? (parentGone ? 0 : null), tools: row.tools ? (JSON.parse(row.tools) as string[]) : null, lastUsedAt: Number.MAX_SAFE_INTEGER };
  }

  /** Stores an access token's hash for the gateway; false when the workspace or the member token it derives from is gone. */
  issueOAuthAccess(token: { hash: string; family: string; name: string; role: WorkspaceRole; tools: string[] | null; parentTokenId: string | null; expiresAt: number }, now = Date.now()): boolean {
    if (!this.meta()) return false;
    if (token.parentTokenId !== null) {
      const parent = this.sql.exec<{ revoked_at: number | null; expires_at: number | null }>("SELECT revoked_at, expires_at FROM tokens WHERE id = ?", token.parentTokenId).toArray()[0];
      if (!parent || parent.revoked_at !== null || (parent.expires_at !== null && parent.expires_at <= now)) return false;
    }
    this.sql.exec("DELETE FROM oauth_access WHERE expires_at < ?", now - 86_400_000);
    this.sql.exec(
      "INSERT INTO oauth_access (hash, family, name, role, tools, parent, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      token.hash,
      token.family,
      token.name,
      token.role,
      token.tools ? JSON.stringify(token.tools) : null,
      token.parentTokenId,
      token.expiresAt,
    );
    return true;
  }

  /** Revokes every access token of a grant; the gateway refuses them from the next request on. */
  revokeOAuthFamily(family: string): number {
    this.tokenCache.clear();
    return this.sql.exec("UPDATE oauth_access SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL", Date.now(), family).rowsWritten;
  }

  /** A live member token of this workspace (by its hash when pasted on the consent page, by id afterwards). */
  memberGrant(ref: { hash: string } | { id: string }, now = Date.now()): { id: string; name: string; role: WorkspaceRole; tools: string[] | null } | null {
    const token = !this.meta() ? null : "hash" in ref ? this.memberToken(ref.hash) : this.memberToken(ref.id, "id");
    if (!token || token.revokedAt !== null || (token.expiresAt !== null && token.expiresAt <= now)) return null;
    return { id: token.id, name: token.name, role: token.role, tools: token.tools };
  }

  /** An admin-role member token of this workspace (live, unexpired): the API lets it manage the workspace. */
  adminAccess(tokenHash: string, now = Date.now()): { account: string; tokenId: string; tokenName: string } | null {
    const meta = this.meta();
    // Member tokens only: an OAuth access token is for the gateway (its resource), never for the API.
    const token = meta ? this.memberToken(tokenHash) : null;
    if (!meta || !token || token.revokedAt !== null || (token.expiresAt !== null && token.expiresAt <= now) || token.role !== "admin") return null;
    return { account: meta.account, tokenId: token.id, tokenName: token.name };
  }

  // ── gateway sessions ─────────────────────────────────────────────────────────────────────────────────────────

  /** A legacy session's late initialize: what its client said. */
  updateSession(sessionId: string, patch: Pick<SessionRecord, "protocolVersion" | "clientInfo" | "clientCapabilities">): SessionRecord | null {
    return this.sessions.update(sessionId, patch);
  }

  /** DELETE, a closed legacy stream: the session is gone for every later request. */
  endSession(sessionId: string): boolean {
    return this.sessions.end(sessionId);
  }

  sessionCount(): number {
    return this.sessions.count();
  }

  // ── call log ─────────────────────────────────────────────────────────────────────────────────────────────────

  recordCalls(records: Omit<CallRecord, "id">[]): void {
    if (records.length === 0) return;
    const meta = this.meta();
    if (!meta) return;
    const settings = this.settings(meta);
    const byTool = new HistBatch<[number, string, string]>();
    const byToken = new HistBatch<[number, string]>();
    this.ctx.storage.transactionSync(() => {
      for (const r of records) {
        const args = settings.logArguments && r.arguments !== undefined ? r.arguments.slice(0, MAX_LOGGED_ARGUMENT_CHARS) : null;
        this.sql.exec(
          `INSERT INTO calls (ts, token_id, token_name, method, member, tool, latency_ms, outcome, error_class, arguments)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          r.ts,
          r.tokenId,
          r.tokenName,
          r.method,
          r.member,
          r.tool,
          Math.round(r.latencyMs),
          r.outcome,
          r.errorClass,
          args,
        );
        if (r.method === "tools/call") {
          const hour = Math.floor(r.ts / 3_600_000);
          const bin = latencyBin(Math.round(r.latencyMs));
          const error = r.outcome !== "ok";
          byTool.add([hour, r.member ?? "", r.tool ?? ""], bin, error);
          byToken.add([hour, r.tokenName ?? ""], bin, error);
        }
      }
      // One read and one write per hour, member and tool (and per hour and token) of the batch, not per call.
      for (const g of byTool.groups()) {
        const [hour, member, tool] = g.key;
        const old = this.sql
          .exec<{ calls: number; errors: number; hist: string }>("SELECT calls, errors, hist FROM call_hist WHERE hour = ? AND member = ? AND tool = ?", hour, member, tool)
          .toArray()[0];
        const merged = g.merged(old);
        this.sql.exec("INSERT OR REPLACE INTO call_hist (hour, member, tool, calls, errors, hist) VALUES (?, ?, ?, ?, ?, ?)", hour, member, tool, merged.calls, merged.errors, merged.hist);
      }
      for (const g of byToken.groups()) {
        const [hour, token] = g.key;
        const old = this.sql.exec<{ calls: number; errors: number; hist: string }>("SELECT calls, errors, hist FROM call_token_hist WHERE hour = ? AND token = ?", hour, token).toArray()[0];
        const merged = g.merged(old);
        this.sql.exec("INSERT OR REPLACE INTO call_token_hist (hour, token, calls, errors, hist) VALUES (?, ?, ?, ?, ?)", hour, token, merged.calls, merged.errors, merged.hist);
      }
      const cutoff = Date.now() - settings.logRetentionDays * 86_400_000;
      this.sql.exec("DELETE FROM calls WHERE ts < ?", cutoff);
      this.sql.exec("DELETE FROM call_hist WHERE hour < ?", Math.floor(cutoff / 3_600_000));
      this.sql.exec("DELETE FROM call_token_hist WHERE hour < ?", Math.floor(cutoff / 3_600_000));
    });
  }

  callLog(options: CallLogQuery): { entries: CallRecord[]; cursor: number } {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
    const since = options.since ?? 0;
    // The dashboard's filters: each one present narrows the page (absent ones match everything).
    const where = ["ts >= ?"];
    const args: (string | number)[] = [since];
    const narrow = (clause: string, value: string | number | undefined) => {
      if (value === undefined) return;
      where.push(clause);
      args.push(value);
    };
    narrow("ts < ?", options.until);
    narrow("member = ?", options.member);
    narrow("tool = ?", options.tool);
    narrow("outcome = ?", options.outcome);
    const filter = where.join(" AND ");
    const rows =
      options.after === undefined
        ? this.sql.exec<CallRow>(`SELECT * FROM calls WHERE ${filter} ORDER BY id DESC LIMIT ?`, ...args, limit).toArray().reverse()
        : this.sql.exec<CallRow>(`SELECT * FROM calls WHERE id > ? AND ${filter} ORDER BY id LIMIT ?`, options.after, ...args, limit).toArray();
    const last = this.sql.exec<{ id: number | null }>("SELECT max(id) AS id FROM calls").one().id ?? 0;
    return { entries: rows.map(toCallRecord), cursor: rows.at(-1)?.id ?? options.after ?? last };
  }

  /**
   * Per member, per tool and per token since `since`: calls, errors, error rate, p50/p95 latency. Whole hours come
   * from the hourly histograms (call_hist, call_token_hist), the part of an hour before the first whole one from the
   * log itself (at most an hour of rows, by its ts index): counts and error rates are exact, and the percentiles are
   * the upper bound of the ~19%-wide latency bin they fall in (never below the exact value, at most one bin above).
   * A million calls cost a few thousand histogram rows, not a million log rows. (Asked from before the retention
   * cutoff, the histograms still hold the whole hour the cutoff falls in, whose older calls the log has dropped.)
   */
  analytics(since: number): Analytics {
    const firstHour = Math.ceil(since / 3_600_000);
    const total = new Usage();
    const members = new Map<string, Usage>();
    const tools = new Map<string, Usage>();
    const tokens = new Map<string, Usage>();
    const into = (map: Map<string, Usage>, key: string) => {
      let u = map.get(key);
      if (!u) map.set(key, (u = new Usage()));
      return u;
    };
    const toolKey = (member: string, tool: string) => (member && tool ? `${member}__${tool}` : tool);
    // The partial hour before the first whole one (empty when `since` is on an hour), call by call.
    const head = this.sql
      .exec<{ member: string | null; tool: string | null; token_name: string | null; latency_ms: number; outcome: string }>(
        "SELECT member, tool, token_name, latency_ms, outcome FROM calls WHERE ts >= ? AND ts < ? AND method = 'tools/call'",
        since,
        firstHour * 3_600_000,
      )
      .toArray();
    for (const r of head) {
      const bin = latencyBin(r.latency_ms);
      const error = r.outcome !== "ok" ? 1 : 0;
      total.one(bin, error);
      if (r.member) into(members, r.member).one(bin, error);
      const tool = toolKey(r.member ?? "", r.tool ?? "");
      if (tool) into(tools, tool).one(bin, error);
      if (r.token_name) into(tokens, r.token_name).one(bin, error);
    }
    for (const r of this.sql
      .exec<{ member: string; tool: string; calls: number; errors: number; hist: string }>("SELECT member, tool, calls, errors, hist FROM call_hist WHERE hour >= ?", firstHour)
      .toArray()) {
      const flat = JSON.parse(r.hist) as number[];
      total.add(r.calls, r.errors, flat);
      if (r.member) into(members, r.member).add(r.calls, r.errors, flat);
      const tool = toolKey(r.member, r.tool);
      if (tool) into(tools, tool).add(r.calls, r.errors, flat);
    }
    for (const r of this.sql
      .exec<{ token: string; calls: number; errors: number; hist: string }>("SELECT token, calls, errors, hist FROM call_token_hist WHERE hour >= ? AND token != ''", firstHour)
      .toArray()) {
      into(tokens, r.token).add(r.calls, r.errors, JSON.parse(r.hist) as number[]);
    }
    const rows = (map: Map<string, Usage>): UsageRow[] => [...map.entries()].map(([k, u]) => u.row(k)).sort((a, b) => b.calls - a.calls || a.key.localeCompare(b.key));
    return { since, total: total.row("total"), byMember: rows(members), byTool: rows(tools), byToken: rows(tokens) };
  }

  /**
   * The dashboard's analytics over time, from call_hist (never the raw log): per bucket of `bucketHours`, calls,
   * errors and p50/p95 latency in total, per member and per tool (the `limit` busiest of each).
   */
  timeline(since: number, bucketHours: number, limit = 8): Timeline {
    const fromHour = Math.floor(since / 3_600_000);
    const nowHour = Math.floor(Date.now() / 3_600_000);
    const first = Math.floor(fromHour / bucketHours) * bucketHours;
    const count = Math.max(1, Math.floor((nowHour - first) / bucketHours) + 1);
    // Dense histograms (a typed array per series: point × bin), so the loop below is plain index arithmetic.
    const series = new Map<string, { calls: number[]; errors: number[]; hists: Float64Array; all: Float64Array }>();
    const add = (key: string, slot: number, calls: number, errors: number, flat: number[]) => {
      let s = series.get(key);
      if (!s) {
        s = { calls: new Array(count).fill(0), errors: new Array(count).fill(0), hists: new Float64Array(count * LATENCY_BINS), all: new Float64Array(LATENCY_BINS) };
        series.set(key, s);
      }
      s.calls[slot] = s.calls[slot]! + calls;
      s.errors[slot] = s.errors[slot]! + errors;
      const base = slot * LATENCY_BINS;
      for (let i = 0; i < flat.length; i += 2) {
        s.hists[base + flat[i]!]! += flat[i + 1]!;
        s.all[flat[i]!]! += flat[i + 1]!;
      }
    };
    // One row per hour, member and tool: a busy week is a few thousand rows, whatever the number of calls.
    const rows = this.sql
      .exec<{ hour: number; member: string; tool: string; calls: number; errors: number; hist: string }>(
        "SELECT hour, member, tool, calls, errors, hist FROM call_hist WHERE hour >= ?",
        fromHour,
      )
      .toArray();
    for (const r of rows) {
      const slot = Math.min(count - 1, Math.max(0, Math.floor((r.hour - first) / bucketHours)));
      const flat = JSON.parse(r.hist) as number[];
      add("total", slot, r.calls, r.errors, flat);
      if (r.member) add(`m:${r.member}`, slot, r.calls, r.errors, flat);
      if (r.tool) add(`t:${r.member ? `${r.member}__${r.tool}` : r.tool}`, slot, r.calls, r.errors, flat);
    }
    const out = (key: string, label: string): TimelineSeries => {
      const s = series.get(key);
      if (!s) return { key: label, calls: new Array(count).fill(0), errors: new Array(count).fill(0), p50Ms: new Array(count).fill(0), p95Ms: new Array(count).fill(0), total: { calls: 0, errors: 0, p50Ms: 0, p95Ms: 0 } };
      const calls = s.calls.reduce((a, b) => a + b, 0);
      return {
        key: label,
        calls: s.calls,
        errors: s.errors,
        p50Ms: s.calls.map((n, i) => histPercentile(s.hists.subarray(i * LATENCY_BINS, (i + 1) * LATENCY_BINS), n, 50)),
        p95Ms: s.calls.map((n, i) => histPercentile(s.hists.subarray(i * LATENCY_BINS, (i + 1) * LATENCY_BINS), n, 95)),
        total: { calls, errors: s.errors.reduce((a, b) => a + b, 0), p50Ms: histPercentile(s.all, calls, 50), p95Ms: histPercentile(s.all, calls, 95) },
      };
    };
    const top = (prefix: string) =>
      [...series.entries()]
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, s]) => ({ k, calls: s.calls.reduce((a, b) => a + b, 0) }))
        .sort((a, b) => b.calls - a.calls || a.k.localeCompare(b.k))
        .slice(0, limit)
        .map(({ k }) => out(k, k.slice(prefix.length)));
    return {
      since: first * 3_600_000,
      bucketMs: bucketHours * 3_600_000,
      buckets: Array.from({ length: count }, (_, i) => (first + i * bucketHours) * 3_600_000),
      total: out("total", "total"),
      byMember: top("m:"),
      byTool: top("t:"),
    };
  }

  // ── sessions listening for changes ───────────────────────────────────────────────────────────────────────────

  watch(session: string): void {
    this.sql.exec("INSERT INTO streams (session, since) VALUES (?, ?) ON CONFLICT DO UPDATE SET since = excluded.since", session, Date.now());
  }

  unwatch(session: string): void {
    this.sql.exec("DELETE FROM streams WHERE session = ?", session);
  }

  streams(): string[] {
    return this.sql.exec<{ session: string }>("SELECT session FROM streams").toArray().map((r) => r.session);
  }

  /** Whether a deployed project is a member (its redeploy may change what the workspace lists). */
  hasProject(project: string): boolean {
    return this.memberRows().some((r) => r.member.kind === "project" && r.member.project === project);
  }
}

/** The settings a patch names: an absent or undefined one keeps its value (or its default). */
function named(settings: Partial<WorkspaceSettings>): Partial<WorkspaceSettings> {
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
}

export interface CallLogQuery {
  after?: number | undefined;
  since?: number | undefined;
  until?: number | undefined;
  limit?: number | undefined;
  member?: string | undefined;
  tool?: string | undefined;
  outcome?: string | undefined;
}

type CallRow = {
  id: number;
  ts: number;
  token_id: string | null;
  token_name: string | null;
  method: string;
  member: string | null;
  tool: string | null;
  latency_ms: number;
  outcome: CallRecord["outcome"];
  error_class: string | null;
  arguments: string | null;
};

function toCallRecord(r: CallRow): CallRecord {
  return {
    id: r.id,
    ts: r.ts,
    tokenId: r.token_id,
    tokenName: r.token_name,
    method: r.method,
    member: r.member,
    tool: r.tool,
    latencyMs: r.latency_ms,
    outcome: r.outcome,
    errorClass: r.error_class,
    ...(r.arguments !== null ? { arguments: r.arguments } : {}),
  };
}

/** Calls, errors and a latency histogram of one group of the exact analytics. */
class Usage {
  calls = 0;
  errors = 0;
  readonly hist = new Float64Array(LATENCY_BINS);

  one(bin: number, error: number): void {
    this.calls++;
    this.errors += error;
    this.hist[bin]!++;
  }

  add(calls: number, errors: number, flat: number[]): void {
    this.calls += calls;
    this.errors += errors;
    for (let i = 0; i < flat.length; i += 2) this.hist[flat[i]!]! += flat[i + 1]!;
  }

  row(key: string): UsageRow {
    return {
      key,
      calls: this.calls,
      errors: this.errors,
      errorRate: this.calls ? this.errors / this.calls : 0,
      p50Ms: histPercentile(this.hist, this.calls, 50),
      p95Ms: histPercentile(this.hist, this.calls, 95),
    };
  }
}

/** A batch's histogram rows before they are merged into the stored ones, keyed by (hour, …names). */
class HistBatch<K extends [number, ...string[]] = [number, ...string[]]> {
  private readonly map = new Map<string, { key: K; calls: number; errors: number; bins: Map<number, number> }>();

  add(key: K, bin: number, error: boolean): void {
    const id = key.join("\u0000");
    let g = this.map.get(id);
    if (!g) this.map.set(id, (g = { key, calls: 0, errors: 0, bins: new Map() }));
    g.calls++;
    if (error) g.errors++;
    g.bins.set(bin, (g.bins.get(bin) ?? 0) + 1);
  }

  *groups(): Iterable<{ key: K; merged(old: { calls: number; errors: number; hist: string } | undefined): { calls: number; errors: number; hist: string } }> {
    for (const g of this.map.values()) {
      yield {
        key: g.key,
        merged(old) {
          const bins = new Map(g.bins);
          if (old) {
            const flat = JSON.parse(old.hist) as number[];
            for (let i = 0; i < flat.length; i += 2) bins.set(flat[i]!, (bins.get(flat[i]!) ?? 0) + flat[i + 1]!);
          }
          return { calls: g.calls + (old?.calls ?? 0), errors: g.errors + (old?.errors ?? 0), hist: JSON.stringify([...bins.entries()].flat()) };
        },
      };
    }
  }
}

/** The object of one workspace, by its slug (slugs are unique on a platform). */
export function workspaceObject(env: PlatformEnv, slug: string): DurableObjectStub<Workspace> {
  return env.WORKSPACE.get(env.WORKSPACE.idFromName(slug));
}
