/** Integration tests of the DB binding: user code's D1 API, the control API's migrations and queries, tenant isolation. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform } from "../../../host/testing";
import type { QueryMeta } from "../../../shared/wire/db";

/** What user code returns from the D1 API, as it arrives here through JSON. */
interface D1Result {
  success: true;
  results: unknown[];
  meta: QueryMeta;
}
type Rows = unknown[][];

let platform: TestPlatform;

beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(() => platform?.dispose());

/**
 * Deploys `body` as the inside of an async function of `DB` (the project's `env.DB`) and returns what it returns,
 * or throws with what it threw: tests read user-side results and errors as JSON.
 */
async function inProject<T>(project: string, body: string): Promise<T> {
  await platform.deployScript(
    project,
    `export default {
      async fetch(request, env) {
        try {
          const out = await (async (DB) => { ${body} })(env.DB);
          return Response.json({ ok: true, out: out ?? null });
        } catch (e) {
          return Response.json({ ok: false, message: String(e?.message ?? e) });
        }
      }
    }`,
  );
  const answer = (await (await platform.request(project, "/")).json()) as { ok: boolean; out?: unknown; message?: string };
  if (!answer.ok) throw new Error(answer.message);
  return answer.out as T;
}

describe("env.DB: prepared statements", () => {
  it("returns D1's shapes from run, all, first and raw, with meta", async () => {
    const out = await inProject<{
      a: D1Result;
      b: D1Result;
      all: D1Result;
      unbound: number;
      first: unknown;
      title: unknown;
      none: unknown;
      noneColumn: unknown;
      raw: Rows;
      rawNames: Rows;
      rawEmpty: Rows;
      duplicate: Rows;
      update: QueryMeta;
      readAfterWrite: QueryMeta;
      returning: D1Result;
    }>(
      "db-shapes",
      `
      await DB.prepare("CREATE TABLE notes (id INTEGER PRIMARY KEY, title TEXT NOT NULL, done INTEGER)").run();
      const insert = DB.prepare("INSERT INTO notes (title, done) VALUES (?, ?)");
      const a = await insert.bind("first", false).run();
      const b = await insert.bind("second", true).run();
      const all = await DB.prepare("SELECT * FROM notes ORDER BY id").all();
      const byId = DB.prepare("SELECT * FROM notes WHERE id = ?");
      return {
        a, b, all,
        unbound: insert.params.length,
        first: await byId.bind(2).first(),
        title: await byId.bind(2).first("title"),
        none: await byId.bind(99).first(),
        noneColumn: await byId.bind(99).first("title"),
        raw: await DB.prepare("SELECT id, title FROM notes ORDER BY id").raw(),
        rawNames: await DB.prepare("SELECT id, title FROM notes ORDER BY id").raw({ columnNames: true }),
        rawEmpty: await DB.prepare("SELECT id, title FROM notes WHERE 0").raw({ columnNames: true }),
        duplicate: await DB.prepare("SELECT 1 AS x, 2 AS x").raw(),
        update: (await DB.prepare("UPDATE notes SET done = 1").run()).meta,
        readAfterWrite: (await DB.prepare("SELECT count(*) AS n FROM notes").all()).meta,
        returning: await DB.prepare("INSERT INTO notes (title) VALUES (?) RETURNING id, title").bind("third").run(),
      };`,
    );
    expect(out.a).toMatchObject({ success: true, results: [], meta: { changes: 1, last_row_id: 1, changed_db: true } });
    expect(out.a.meta.rows_written).toBeGreaterThan(0);
    expect(out.a.meta.size_after).toBeGreaterThan(0);
    expect(typeof out.a.meta.duration).toBe("number");
    expect(out.b.meta).toMatchObject({ changes: 1, last_row_id: 2 });
    expect(out.all).toMatchObject({
      success: true,
      results: [
        { id: 1, title: "first", done: 0 },
        { id: 2, title: "second", done: 1 },
      ],
      meta: { changes: 0, rows_read: 2, rows_written: 0, changed_db: false },
    });
    expect(out.unbound).toBe(0); // bind() returned new statements
    expect(out.first).toEqual({ id: 2, title: "second", done: 1 });
    expect(out.title).toBe("second");
    expect(out.none).toBeNull();
    expect(out.noneColumn).toBeNull();
    expect(out.raw).toEqual([
      [1, "first"],
      [2, "second"],
    ]);
    expect(out.rawNames).toEqual([
      ["id", "title"],
      [1, "first"],
      [2, "second"],
    ]);
    expect(out.rawEmpty).toEqual([["id", "title"]]);
    expect(out.duplicate).toEqual([[1, 2]]);
    expect(out.update).toMatchObject({ changes: 2, changed_db: true });
    // changes() still holds the UPDATE's count; a read must not report it.
    expect(out.readAfterWrite).toMatchObject({ changes: 0, changed_db: false });
    expect(out.returning).toMatchObject({ success: true, results: [{ id: 3, title: "third" }], meta: { changes: 1, last_row_id: 3 } });
  });

  it("throws D1_COLUMN_NOTFOUND from first(column) when the row has no such column", async () => {
    await expect(inProject("db-first", `return DB.prepare("SELECT 1 AS one").first("two");`)).rejects.toThrow(
      "D1_COLUMN_NOTFOUND: Column not found (two)",
    );
  });

  it("stores BLOBs from Uint8Array, ArrayBuffer, views and byte arrays, returns them as byte arrays, and keeps NULL", async () => {
    const out = await inProject<{ rows: unknown[]; raw: Rows; firstColumn: unknown; found: unknown; empty: unknown }>(
      "db-blobs",
      `
      await DB.exec("CREATE TABLE files (id INTEGER PRIMARY KEY, data BLOB, note TEXT)");
      const insert = DB.prepare("INSERT INTO files (data, note) VALUES (?, ?)");
      const buffer = new Uint8Array([0, 9, 255]).buffer;
      const bound = insert.bind(buffer, "buffer");
      new Uint8Array(buffer)[0] = 42; // bind() took a copy
      await DB.batch([
        insert.bind(new Uint8Array([1, 2, 3]), null),
        bound,
        insert.bind([7, 8], "array"),
        insert.bind(new Uint8Array([5, 6, 7, 8]).subarray(1, 3), "view"),
        insert.bind(null, "no data"),
      ]);
      return {
        rows: (await DB.prepare("SELECT id, data, typeof(data) AS type, note FROM files ORDER BY id").all()).results,
        raw: await DB.prepare("SELECT data FROM files WHERE id = 1").raw(),
        firstColumn: await DB.prepare("SELECT data FROM files WHERE id = 2").first("data"),
        found: await DB.prepare("SELECT id FROM files WHERE data = ?").bind(new Uint8Array([7, 8])).first("id"),
        empty: await DB.prepare("SELECT ? AS b").bind(new Uint8Array(0)).first("b"),
      };`,
    );
    expect(out.rows).toEqual([
      { id: 1, data: [1, 2, 3], type: "blob", note: null },
      { id: 2, data: [0, 9, 255], type: "blob", note: "buffer" },
      { id: 3, data: [7, 8], type: "blob", note: "array" },
      { id: 4, data: [6, 7], type: "blob", note: "view" },
      { id: 5, data: null, type: "null", note: "no data" },
    ]);
    expect(out.raw).toEqual([[[1, 2, 3]]]);
    expect(out.firstColumn).toEqual([0, 9, 255]);
    expect(out.found).toBe(3);
    expect(out.empty).toEqual([]);
  });

  it("rejects unsupported bind() values at bind time, naming the parameter", async () => {
    const out = await inProject<string[]>(
      "db-types",
      `
      const errors = [];
      for (const values of [[1, undefined], [{}], [10n], [() => 1]]) {
        try { DB.prepare("SELECT ?, ?").bind(...values); errors.push("no error"); } catch (e) { errors.push(e.message); }
      }
      return errors;`,
    );
    expect(out).toEqual([
      "D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined' (parameter ?2)",
      "D1_TYPE_ERROR: Type 'object' not supported for value '[object Object]' (parameter ?1)",
      "D1_TYPE_ERROR: Type 'bigint' not supported for value '10' (parameter ?1)",
      "D1_TYPE_ERROR: Type 'function' not supported for value '() => 1' (parameter ?1)",
    ]);
  });

  it("turns SQLite's errors into D1's, as Error instances", async () => {
    const out = await inProject<[boolean, string][]>(
      "db-errors",
      `
      await DB.exec("CREATE TABLE t (id INTEGER PRIMARY KEY)");
      await DB.prepare("INSERT INTO t VALUES (1)").run();
      const attempts = [
        () => DB.prepare("SELECT * FROM nope").all(),
        () => DB.prepare("SELEC 1").run(),
        () => DB.prepare("INSERT INTO t VALUES (1)").run(),
        () => DB.prepare("SELECT ?").bind(1, 2).first(),
        () => DB.prepare("BEGIN TRANSACTION").run(),
        () => DB.batch([{ statement: "SELECT 1", params: [] }]),
        () => DB.dump(),
      ];
      const out = [];
      for (const attempt of attempts) {
        try { await attempt(); out.push([false, "no error"]); } catch (e) { out.push([e instanceof Error, e.message]); }
      }
      return out;`,
    );
    expect(out[0]).toEqual([true, "D1_ERROR: no such table: nope: SQLITE_ERROR"]);
    expect(out[1]).toEqual([true, 'D1_ERROR: near "SELEC": syntax error at offset 0: SQLITE_ERROR']);
    expect(out[2]![1]).toMatch(/^D1_ERROR: UNIQUE constraint failed: t\.id: SQLITE_CONSTRAINT/);
    expect(out[3]).toEqual([true, "D1_ERROR: Wrong number of parameter bindings for SQL query."]);
    // As on D1: transactions come from batch(), not from BEGIN.
    expect(out[4]![1]).toMatch(/^D1_ERROR: To execute a transaction, please use/);
    expect(out[5]).toEqual([true, "D1_ERROR: batch() takes an array of statements made with prepare()"]);
    expect(out[6]![1]).toMatch(/^D1_DUMP_ERROR: dump\(\) is not supported/);
  });

  it("gives sessions that read the one database and never hold a bookmark", async () => {
    const out = await inProject<unknown[]>(
      "db-session",
      `
      const session = DB.withSession("first-primary");
      const [row] = await session.batch([session.prepare("SELECT ? AS one").bind(1)]);
      return [await session.prepare("SELECT 1 AS one").first("one"), row.results, session.getBookmark()];`,
    );
    expect(out).toEqual([1, [{ one: 1 }], null]);
  });
});

