/**
 * BotRegistry: one SQLite Durable Object per bot name. It holds the account that claimed the name, the deployed
 * definition (versioned), the conversation log `aerostack bot logs` reads (turns, tool calls, tokens, latency,
 * refused webhooks), and which chat started each workflow run (a button pressed in another chat finds it here).
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import { migrateSchema, type SchemaMigration } from "../control/schema";
import type { BotDefinition, BotLogEntry } from "../../shared/bots";
import type { Rpc } from "../workflows/engine/rpc";

const MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: "bot, log, runs",
    sql: `
      CREATE TABLE meta (one INTEGER PRIMARY KEY CHECK (one = 1), name TEXT NOT NULL, account TEXT NOT NULL, version INTEGER NOT NULL,
        definition TEXT NOT NULL, updated_at INTEGER NOT NULL);
      CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, entry TEXT NOT NULL);
      CREATE TABLE runs (run TEXT PRIMARY KEY, chat TEXT NOT NULL, at INTEGER NOT NULL);
    `,
  },
];

/** The log keeps this many entries; older ones are dropped as new ones come. */
const MAX_LOG_ENTRIES = 10_000;

export interface BotMeta {
  name: string;
  account: string;
  version: number;
  updatedAt: number;
  definition: BotDefinition;
}

/** Where a chat lives: the key of its BotChat object, and what sending to it needs. */
export interface ChatRef {
  platform: string;
  chat: string;
}

type MetaRow = Record<string, SqlStorageValue> & { name: string; account: string; version: number; definition: string; updated_at: number };

export class BotRegistry extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => migrateSchema(ctx.storage, MIGRATIONS));
  }

  /** The bot as its account sees it (null: no such bot, or another account's). */
  get(account?: string): BotMeta | null {
    const row = this.sql.exec<MetaRow>("SELECT * FROM meta").toArray()[0] as MetaRow | undefined;
    if (!row || (account !== undefined && row.account !== account)) return null;
    return { name: row.name, account: row.account, version: row.version, updatedAt: row.updated_at, definition: JSON.parse(row.definition) as BotDefinition };
  }

  /** Stores the definition as the next version (nothing when unchanged); the first deploy claims the name for the account. */
  deploy(account: string, definition: BotDefinition, dryRun: boolean): { ok: true; meta: BotMeta; unchanged: boolean } | { ok: false; message: string } {
    const current = this.get();
    if (current && current.account !== account) return { ok: false, message: `the bot name "${definition.name}" is taken on this platform; pick another name` };
    const text = JSON.stringify(definition);
    const unchanged = current !== null && JSON.stringify(current.definition) === text;
    const next = { name: definition.name, account, version: (current?.version ?? 0) + (unchanged ? 0 : 1), updatedAt: Date.now(), definition };
    if (dryRun || unchanged) return { ok: true, unchanged, meta: unchanged ? current! : next };
    this.sql.exec(
      "INSERT INTO meta (one, name, account, version, definition, updated_at) VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (one) DO UPDATE SET version = excluded.version, definition = excluded.definition, updated_at = excluded.updated_at",
      next.name, account, next.version, text, next.updatedAt,
    );
    return { ok: true, unchanged: false, meta: next };
  }

  log(entry: Omit<BotLogEntry, "id">): void {
    const id = this.sql.exec<{ id: number }>("INSERT INTO log (ts, entry) VALUES (?, ?) RETURNING id", entry.ts, JSON.stringify(entry)).one().id;
    if (id % 100 === 0) this.sql.exec("DELETE FROM log WHERE id <= ?", id - MAX_LOG_ENTRIES);
  }

  /** Entries after `after` (an id), oldest first: `bot logs --tail` continues from the last cursor. */
  logs(account: string, after: number, limit: number): { entries: BotLogEntry[]; cursor: number } | null {
    if (!this.get(account)) return null;
    const rows = this.sql.exec<{ id: number; entry: string }>("SELECT id, entry FROM log WHERE id > ? ORDER BY id LIMIT ?", after, limit).toArray();
    return { entries: rows.map((r) => ({ ...(JSON.parse(r.entry) as Omit<BotLogEntry, "id">), id: r.id })), cursor: rows.at(-1)?.id ?? after };
  }

  recordRun(run: string, chat: ChatRef): void {
    this.sql.exec("INSERT OR IGNORE INTO runs (run, chat, at) VALUES (?, ?, ?)", run, JSON.stringify(chat), Date.now());
  }

  /** The chat a run of this bot started in (null: not this bot's run). */
  runChat(run: string): ChatRef | null {
    const row = this.sql.exec<{ chat: string }>("SELECT chat FROM runs WHERE run = ?", run).toArray()[0];
    return row ? (JSON.parse(row.chat) as ChatRef) : null;
  }
}

export type BotRegistryStub = Rpc<BotRegistry, "get" | "deploy" | "log" | "logs" | "recordRun" | "runChat">;

export function botRegistry(env: PlatformEnv, name: string): BotRegistryStub {
  return env.BOT_REGISTRY.get(env.BOT_REGISTRY.idFromName(name)) as unknown as BotRegistryStub;
}
