/** env.DB's wire contract: what the shim sends the ScopedDB entrypoint and the database Durable Object answers, and D1's value rules both apply. */
// Plain TypeScript and Web APIs only: the shim bundles it into user isolates, and users see these types through
// `@aerostack/runtime/types` (no workers-types).

/** A bound value after D1's bind() rules (booleans → 1/0, byte views → ArrayBuffer), and a result cell. */
export type WireValue = string | number | null | ArrayBuffer;

/** One statement and its positional parameters (`?` / `?NNN`), as a `D1PreparedStatement` carries it. */
export interface WireStatement {
  sql: string;
  params: WireValue[];
}

/** Which D1 method asked: `first` only needs one row sent back; the others need them all. */
export type QueryMode = "all" | "first" | "raw" | "run";

/** D1's `meta` object. `duration` is workerd's clock, which only advances on I/O, so locally it is usually 0. */
export interface QueryMeta {
  duration: number;
  changes: number;
  last_row_id: number;
  rows_read: number;
  rows_written: number;
  changed_db: boolean;
  size_after: number;
  served_by: string;
}

/**
 * A statement's result in columns-and-rows form, as D1 itself sends it over the wire: it keeps duplicate column
 * names for `raw()` and column names when there are no rows. BLOBs stay ArrayBuffers on the wire; the shim turns them
 * into D1's arrays of numbers.
 */
export interface QueryResult {
  columns: string[];
  rows: WireValue[][];
  meta: QueryMeta;
}

export interface ExecResult {
  count: number;
  duration: number;
}

/** The ScopedDB RPC methods the shim calls (see worker/bindings/db/scoped-db.ts). */
export interface DatabaseStub {
  query(statement: WireStatement, mode: QueryMode): Promise<QueryResult>;
  batch(statements: WireStatement[]): Promise<QueryResult[]>;
  exec(sql: string): Promise<ExecResult>;
}

/**
 * D1's bind() rules: booleans become 1/0, byte arrays and views become BLOBs, anything else is a D1_TYPE_ERROR.
 * The database DO applies them too, to the control API's JSON parameters.
 */
export function toWireValue(value: unknown, index: number): WireValue {
  if (value === null || typeof value === "string" || typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  // Copied, so changing the buffer after bind() does not change the statement (D1 copies into an array too).
  if (value instanceof ArrayBuffer) return value.slice(0);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice().buffer;
  if (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) return new Uint8Array(value as number[]).buffer;
  // Error, not TypeError: D1 throws a plain Error with this prefix, and ported catch blocks may test the class.
  throw new Error(`D1_TYPE_ERROR: Type '${typeof value}' not supported for value '${String(value)}' (parameter ?${index + 1})`);
}

/** D1 returns BLOB columns as arrays of byte values. */
export function fromWireCell(cell: WireValue): unknown {
  return cell instanceof ArrayBuffer ? Array.from(new Uint8Array(cell)) : cell;
}

export function fromWireRow(row: WireValue[]): unknown[] {
  return row.map(fromWireCell);
}

/** A row as D1 returns it (the last of duplicate column names wins); the control API's admin queries use it too. */
export function toObject(columns: string[], row: WireValue[]): Record<string, unknown> {
  const cells = fromWireRow(row);
  return Object.fromEntries(columns.map((column, i) => [column, cells[i]]));
}
