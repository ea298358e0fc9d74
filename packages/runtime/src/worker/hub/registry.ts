/**
 * HubRegistry: the platform's package registry, one SQLite Durable Object. Names (`@account/name`) belong to the
 * account that first published them; versions are immutable once published (only their deprecation and yank flags
 * change). Only API calls reach it (publish, search, info, install, update): a gateway call to an installed package
 * never does, since the install pins the deployment in the workspace's own member record.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import { migrateSchema, type SchemaMigration } from "../control/schema";
import { compareSemver, type CapabilityManifest, type HubVisibility } from "../../shared/hub";
import type { Migration } from "../../shared/protocol";
import { SearchIndex } from "./search";
import { captureManifest, packageSummary } from "./capabilities";
import { canonical } from "./diff";
import { embedPackage } from "./embedding";
import { projectStore } from "../projects/project-store";

const MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: "packages and versions",
    sql: `
      CREATE TABLE packages (name TEXT PRIMARY KEY, account TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE versions (
        name TEXT NOT NULL REFERENCES packages (name), version TEXT NOT NULL, kind TEXT NOT NULL, visibility TEXT NOT NULL,
        project TEXT NOT NULL, deployment TEXT NOT NULL, description TEXT NOT NULL, summary TEXT NOT NULL, readme TEXT NOT NULL,
        manifest TEXT NOT NULL, published_at INTEGER NOT NULL, deprecated TEXT, yanked INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (name, version));
    `,
  },
  {
    version: 2,
    name: "when each version's manifest was last read from its deployment",
    sql: `
      ALTER TABLE versions ADD COLUMN refreshed_at INTEGER NOT NULL DEFAULT 0;
      UPDATE versions SET refreshed_at = published_at;
    `,
  },
  {
    version: 3,
    name: "each version's D1 migrations, applied to every install's own database",
    sql: `
      CREATE TABLE version_migrations (
        name TEXT NOT NULL, version TEXT NOT NULL, seq INTEGER NOT NULL, migration TEXT NOT NULL, sql TEXT NOT NULL,
        PRIMARY KEY (name, version, seq));
    `,
  },
];

/** How often hosted versions' manifests are read again from their deployments (the registry's alarm). */
export const REFRESH_INTERVAL_MS = 60 * 60 * 1000;

/** What a refresh did: versions read, those whose manifest changed, those whose code could not be asked. */
export interface RefreshOutcome {
  checked: number;
  changed: string[];
  failed: { version: string; error: string }[];
}

export interface VersionRow {
  name: string;
  account: string;
  version: string;
  kind: string;
  visibility: HubVisibility;
  /** The publisher's tenant and the deployment the version runs. */
  project: string;
  deployment: string;
  description: string;
  summary: string;
  readme: string;
  manifest: CapabilityManifest;
  publishedAt: number;
  deprecated: string | null;
  yanked: boolean;
}

type Raw = Omit<VersionRow, "manifest" | "yanked" | "visibility"> & { manifest: string; yanked: number; visibility: string };

const SELECT = `SELECT v.name, p.account, v.version, v.kind, v.visibility, v.project, v.deployment, v.description, v.summary, v.readme,
  v.manifest, v.published_at AS publishedAt, v.deprecated, v.yanked FROM versions v JOIN packages p ON p.name = v.name`;

const toRow = (r: Raw): VersionRow => ({ ...r, visibility: r.visibility as HubVisibility, manifest: JSON.parse(r.manifest) as CapabilityManifest, yanked: r.yanked === 1 });

/** Whether `account` may see a version: public and account-visible ones by every account, private ones by the owner. */
export const visibleTo = (row: Pick<VersionRow, "visibility" | "account">, account: string) => row.visibility !== "private" || row.account === account;

/** The version a new install gets: the newest that is not yanked, releases before pre-releases. */
export function newestInstallable(rows: VersionRow[]): VersionRow | undefined {
  const live = rows.filter((r) => !r.yanked);
  const releases = live.filter((r) => !r.version.split("+")[0]!.includes("-"));
  return (releases.length ? releases : live).sort((a, b) => compareSemver(b.version, a.version))[0];
}

export type PublishOutcome = { ok: true } | { ok: false; reason: "owned"; owner: string } | { ok: false; reason: "exists" };

