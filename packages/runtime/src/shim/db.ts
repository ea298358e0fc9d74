/** Cloudflare D1's user API (`prepare().bind().first/all/raw/run`, `batch`, `exec`) over the platform's ScopedDB stub. */
import type { WireValue, WireStatement, QueryMode, QueryMeta, QueryResult, ExecResult, DatabaseStub } from "../shared/wire/db";
import { fromWireCell, fromWireRow, toObject, toWireValue } from "../shared/wire/db";
// The wire contract (shared/wire/db.ts) is part of the user-facing API too.
export type { WireValue, WireStatement, QueryMode, QueryMeta, QueryResult, ExecResult, DatabaseStub } from "../shared/wire/db";

type Row = Record<string, unknown>;

export interface D1Result<T = Row> {
  success: true;
  results: T[];
  meta: QueryMeta;
}

export class D1DatabaseSession {
  readonly #stub: DatabaseStub;

  constructor(stub: DatabaseStub) {
    this.#stub = stub;
  }

  prepare(sql: string): D1PreparedStatement {
    return new D1PreparedStatement(this.#stub, sql, []);
  }

  batch<T = Row>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return runBatch<T>(this.#stub, statements);
  }

  getBookmark(): string | null {
    return null;
  }
}

/** The database: a session (there are no read replicas) plus `exec`, `withSession` and `dump`. */
export class D1Database extends D1DatabaseSession {
  // Private fields are per class, so the database keeps its own reference (user code cannot reach either).
  readonly #db: DatabaseStub;

  constructor(stub: DatabaseStub) {
    super(stub);
    this.#db = stub;
  }

  /** Runs `;`-separated statements without parameters, all or none: a failing one rolls back those before it, as on D1. */
  exec(sql: string): Promise<ExecResult> {
    return call("D1_EXEC_ERROR", () => this.#db.exec(sql));
  }

  /** There are no read replicas: every session reads from the one database, and there is never a bookmark. */
  withSession(_constraintOrBookmark?: string): D1DatabaseSession {
    return new D1DatabaseSession(this.#db);
  }

  /** Deprecated in D1 too, where it only works on alpha databases. */
  async dump(): Promise<ArrayBuffer> {
    throw new Error("D1_DUMP_ERROR: dump() is not supported; read tables with prepare().all() or `aerostack db query`");
  }
}

export class D1PreparedStatement {
  readonly #stub: DatabaseStub;
  // Public as on D1, where libraries (ORMs, query builders) read them.
  readonly statement: string;
  readonly params: WireValue[];

  constructor(stub: DatabaseStub, statement: string, params: WireValue[]) {
    this.#stub = stub;
    this.statement = statement;
    this.params = params;
  }

  /** Returns a new statement with these values; like D1, an unsupported value throws here rather than on run. */
  bind(...values: unknown[]): D1PreparedStatement {
    return new D1PreparedStatement(this.#stub, this.statement, values.map(toWireValue));
  }

  /** The first row, or with `column` that row's value; null when there are no rows. */
  first<T = unknown>(column: string): Promise<T | null>;
  first<T = Row>(): Promise<T | null>;
  async first<T>(column?: string): Promise<T | null> {
    const { columns, rows } = await this.#query("first");
    const row = rows[0];
    if (row === undefined) return null;
    if (column === undefined) return toObject(columns, row) as T;
    const index = columns.lastIndexOf(column); // the last of duplicate names wins, as in the row object
    if (index < 0) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${column})`);
    return fromWireCell(row[index]!) as T;
  }

  async all<T = Row>(): Promise<D1Result<T>> {
    return toD1Result<T>(await this.#query("all"));
  }

  /** Same result as all(), as on D1 today (`results` holds rows a RETURNING clause produced). */
  async run<T = Row>(): Promise<D1Result<T>> {
    return toD1Result<T>(await this.#query("run"));
  }

  /** Rows as arrays; with `columnNames: true` the first element is the column names, even when there are no rows. */
  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  async raw<T>(options?: { columnNames?: boolean }): Promise<T[] | [string[], ...T[]]> {
    const { columns, rows } = await this.#query("raw");
    const arrays = rows.map(fromWireRow) as T[];
    return options?.columnNames ? [columns, ...arrays] : arrays;
  }

  #query(mode: QueryMode): Promise<QueryResult> {
    return call("D1_ERROR", () => this.#stub.query(toWire(this), mode));
  }
}

function toWire(statement: D1PreparedStatement): WireStatement {
  return { sql: statement.statement, params: statement.params };
}

async function runBatch<T>(stub: DatabaseStub, statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
  if (!Array.isArray(statements) || !statements.every((s) => s instanceof D1PreparedStatement)) {
    throw new TypeError("D1_ERROR: batch() takes an array of statements made with prepare()");
  }
  const results = await call("D1_ERROR", () => stub.batch(statements.map(toWire)));
  return results.map((result) => toD1Result<T>(result));
}

/** Errors read like D1's (`D1_ERROR: no such table: x: SQLITE_ERROR`), so ported error handling keeps matching. */
async function call<T>(prefix: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // The DO's own D1_TYPE_ERROR (a value it refused) already carries D1's prefix.
    throw new Error(message.startsWith("D1_") ? message : `${prefix}: ${message}`, { cause: err });
  }
}

function toD1Result<T>({ columns, rows, meta }: QueryResult): D1Result<T> {
  return { success: true, results: rows.map((row) => toObject(columns, row) as T), meta };
}
