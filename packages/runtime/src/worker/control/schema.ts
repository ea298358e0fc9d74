/** Numbered schema migrations for the platform's own Durable Objects: each applied once, in order, in one transaction. */

export interface SchemaMigration {
  /** 1, 2, 3, …: never renumbered, never edited once released; a change is a new migration. */
  version: number;
  name: string;
  sql: string;
}

/**
 * Brings the object's tables up to the newest migration. Runs in the constructor (inside
 * `blockConcurrencyWhile`'s implicit gate), so no request sees a half-migrated schema.
 */
export function migrateSchema(storage: DurableObjectStorage, migrations: readonly SchemaMigration[]): void {
  const sql = storage.sql;
  sql.exec("CREATE TABLE IF NOT EXISTS _schema (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  const current = sql.exec<{ v: number | null }>("SELECT max(version) AS v FROM _schema").one().v ?? 0;
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    storage.transactionSync(() => {
      sql.exec(migration.sql);
      sql.exec("INSERT INTO _schema (version, name, applied_at) VALUES (?, ?, ?)", migration.version, migration.name, Date.now());
    });
  }
}
