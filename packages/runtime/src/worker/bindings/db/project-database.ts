/** PLACEHOLDER: replaced by the DB binding implementation. */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../../env";
import type { Migration } from "../../../shared/protocol";
export class ProjectDatabase extends DurableObject<PlatformEnv> {
  applyMigrations(migrations: Migration[]) { return { applied: migrations.map((m) => m.name), skipped: [] as string[] }; }
  adminQuery(sql: string, params: unknown[]) { return { results: this.ctx.storage.sql.exec(sql, ...params).toArray() }; }
  query(sql: string, params: unknown[]) { return this.ctx.storage.sql.exec(sql, ...params).toArray(); }
}
