/**
 * WorkflowRegistry: one SQLite Durable Object per workflow name. It holds the account that claimed the name, every
 * deployed version of the definition (runs pin the version they started on), the bound workspace, the index of runs,
 * webhook delivery ids already seen (a redelivered webhook starts no second run), and the cron schedule on its alarm.
 * A webhook touches only its own workflow's object, never one shared by all tenants.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../../env";
import { migrateSchema, type SchemaMigration } from "../../control/schema";
import type { RunStatus, WorkflowDefinition } from "../../../shared/workflows";
import { workflowRun } from "../engine/workflow-run";
import { nextCronTime } from "./cron";
import { sha256Hex } from "../../../shared/sha256";
import type { Rpc } from "../engine/rpc";
import { randomHex } from "../../../shared/hex";

const MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: "workflow, versions, runs, deliveries",
    sql: `
      CREATE TABLE meta (one INTEGER PRIMARY KEY CHECK (one = 1), name TEXT NOT NULL, account TEXT NOT NULL, workspace TEXT,
        version INTEGER NOT NULL, next_cron INTEGER, updated_at INTEGER NOT NULL);
      CREATE TABLE versions (version INTEGER PRIMARY KEY, definition TEXT NOT NULL, created_at INTEGER NOT NULL);
      CREATE TABLE runs (id TEXT PRIMARY KEY, version INTEGER NOT NULL, status TEXT NOT NULL, trigger TEXT NOT NULL,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      CREATE INDEX runs_by_time ON runs (created_at);
      CREATE TABLE deliveries (id TEXT PRIMARY KEY, run TEXT NOT NULL, at INTEGER NOT NULL);
    `,
  },
  {
    version: 2,
    name: "cron clock offset",
    // The cron's injectable clock (tests, and an operator firing a schedule early), as a run has its own.
    sql: "ALTER TABLE meta ADD COLUMN clock_offset INTEGER NOT NULL DEFAULT 0;",
  },
];

/** Delivery ids are remembered this long: providers redeliver within hours, not weeks. */
const DELIVERY_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface WorkflowMeta {
  name: string;
  account: string;
  workspace: string | null;
  version: number;
  updatedAt: number;
  definition: WorkflowDefinition;
}

export type StartOutcome = { ok: true; runId: string; deduplicated: boolean } | { ok: false; code: "workflow_not_found"; message: string };

type MetaRow = Record<string, SqlStorageValue> & {
  name: string;
  account: string;
  workspace: string | null;
  version: number;
  next_cron: number | null;
  updated_at: number;
  clock_offset: number;
};

function newRunId(): string {
  return `run_${randomHex(12)}`;
}

const cronOf = (definition: WorkflowDefinition): string | null => (definition.nodes.find((n) => n.type === "trigger")?.config as { cron?: string } | undefined)?.cron ?? null;