describe("env.DB: batch and exec", () => {
  it("runs a batch in one transaction: all results, or nothing when a statement fails", async () => {
    const out = await inProject<{ ok: unknown[]; error: string | null; after: Rows; empty: unknown[] }>(
      "db-batch",
      `
      await DB.exec("CREATE TABLE acct (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)");
      const put = DB.prepare("INSERT INTO acct VALUES (?, ?)");
      const ok = await DB.batch([put.bind(1, 100), put.bind(2, 50), DB.prepare("SELECT sum(balance) AS total FROM acct")]);
      let error = null;
      try {
        await DB.batch([DB.prepare("UPDATE acct SET balance = balance - 30 WHERE id = 1"), put.bind(3, 1), put.bind(1, 0)]);
      } catch (e) { error = e.message; }
      return {
        ok: ok.map((r) => [r.success, r.meta.changes, r.results]),
        error,
        after: await DB.prepare("SELECT id, balance FROM acct ORDER BY id").raw(),
        empty: await DB.batch([]),
      };`,
    );
    expect(out.ok).toEqual([
      [true, 1, []],
      [true, 1, []],
      [true, 0, [{ total: 150 }]],
    ]);
    expect(out.error).toMatch(/^D1_ERROR: UNIQUE constraint failed: acct\.id: SQLITE_CONSTRAINT/);
    expect(out.after).toEqual([
      [1, 100],
      [2, 50],
    ]);
    expect(out.empty).toEqual([]);
  });

  it("execs several statements, keeps quoted ';' and trigger bodies whole, and names the failing line", async () => {
    const out = await inProject<{ result: { count: number; duration: number }; log: unknown[]; items: unknown[]; error: string | null; empty: string | null }>(
      "db-exec",
      `
      const result = await DB.exec([
        "CREATE TABLE log (msg TEXT);",
        "CREATE TABLE items (name TEXT); -- a comment; with a semicolon",
        "/* a block comment; */ CREATE TRIGGER items_log AFTER INSERT ON items",
        "WHEN CASE WHEN new.name = '' THEN 0 ELSE 1 END",
        "BEGIN",
        "  INSERT INTO log VALUES ('added ' || new.name || CASE WHEN new.name = 'x' THEN ';x' ELSE '' END);",
        "END;",
        "INSERT INTO items VALUES ('a;b'), ('x'), ('')",
      ].join("\\n"));
      let error = null;
      try {
        await DB.exec("INSERT INTO items VALUES ('c');\\n\\n  INSERT INTO missing\\n VALUES (1);\\nINSERT INTO items VALUES ('d')");
      } catch (e) { error = e.message; }
      let empty = null;
      try { await DB.exec("-- nothing here"); } catch (e) { empty = e.message; }
      return {
        result,
        log: (await DB.prepare("SELECT msg FROM log ORDER BY rowid").raw()).flat(),
        items: (await DB.prepare("SELECT name FROM items ORDER BY rowid").raw()).flat(),
        error,
        empty,
      };`,
    );
    expect(out.result.count).toBe(4);
    expect(typeof out.result.duration).toBe("number");
    expect(out.log).toEqual(["added a;b", "added x;x"]);
    // exec is one transaction (as on D1): the statement before the failing one is rolled back, trigger and all.
    expect(out.items).toEqual(["a;b", "x", ""]);
    expect(out.error).toBe("D1_EXEC_ERROR: Error in line 3: INSERT INTO missing VALUES (1): no such table: missing: SQLITE_ERROR");
    expect(out.empty).toBe("D1_EXEC_ERROR: No SQL statements detected.");
  });
});

