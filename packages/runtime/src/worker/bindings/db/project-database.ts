/** One project's SQL database: a SQLite-backed Durable Object answering the D1-style RPC calls of `ScopedDB` and the control API. */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../../env";
import type { Migration } from "../../../shared/protocol";
// The wire contract and D1's bind() rules live with the D1 API in the shim (which user-facing types import, so it
// cannot import worker code); both sides must accept and reject the same values.
import { toObject, toWireValue, type ExecResult, type QueryMeta, type QueryMode, type QueryResult, type WireStatement } from "../../../shared/wire/db";

export interface MigrationOutcome {
  applied: string[];
  skipped: string[];
}

export interface AdminQueryResult {
  results: Record<string, unknown>[];
  meta: Pick<QueryMeta, "changes" | "rows_read" | "rows_written" | "duration">;
  /** Several statements: each one's result, in order. */
  statements?: (Omit<AdminQueryResult, "statements"> & { sql: string })[];
}

/** Wrangler's table, so a database moved between D1 and Aerostack agrees on what has been applied. */
const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS d1_migrations (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT UNIQUE,
  applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
)`;

const QUERY_MODES: ReadonlySet<string> = new Set<QueryMode>(["all", "first", "raw", "run"]);

export class ProjectDatabase extends DurableObject<PlatformEnv> {
  /** One statement (D1's `prepare().first/all/raw/run`). Not wrapped in a transaction, as on D1. */
  query(statement: WireStatement, mode: QueryMode): QueryResult {
    if (!QUERY_MODES.has(mode)) throw new TypeError(`unknown query mode ${JSON.stringify(mode)}`);
    const result = this.execute(checkStatement(statement));
    if (mode === "first") result.rows.splice(1);
    return result;
  }

  /** D1's `batch()`: every statement in one transaction, so a failing one rolls back those before it. */
  batch(statements: WireStatement[]): QueryResult[] {
    if (!Array.isArray(statements)) throw new TypeError("batch() takes an array of statements");
    const checked = statements.map((statement, i) => checkStatement(statement, i));
    return this.ctx.storage.transactionSync(() => checked.map((statement) => this.execute(statement)));
  }

  /**
   * D1's `exec()`: `;`-separated statements without parameters, each committed on its own (as on D1, statements
   * before a failing one stay applied). The error names the line the failing statement starts on, like D1's.
   */
  exec(sql: string): ExecResult {
    if (typeof sql !== "string") throw new TypeError("exec() takes a string of SQL");
    const statements = splitStatements(sql);
    if (statements.length === 0) throw new Error("No SQL statements detected.");
    let duration = 0;
    for (const { text, line } of statements) {
      try {
        duration += this.execute({ sql: text, params: [] }).meta.duration;
      } catch (err) {
        throw new Error(`Error in line ${line}: ${abbreviate(text)}: ${messageOf(err)}`, { cause: err });
      }
    }
    return { count: statements.length, duration };
  }

  /**
   * Applies, in the given order, the migrations `d1_migrations` does not name yet. Each migration and its record
   * commit together; the first failure stops the run, leaving earlier ones applied and the failing one unrecorded.
   */
  applyMigrations(migrations: Migration[]): MigrationOutcome {
    const sql = this.ctx.storage.sql;
    sql.exec(MIGRATIONS_TABLE);
    const done = new Set(sql.exec<{ name: string }>("SELECT name FROM d1_migrations").toArray().map((row) => row.name));
    const outcome: MigrationOutcome = { applied: [], skipped: [] };
    for (const { name, sql: body } of migrations) {
      if (done.has(name)) {
        outcome.skipped.push(name);
        continue;
      }
      try {
        this.ctx.storage.transactionSync(() => {
          // SQLite runs the whole file as written (triggers included); a file of only comments is still recorded,
          // as Wrangler records it, rather than failing with "no statement".
          if (splitStatements(body).length > 0) sql.exec(body).toArray();
          sql.exec("INSERT INTO d1_migrations (name) VALUES (?)", name);
        });
      } catch (err) {
        const before = outcome.applied.length > 0 ? ` (applied before it: ${outcome.applied.join(", ")})` : "";
        throw new Error(`migration ${name} failed: ${messageOf(err)}${before}`, { cause: err });
      }
      done.add(name);
      outcome.applied.push(name);
    }
    return outcome;
  }

  /**
   * `aerostack deploy`: the pending migrations all commit, or none does, so a failing one leaves the database as it
   * was and the previous version serving. `dryRun` runs them and rolls everything back.
   */
  applyMigrationsAtomically(migrations: Migration[], dryRun: boolean): MigrationOutcome {
    const sql = this.ctx.storage.sql;
    sql.exec(MIGRATIONS_TABLE);
    const outcome: MigrationOutcome = { applied: [], skipped: [] };
    const rollback = new Error("dry run: rolled back");
    try {
      this.ctx.storage.transactionSync(() => {
        const done = new Set(sql.exec<{ name: string }>("SELECT name FROM d1_migrations").toArray().map((row) => row.name));
        for (const { name, sql: body } of migrations) {
          if (done.has(name)) {
            outcome.skipped.push(name);
            continue;
          }
          try {
            if (splitStatements(body).length > 0) sql.exec(body).toArray();
            sql.exec("INSERT INTO d1_migrations (name) VALUES (?)", name);
          } catch (err) {
            throw new Error(`migration ${name} failed: ${messageOf(err)}`, { cause: err });
          }
          done.add(name);
          outcome.applied.push(name);
        }
        if (dryRun) throw rollback;
      });
    } catch (err) {
      if (err !== rollback) throw err;
    }
    return outcome;
  }

  /**
   * `aerostack db query`: answered as JSON-ready rows (BLOBs as byte arrays). Several `;`-separated statements (no
   * parameters) run in order in one transaction, each with its own result in `statements`; the top-level `results`
   * and `meta` are the last one's, as for a single statement.
   */
  adminQuery(sql: string, params: unknown[]): AdminQueryResult {
    const parts = params.length === 0 ? splitStatements(sql) : [];
    const run = (text: string, p: unknown[]): AdminQueryResult => {
      const { columns, rows, meta } = this.execute(checkStatement({ sql: text, params: p }));
      return {
        results: rows.map((row) => toObject(columns, row)),
        meta: { changes: meta.changes, rows_read: meta.rows_read, rows_written: meta.rows_written, duration: meta.duration },
      };
    };
    if (parts.length <= 1) return run(sql, params);
    const statements = this.ctx.storage.transactionSync(() =>
      parts.map(({ text, line }) => {
        try {
          return { sql: text, ...run(text, []) };
        } catch (err) {
          throw new Error(`Error in line ${line}: ${abbreviate(text)}: ${messageOf(err)}`, { cause: err });
        }
      }),
    );
    const last = statements.at(-1)!;
    return { results: last.results, meta: last.meta, statements };
  }

  /** Runs one statement to completion: a cursor left half-read makes the DO's commit fail with SQLITE_BUSY. */
  private execute(statement: WireStatement): QueryResult {
    const sql = this.ctx.storage.sql;
    // changes() keeps the count of the last INSERT/UPDATE/DELETE even after a SELECT or DDL; comparing
    // total_changes() around the statement tells whether this one changed rows.
    const totalBefore = sql.exec<{ t: number }>("SELECT total_changes() AS t").one().t;
    const started = performance.now();
    const cursor = sql.exec(statement.sql, ...statement.params);
    const rows = Array.from(cursor.raw());
    const duration = performance.now() - started;
    const after = sql.exec<{ c: number; r: number; t: number }>("SELECT changes() AS c, last_insert_rowid() AS r, total_changes() AS t").one();
    return {
      columns: cursor.columnNames,
      rows,
      meta: {
        duration,
        changes: after.t > totalBefore ? after.c : 0,
        last_row_id: after.r,
        rows_read: cursor.rowsRead,
        rows_written: cursor.rowsWritten,
        changed_db: cursor.rowsWritten > 0,
        size_after: sql.databaseSize,
      },
    };
  }
}

/**
 * Checks a statement arriving over RPC or JSON. The shim already applied D1's bind() rules; the control API's JSON
 * parameters arrive with booleans and byte arrays still in them, so the same rules run here.
 */
function checkStatement(statement: unknown, batchIndex?: number): WireStatement {
  const where = batchIndex === undefined ? "" : ` (statement ${batchIndex + 1} of the batch)`;
  const { sql, params = [] } = (statement ?? {}) as { sql?: unknown; params?: unknown };
  if (typeof sql !== "string") throw new TypeError(`SQL must be a string${where}`);
  if (!Array.isArray(params)) throw new TypeError(`parameters must be an array${where}`);
  return { sql, params: params.map(toWireValue) };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function abbreviate(text: string): string {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}

const WORD = /[A-Za-z0-9_$]+/y;

/**
 * Splits SQL into statements at top-level `;`, skipping quotes, brackets and comments, and keeping a
 * `CREATE TRIGGER … BEGIN …; END` body whole. Each statement carries the line it starts on, for error messages.
 */
function splitStatements(sql: string): { text: string; line: number }[] {
  const statements: { text: string; line: number }[] = [];
  let line = 1;
  let start = -1; // index of the current statement's first token, -1 before it
  let startLine = 1;
  let words: string[] = []; // the statement's first three words, to recognise CREATE [TEMP] TRIGGER
  let trigger = false;
  let inBody = false;
  let caseDepth = 0;
  let bodyDone = false;

  const finish = (end: number) => {
    if (start >= 0) statements.push({ text: sql.slice(start, end).trim(), line: startLine });
    start = -1;
    words = [];
    trigger = inBody = bodyDone = false;
    caseDepth = 0;
  };
  /** Index just past `close`, counting the newlines skipped over. */
  const skipTo = (from: number, close: string): number => {
    const at = sql.indexOf(close, from);
    const end = at < 0 ? sql.length : at + close.length;
    for (let j = from; j < end; j++) if (sql[j] === "\n") line++;
    return end;
  };

  let i = 0;
  while (i < sql.length) {
    const ch = sql[i]!;
    if (ch === "\n") {
      line++;
      i++;
      continue;
    }
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "-" && sql[i + 1] === "-") {
      const eol = sql.indexOf("\n", i);
      i = eol < 0 ? sql.length : eol; // the newline itself is counted on the next pass
      continue;
    }
    if (ch === "/" && sql[i + 1] === "*") {
      i = skipTo(i + 2, "*/");
      continue;
    }
    if (ch === ";") {
      if (!trigger || bodyDone) finish(i);
      i++;
      continue;
    }
    if (start < 0) {
      start = i;
      startLine = line;
    }
    if (ch === "'" || ch === '"' || ch === "`") {
      i = skipTo(i + 1, ch);
    } else if (ch === "[") {
      i = skipTo(i + 1, "]");
    } else if (/[A-Za-z_]/.test(ch)) {
      WORD.lastIndex = i;
      const word = WORD.exec(sql)![0].toUpperCase();
      i = WORD.lastIndex;
      if (words.length < 3) {
        words.push(word);
        trigger = words[0] === "CREATE" && (words[1] === "TRIGGER" || ((words[1] === "TEMP" || words[1] === "TEMPORARY") && words[2] === "TRIGGER"));
      }
      if (!trigger) continue;
      // CASE … END can appear in the WHEN clause and in the body; only an END outside them closes the body.
      if (word === "BEGIN") inBody = true;
      else if (word === "CASE") caseDepth++;
      else if (word === "END") {
        if (caseDepth > 0) caseDepth--;
        else if (inBody) bodyDone = true;
      }
    } else {
      i++;
    }
  }
  finish(sql.length);
  return statements;
}
