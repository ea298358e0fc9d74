import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./helpers";

// `aerostack build` and `aerostack db` as a user runs them, from the built CLI.
let work: string;
let project: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-build-"));
  const init = await runCli(["init", "app", "--template", "function", "--no-install", "--json"], { cwd: work });
  expect(init.code).toBe(0);
  expect(JSON.parse(init.stdout)).toMatchObject({ name: "app", template: "function", installed: false });
  project = join(work, "app");
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe("aerostack build", () => {
  it("writes the bundle, its source map and a manifest with settings and migrations", async () => {
    const res = await runCli(["build", "--json"], { cwd: project });
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { project: string; version: string; files: { path: string }[] };
    expect(out.project).toBe("app");
    expect((await readdir(join(project, "dist"))).sort()).toEqual(["aerostack.manifest.json", "index.js", "index.js.map"]);
    const manifest = JSON.parse(await readFile(join(project, "dist/aerostack.manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ name: "app", type: "function", version: out.version, main: "index.js" });
    expect(manifest.settings.vars).toEqual({ GREETING: "Hello from Aerostack" });
    expect(manifest.migrations.map((m: { name: string }) => m.name)).toEqual(["0001_notes.sql"]);
    const code = await readFile(join(project, "dist/index.js"), "utf8");
    expect(code).toContain("sourceMappingURL=index.js.map");
    expect(JSON.parse(await readFile(join(project, "dist/index.js.map"), "utf8")).sources).toContain("src/index.ts");
  });

  it("a failed build names file and line, exits 1, and leaves the previous output untouched", async () => {
    // Its own previous output: the test does not lean on the one before it.
    expect((await runCli(["build"], { cwd: project })).code).toBe(0);
    const before = await readFile(join(project, "dist/index.js"), "utf8");
    const source = join(project, "src/index.ts");
    const good = await readFile(source, "utf8");
    await writeFile(source, good.replace("const json =", "const json = ="));
    try {
      const res = await runCli(["build"], { cwd: project });
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/src\/index\.ts:\d+:\d+/);
      expect(await readFile(join(project, "dist/index.js"), "utf8")).toBe(before);
    } finally {
      await writeFile(source, good);
    }
  });

  it("a build that fails after writing its staging folder removes it", async () => {
    // The bundle is fine, so the files are written to the staging folder beside the output; replacing the output
    // then fails (a folder name longer than the file system allows), which is the failure the clean-up is for.
    const tooLong = "o".repeat(256);
    const res = await runCli(["build", "--outdir", tooLong], { cwd: project });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("ENAMETOOLONG");
    expect((await readdir(project)).filter((f) => f.includes("aerostack-build"))).toEqual([]);
  });
});

describe("aerostack db (no dev server running)", () => {
  it("migrate applies pending migrations once, and query reads the state folder", async () => {
    const first = await runCli(["db", "migrate", "--json"], { cwd: project });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ applied: ["0001_notes.sql"], via: "state" });
    const again = await runCli(["db", "migrate", "--json"], { cwd: project });
    expect(JSON.parse(again.stdout)).toMatchObject({ applied: [], skipped: ["0001_notes.sql"] });

    const insert = await runCli(["db", "query", "INSERT INTO notes (text) VALUES ('from the cli')"], { cwd: project });
    expect(insert.code).toBe(0);
    const read = await runCli(["db", "query", "SELECT text FROM notes", "--json"], { cwd: project });
    expect(JSON.parse(read.stdout).results).toEqual([{ text: "from the cli" }]);
  });

  it("several statements print one result each, in one transaction", async () => {
    await runCli(["db", "migrate"], { cwd: project });
    const many = await runCli(["db", "query", "INSERT INTO notes (text) VALUES ('a'); INSERT INTO notes (text) VALUES ('b'); SELECT count(*) AS n FROM notes WHERE text IN ('a', 'b'); SELECT 'x;y' AS semi", "--json"], { cwd: project });
    expect(many.code, many.stderr).toBe(0);
    const answers = JSON.parse(many.stdout) as { sql: string; results: unknown[] }[];
    expect(answers.map((a) => a.results)).toEqual([[], [], [{ n: 2 }], [{ semi: "x;y" }]]);
    const human = await runCli(["db", "query", "SELECT 1 AS one; SELECT 2 AS two"], { cwd: project });
    expect(human.stdout).toMatch(/-- SELECT 1 AS one[\s\S]*one[\s\S]*-- SELECT 2 AS two[\s\S]*two/);
    // A failing statement rolls back the ones before it.
    const failing = await runCli(["db", "query", "INSERT INTO notes (text) VALUES ('c'); SELECT * FROM nowhere"], { cwd: project });
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain("no such table: nowhere");
    const count = await runCli(["db", "query", "SELECT count(*) AS n FROM notes WHERE text = 'c'", "--json"], { cwd: project });
    expect(JSON.parse(count.stdout).results).toEqual([{ n: 0 }]);
  });

  it("concurrent queries take turns on the state folder and all answer", async () => {
    await runCli(["db", "migrate"], { cwd: project });
    const runs = await Promise.all(
      Array.from({ length: 5 }, (_, i) => runCli(["db", "query", `INSERT INTO notes (text) VALUES ('c${i}'); SELECT count(*) AS n FROM notes WHERE text = 'c${i}'`, "--json"], { cwd: project })),
    );
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      expect((JSON.parse(run.stdout) as { results: unknown[] }[]).at(-1)!.results).toEqual([{ n: 1 }]);
    }
  });

  it("a bad statement is a short error with exit 1", async () => {
    const res = await runCli(["db", "query", "SELECT * FROM nowhere"], { cwd: project });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("no such table: nowhere");
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});