describe("migrations and admin queries (control API)", () => {
  it("applies migrations in order, records them in d1_migrations, and skips them the second time", async () => {
    const first = [
      { name: "0001_init.sql", sql: "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);" },
      // Depends on 0001: only works if applied after it.
      { name: "0002_seed.sql", sql: "-- seed\nINSERT INTO users (email) VALUES ('a@x.dev');\nCREATE INDEX users_email ON users (email);\n" },
      { name: "0003_empty.sql", sql: "-- Migration number: 0003 \t 2025-01-01T00:00:00.000Z\n" },
    ];
    expect(await platform.control.migrate("db-mig", first)).toEqual({ applied: first.map((m) => m.name), skipped: [] });

    const second = [...first, { name: "0004_more.sql", sql: "INSERT INTO users (email) VALUES ('b@x.dev');" }];
    expect(await platform.control.migrate("db-mig", second)).toEqual({ applied: ["0004_more.sql"], skipped: first.map((m) => m.name) });
    expect(await platform.control.migrate("db-mig", second)).toEqual({ applied: [], skipped: second.map((m) => m.name) });

    const recorded = await platform.control.query("db-mig", "SELECT id, name, applied_at FROM d1_migrations ORDER BY id");
    expect(recorded.results.map((r) => [r.id, r.name])).toEqual(second.map((m, i) => [i + 1, m.name]));
    expect(recorded.results[0]!.applied_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    // User code sees the migrated schema.
    expect(await inProject("db-mig", `return (await DB.prepare("SELECT email FROM users ORDER BY id").all()).results;`)).toEqual([
      { email: "a@x.dev" },
      { email: "b@x.dev" },
    ]);
  });

  it("names a failing migration and leaves it unapplied, keeping the ones before it", async () => {
    const migrations = [
      { name: "0001_init.sql", sql: "CREATE TABLE users (id INTEGER PRIMARY KEY);" },
      { name: "0002_bad.sql", sql: "ALTER TABLE users ADD COLUMN name TEXT;\nINSERT INTO nowhere VALUES (1);" },
      { name: "0003_later.sql", sql: "CREATE TABLE later (id INTEGER);" },
    ];
    await expect(platform.control.migrate("db-mig-fail", migrations)).rejects.toThrow(
      "migration 0002_bad.sql failed: no such table: nowhere: SQLITE_ERROR (applied before it: 0001_init.sql)",
    );
    const recorded = await platform.control.query("db-mig-fail", "SELECT name FROM d1_migrations ORDER BY id");
    expect(recorded.results).toEqual([{ name: "0001_init.sql" }]);
    // The failing migration's first statement was rolled back with it; the one after it never ran.
    const columns = await platform.control.query("db-mig-fail", "SELECT name FROM pragma_table_info('users')");
    expect(columns.results).toEqual([{ name: "id" }]);
    await expect(platform.control.query("db-mig-fail", "SELECT * FROM later")).rejects.toThrow("no such table: later");

    // Fixed, the same list applies from where it stopped.
    migrations[1] = { name: "0002_bad.sql", sql: "ALTER TABLE users ADD COLUMN name TEXT;" };
    expect(await platform.control.migrate("db-mig-fail", migrations)).toEqual({
      applied: ["0002_bad.sql", "0003_later.sql"],
      skipped: ["0001_init.sql"],
    });
  });

  it("runs admin queries with parameters and returns JSON rows and meta", async () => {
    await platform.control.query("db-admin", "CREATE TABLE kv (k TEXT PRIMARY KEY, v BLOB, n INTEGER)");
    const inserted = await platform.control.query("db-admin", "INSERT INTO kv VALUES (?, ?, ?), (?, ?, ?)", ["a", [1, 2], true, "b", null, 5]);
    expect(inserted.results).toEqual([]);
    expect(inserted.meta).toMatchObject({ changes: 2 });
    expect(inserted.meta!.rows_written).toBeGreaterThan(0);
    const selected = await platform.control.query("db-admin", "SELECT k, v, typeof(v) AS type, n FROM kv ORDER BY k");
    expect(selected.results).toEqual([
      { k: "a", v: [1, 2], type: "blob", n: 1 },
      { k: "b", v: null, type: "null", n: 5 },
    ]);
    expect(selected.meta).toMatchObject({ changes: 0, rows_read: 2, rows_written: 0 });
    expect(typeof selected.meta!.duration).toBe("number");
    await expect(platform.control.query("db-admin", "SELECT * FROM nope")).rejects.toThrow("no such table: nope: SQLITE_ERROR");
    await expect(platform.control.query("db-admin", "SELECT ?", [{ a: 1 }])).rejects.toThrow(
      "D1_TYPE_ERROR: Type 'object' not supported for value '[object Object]' (parameter ?1)",
    );
  });
});

describe("tenant isolation", () => {
  it("gives each project its own database: same table names, own rows, no view of the other's tables", async () => {
    await inProject(
      "db-iso-a",
      `await DB.batch([
        DB.prepare("CREATE TABLE items (name TEXT)"),
        DB.prepare("CREATE TABLE a_only (secret TEXT)"),
        DB.prepare("INSERT INTO items VALUES ('apple'), ('apricot')"),
        DB.prepare("INSERT INTO a_only VALUES ('a-secret')"),
      ]);`,
    );
    await inProject("db-iso-b", `await DB.exec("CREATE TABLE items (name TEXT); INSERT INTO items VALUES ('banana');");`);

    const list = `return (await DB.prepare("SELECT name FROM items ORDER BY name").raw()).flat();`;
    expect(await inProject("db-iso-a", list)).toEqual(["apple", "apricot"]);
    expect(await inProject("db-iso-b", list)).toEqual(["banana"]);
    await expect(inProject("db-iso-b", `return DB.prepare("SELECT * FROM a_only").all();`)).rejects.toThrow(
      "D1_ERROR: no such table: a_only: SQLITE_ERROR",
    );
    const tables = `return (await DB.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").raw()).flat();`;
    expect(await inProject("db-iso-b", tables)).toEqual(["items"]);
    // The raw RPC stub is not reachable from env.DB: it sits in a private field.
    expect(await inProject("db-iso-b", `return Object.getOwnPropertyNames(DB);`)).toEqual([]);

    // The control API is scoped by its URL's project in the same way.
    expect((await platform.control.query("db-iso-b", "SELECT name FROM items")).results).toEqual([{ name: "banana" }]);
    await expect(platform.control.query("db-iso-b", "SELECT * FROM a_only")).rejects.toThrow("no such table: a_only");
  });
});
