/**
 * One project's AI usage log: a SQLite Durable Object with a row per env.AI call (model, provider, tokens, latency,
 * status), read by `GET /__aerostack/projects/:p/ai/usage` for the platform's analytics. `member` stays NULL until
 * calls are attributed to workspace members.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../../env";
import type { AiUsageEntry, AiUsageReport } from "../../../shared/ai";

export type { AiUsageEntry } from "../../../shared/ai";

/** Rows kept per project; the oldest go first. */
const KEEP_ROWS = 100_000;
const MAX_LIST = 1000;


type Row = {
  id: number;
  at: number;
  operation: AiUsageEntry["operation"];
  provider: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  latency_ms: number;
  status: AiUsageEntry["status"];
  error: string | null;
  member: string | null;
};

export class ProjectAiUsage extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS ai_calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        operation TEXT NOT NULL,
        provider TEXT NOT NULL,
        model TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        latency_ms INTEGER NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        member TEXT
      );
      CREATE INDEX IF NOT EXISTS ai_calls_by_time ON ai_calls (at);
    `);
  }

  record(entry: AiUsageEntry): void {
    const id = this.sql
      .exec<{ id: number }>(
        `INSERT INTO ai_calls (at, operation, provider, model, input_tokens, output_tokens, latency_ms, status, error, member)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        entry.at,
        entry.operation,
        entry.provider,
        entry.model,
        Math.max(0, Math.round(entry.inputTokens)),
        Math.max(0, Math.round(entry.outputTokens)),
        Math.max(0, Math.round(entry.latencyMs)),
        entry.status,
        entry.error,
        entry.member,
      )
      .one().id;
    // Trimming every thousandth insert keeps the table bounded without a delete per call.
    if (id % 1000 === 0) this.sql.exec("DELETE FROM ai_calls WHERE id <= ?", id - KEEP_ROWS);
  }

  usage(options: { since?: number; limit?: number } = {}): AiUsageReport {
    const since = options.since ?? 0;
    const limit = Math.min(Math.max(1, Math.floor(options.limit ?? 100)), MAX_LIST);
    const rows = this.sql.exec<Row>("SELECT * FROM ai_calls WHERE at >= ? ORDER BY id DESC LIMIT ?", since, limit).toArray();
    const totals = this.sql
      .exec<{ provider: string; model: string; calls: number; errors: number; input_tokens: number; output_tokens: number; latency: number }>(
        `SELECT provider, model, COUNT(*) AS calls, SUM(status = 'error') AS errors, SUM(input_tokens) AS input_tokens,
                SUM(output_tokens) AS output_tokens, AVG(latency_ms) AS latency
         FROM ai_calls WHERE at >= ? GROUP BY provider, model ORDER BY calls DESC, provider, model`,
        since,
      )
      .toArray();
    return {
      calls: rows.map((r) => ({
        id: r.id,
        at: r.at,
        operation: r.operation,
        provider: r.provider,
        model: r.model,
        inputTokens: r.input_tokens,
        outputTokens: r.output_tokens,
        latencyMs: r.latency_ms,
        status: r.status,
        error: r.error,
        member: r.member,
      })),
      totals: totals.map((t) => ({
        provider: t.provider,
        model: t.model,
        calls: t.calls,
        errors: t.errors,
        inputTokens: t.input_tokens,
        outputTokens: t.output_tokens,
        avgLatencyMs: Math.round(t.latency),
      })),
    };
  }
}