export class HubRegistry extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;
  /** A cache of the tables (correct when empty): rebuilt on the first search after a start. */
  private index: SearchIndex | null = null;
  /** Per package: the version search shows, and who may see it. */
  private listed = new Map<string, { version: string; visibility: HubVisibility; account: string; kind: string; summary: string; tools: string[]; deprecated: string | null }>();

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    migrateSchema(ctx.storage, MIGRATIONS);
  }

  owner(name: string): string | null {
    return this.sql.exec<{ account: string }>("SELECT account FROM packages WHERE name = ?", name).toArray()[0]?.account ?? null;
  }

  hasVersion(name: string, version: string): boolean {
    return this.sql.exec("SELECT 1 FROM versions WHERE name = ? AND version = ?", name, version).toArray().length > 0;
  }

  /**
   * Claims the name for `row.account` on first publish and stores the version with its migrations (immutable, as the
   * version is); refuses a taken name or a version that exists.
   */
  async publish(row: Omit<VersionRow, "deprecated" | "yanked">, migrations: Migration[] = []): Promise<PublishOutcome> {
    const outcome = this.store(row, migrations);
    // The hourly refresh runs once something is hosted.
    if (outcome.ok && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(row.publishedAt + REFRESH_INTERVAL_MS);
    return outcome;
  }

  private store(row: Omit<VersionRow, "deprecated" | "yanked">, migrations: Migration[]): PublishOutcome {
    return this.ctx.storage.transactionSync((): PublishOutcome => {
      const owner = this.owner(row.name);
      if (owner !== null && owner !== row.account) return { ok: false, reason: "owned", owner };
      if (this.hasVersion(row.name, row.version)) return { ok: false, reason: "exists" };
      if (owner === null) this.sql.exec("INSERT INTO packages (name, account, created_at) VALUES (?, ?, ?)", row.name, row.account, row.publishedAt);
      this.sql.exec(
        `INSERT INTO versions (name, version, kind, visibility, project, deployment, description, summary, readme, manifest, published_at, refreshed_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        row.name, row.version, row.kind, row.visibility, row.project, row.deployment, row.description, row.summary, row.readme,
        JSON.stringify(row.manifest), row.publishedAt, row.publishedAt,
      );
      migrations.forEach((m, seq) =>
        this.sql.exec("INSERT INTO version_migrations (name, version, seq, migration, sql) VALUES (?, ?, ?, ?, ?)", row.name, row.version, seq, m.name, m.sql),
      );
      this.reindex(row.name);
      return { ok: true };
    });
  }

  versions(name: string): VersionRow[] {
    return this.sql.exec<Raw>(`${SELECT} WHERE v.name = ?`, name).toArray().map(toRow).sort((a, b) => compareSemver(b.version, a.version));
  }

  /** A version's migrations in the order they were deployed (none for a version published before they were kept). */
  migrations(name: string, version: string): Migration[] {
    return this.sql
      .exec<{ migration: string; sql: string }>("SELECT migration, sql FROM version_migrations WHERE name = ? AND version = ? ORDER BY seq", name, version)
      .toArray()
      .map((r) => ({ name: r.migration, sql: r.sql }));
  }

  setState(name: string, version: string, state: { deprecated?: string; yanked?: boolean }): VersionRow | null {
    if (!this.hasVersion(name, version)) return null;
    if (state.deprecated !== undefined) this.sql.exec("UPDATE versions SET deprecated = ? WHERE name = ? AND version = ?", state.deprecated === "" ? null : state.deprecated, name, version);
    if (state.yanked !== undefined) this.sql.exec("UPDATE versions SET yanked = ? WHERE name = ? AND version = ?", state.yanked ? 1 : 0, name, version);
    this.reindex(name);
    return this.versions(name).find((r) => r.version === version) ?? null;
  }

  /** Ranked packages `account` may see and find (`account` visibility is installable by name, but unlisted). */
  search(query: string, account: string, vectorScores: [string, number][], limit: number): { results: { name: string; version: string; kind: string; summary: string; tools: string[]; score: number; deprecated: string | null }[]; total: number } {
    const index = this.searchIndex();
    const hits = index.search(query, new Map(vectorScores), (name) => {
      const l = this.listed.get(name);
      return l !== undefined && (l.visibility === "public" || l.account === account);
    });
    return {
      total: hits.length,
      results: hits.slice(0, limit).map((h) => {
        const l = this.listed.get(h.name)!;
        return { name: h.name, version: l.version, kind: l.kind, summary: l.summary, tools: l.tools, score: h.score, deprecated: l.deprecated };
      }),
    };
  }

  /**
   * The hourly job: every hosted version (not yanked) whose manifest was last read an hour or more before `now` is
   * asked again by its own deployment; a changed manifest (tools, resources, prompts) replaces the stored one, with a
   * new summary, search entry and embedding. The required secrets are the publisher's declaration and are kept. `now`
   * is a parameter so a test (or an admin, `POST /hub/refresh`) runs it at any time without waiting an hour.
   */
  async refresh(now = Date.now()): Promise<RefreshOutcome> {
    const due = this.sql.exec<Raw>(`${SELECT} WHERE v.yanked = 0 AND v.refreshed_at <= ? ORDER BY v.name, v.version`, now - REFRESH_INTERVAL_MS).toArray().map(toRow);
    const outcome: RefreshOutcome = { checked: due.length, changed: [], failed: [] };
    for (const row of due) {
      const id = `${row.name}@${row.version}`;
      try {
        const waitUntil = (p: Promise<unknown>) => this.ctx.waitUntil(p);
        const pinned = { package: row.name, version: row.version, deployment: row.deployment };
        const read = await captureManifest(this.env, this.ctx.exports, waitUntil, row.project, row.manifest.secrets, pinned);
        const manifest = { ...read, secrets: row.manifest.secrets };
        if (canonical(manifest) !== canonical(row.manifest)) {
          const settings = await projectStore(this.env, row.project).getSettings(row.deployment);
          const summary = await packageSummary(this.ctx.exports, row.project, settings, row.description, manifest);
          this.sql.exec("UPDATE versions SET manifest = ?, summary = ? WHERE name = ? AND version = ?", JSON.stringify(manifest), summary, row.name, row.version);
          this.reindex(row.name);
          if (newestInstallable(this.versions(row.name))?.version === row.version) await embedPackage(this.ctx.exports, { name: row.name, description: row.description, summary, tools: manifest.tools });
          outcome.changed.push(id);
        }
      } catch (err) {
        // The stored manifest stays; the version is tried again at the next run.
        outcome.failed.push({ version: id, error: (err instanceof Error ? err.message : String(err)).slice(0, 300) });
      }
      this.sql.exec("UPDATE versions SET refreshed_at = ? WHERE name = ? AND version = ?", now, row.name, row.version);
    }
    if (outcome.changed.length || outcome.failed.length) console.log(`hub: refreshed ${outcome.checked} manifest(s): ${outcome.changed.length} changed, ${outcome.failed.length} failed`);
    return outcome;
  }

  override async alarm(): Promise<void> {
    try {
      await this.refresh(Date.now());
    } finally {
      await this.ctx.storage.setAlarm(Date.now() + REFRESH_INTERVAL_MS);
    }
  }

  private searchIndex(): SearchIndex {
    if (this.index) return this.index;
    this.index = new SearchIndex();
    for (const { name } of this.sql.exec<{ name: string }>("SELECT name FROM packages").toArray()) this.reindex(name);
    return this.index;
  }

  /** Search shows a package's newest installable version. */
  private reindex(name: string): void {
    if (!this.index) return;
    const newest = newestInstallable(this.versions(name));
    if (!newest) {
      this.index.remove(name);
      this.listed.delete(name);
      return;
    }
    this.index.put({ name, description: newest.description, summary: newest.summary, tools: newest.manifest.tools });
    this.listed.set(name, {
      version: newest.version,
      visibility: newest.visibility,
      account: newest.account,
      kind: newest.kind,
      summary: newest.summary,
      tools: newest.manifest.tools.map((t) => t.name),
      deprecated: newest.deprecated,
    });
  }
}

export function hubRegistry(env: PlatformEnv): DurableObjectStub<HubRegistry> {
  return env.HUB.get(env.HUB.idFromName("hub"));
}