export class WorkflowRegistry extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => migrateSchema(ctx.storage, MIGRATIONS));
  }

  private meta(): MetaRow | null {
    return (this.sql.exec<MetaRow>("SELECT * FROM meta").toArray()[0] as MetaRow | undefined) ?? null;
  }

  /** The workflow as its account sees it (null: no such workflow, or another account's). */
  get(account?: string): WorkflowMeta | null {
    const meta = this.meta();
    if (!meta || (account !== undefined && meta.account !== account)) return null;
    const def = this.sql.exec<{ definition: string }>("SELECT definition FROM versions WHERE version = ?", meta.version).one().definition;
    return { name: meta.name, account: meta.account, workspace: meta.workspace, version: meta.version, updatedAt: meta.updated_at, definition: JSON.parse(def) as WorkflowDefinition };
  }

  /**
   * Stores a new version (or nothing, when the definition and workspace are unchanged). The first deploy claims the
   * name for the account; another account's deploy is refused. Runs in flight keep the version they started on.
   */
  async deploy(account: string, name: string, definition: WorkflowDefinition, workspace: string | null, dryRun: boolean): Promise<{ ok: true; meta: WorkflowMeta; unchanged: boolean } | { ok: false; message: string }> {
    const meta = this.meta();
    if (meta && meta.account !== account) return { ok: false, message: `the workflow name "${name}" is taken on this platform; pick another name` };
    const current = meta ? this.get() : null;
    const text = JSON.stringify(definition);
    const unchanged = current !== null && JSON.stringify(current.definition) === text && current.workspace === workspace;
    if (dryRun || unchanged) {
      return { ok: true, unchanged, meta: current && unchanged ? current : { name, account, workspace, version: (meta?.version ?? 0) + (unchanged ? 0 : 1), updatedAt: Date.now(), definition } };
    }
    const version = (meta?.version ?? 0) + 1;
    const now = Date.now();
    const offset = meta?.clock_offset ?? 0;
    const cron = cronOf(definition);
    const nextCron = cron ? nextCronTime(cron, now + offset) : null;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("INSERT INTO versions (version, definition, created_at) VALUES (?, ?, ?)", version, text, now);
      this.sql.exec(
        "INSERT INTO meta (one, name, account, workspace, version, next_cron, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT (one) DO UPDATE SET workspace = excluded.workspace, version = excluded.version, next_cron = excluded.next_cron, updated_at = excluded.updated_at",
        name, account, workspace, version, nextCron, now,
      );
    });
    if (nextCron !== null) await this.ctx.storage.setAlarm(Math.max(now, nextCron - offset));
    else await this.ctx.storage.deleteAlarm();
    return { ok: true, meta: this.get()!, unchanged: false };
  }

  /**
   * Moves the cron's clock forward (tests and the control API only): a schedule that falls due on the moved clock
   * fires now, through the same alarm a real minute would ring. Returns the next due time on the moved clock.
   */
  async advanceClock(ms: number): Promise<{ nextCron: number | null }> {
    const meta = this.meta();
    if (!meta) return { nextCron: null };
    this.sql.exec("UPDATE meta SET clock_offset = clock_offset + ?", ms);
    if (meta.next_cron !== null) await this.ctx.storage.setAlarm(Math.max(Date.now(), meta.next_cron - meta.clock_offset - ms));
    return { nextCron: meta.next_cron };
  }

  /**
   * Starts a run on the current version. `deliveryId` (a webhook's) starts at most one run per id; `runId` (a
   * delegating node's) makes the start idempotent. Only the owning account may start runs.
   */
  async startRun(args: {
    account: string;
    trigger: string;
    payload: unknown;
    runId?: string;
    deliveryId?: string;
    parent?: { run: string; key: string };
  }): Promise<StartOutcome> {
    const current = this.get(args.account);
    if (!current) return { ok: false, code: "workflow_not_found", message: `no workflow "${this.meta()?.name ?? "?"}" in account "${args.account}"; deploy it with \`aerostack deploy\`` };
    const now = Date.now();
    if (args.deliveryId !== undefined) {
      this.sql.exec("DELETE FROM deliveries WHERE at < ?", now - DELIVERY_TTL_MS);
      const seen = this.sql.exec<{ run: string }>("SELECT run FROM deliveries WHERE id = ?", args.deliveryId).toArray()[0];
      if (seen) return { ok: true, runId: seen.run, deduplicated: true };
    }
    const runId = args.runId ?? newRunId();
    const known = this.sql.exec<{ id: string }>("SELECT id FROM runs WHERE id = ?", runId).toArray()[0];
    this.ctx.storage.transactionSync(() => {
      if (!known) this.sql.exec("INSERT INTO runs (id, version, status, trigger, created_at, updated_at) VALUES (?, ?, 'running', ?, ?, ?)", runId, current.version, args.trigger, now, now);
      if (args.deliveryId !== undefined) this.sql.exec("INSERT INTO deliveries (id, run, at) VALUES (?, ?, ?)", args.deliveryId, runId, now);
    });
    await workflowRun(this.env, runId).start({
      id: runId,
      account: current.account,
      workflow: current.name,
      version: current.version,
      definition: current.definition,
      workspace: current.workspace,
      trigger: { kind: args.trigger, payload: args.payload },
      parent: args.parent ?? null,
    });
    return { ok: true, runId, deduplicated: false };
  }

  runUpdated(runId: string, status: RunStatus, at: number): void {
    this.sql.exec("UPDATE runs SET status = ?, updated_at = max(updated_at, ?) WHERE id = ?", status, at, runId);
  }

  listRuns(account: string, limit: number): { id: string; version: number; status: string; trigger: string; createdAt: number; updatedAt: number }[] | null {
    if (!this.get(account)) return null;
    return this.sql
      .exec<{ id: string; version: number; status: string; trigger: string; created_at: number; updated_at: number }>("SELECT * FROM runs ORDER BY created_at DESC LIMIT ?", limit)
      .toArray()
      .map((r) => ({ id: r.id, version: r.version, status: r.status, trigger: r.trigger, createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  /** The cron trigger: one run per due time (its id derives from the tick, so a retried alarm starts none twice), then the next time. */
  override async alarm(): Promise<void> {
    const meta = this.meta();
    const current = this.get();
    const cron = current ? cronOf(current.definition) : null;
    if (!meta || !cron) return;
    const now = Date.now() + meta.clock_offset;
    if (meta.next_cron !== null && meta.next_cron <= now) {
      await this.startRun({ account: meta.account, trigger: "cron", payload: { scheduledTime: meta.next_cron, cron }, runId: `run_${(await sha256Hex(`cron/${meta.name}/${meta.next_cron}`)).slice(0, 24)}` });
    }
    const next = nextCronTime(cron, Math.max(now, meta.next_cron ?? now));
    this.sql.exec("UPDATE meta SET next_cron = ?", next);
    await this.ctx.storage.setAlarm(Math.max(Date.now(), next - meta.clock_offset));
  }
}

/** The workflow's object, typed by its methods' own signatures (RPC's structural types lose `unknown` payloads). */
export function workflowRegistry(env: PlatformEnv, name: string): Rpc<WorkflowRegistry, "get" | "deploy" | "startRun" | "runUpdated" | "listRuns" | "advanceClock"> {
  return env.WORKFLOW_REGISTRY.get(env.WORKFLOW_REGISTRY.idFromName(name)) as unknown as Rpc<WorkflowRegistry, "get" | "deploy" | "startRun" | "runUpdated" | "listRuns" | "advanceClock">;
}
