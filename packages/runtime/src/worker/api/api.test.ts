// The /api/v1 of a real platform (workerd, persisted data dir, listening on loopback): accounts, deploy checks,
// rollback, secrets, logs, isolation between accounts. The CLI's end-to-end tests drive the same API as a user would.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:http";
import { startPlatformServer, type PlatformServer } from "../../host/platform/server";
import { DEFAULT_SETTINGS } from "../../host/testing";

// Response bodies are read loosely here; their shapes are the API's zod schemas, checked by the assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let server: PlatformServer;
let dataDir: string;
let admin: string;
const SECRET_VALUE = "sk_live_Zq9SuperSecretValue42";
const platformLines: string[] = [];

async function api(key: string | null, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
    ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Json, text, headers: res.headers };
}

function bundle(source: string, version: string, extra: Record<string, unknown> = {}) {
  return { version, code: source, settings: DEFAULT_SETTINGS, ...extra };
}

/** A project's URL resolved to loopback: `*.localhost` names have no DNS here, so the Host header carries the name. */
function call(url: string, path = "/"): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: Number(u.port), path, headers: { host: u.host } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end();
  });
}

const V1 = `export default { async fetch(req, env) { console.log("hello from v1"); const row = await env.DB.prepare("SELECT count(*) AS n FROM notes").first(); return new Response("v1 notes=" + row.n + " secret=" + (env.STRIPE_KEY ? "set" : "unset")); } }`;
const V2 = `export default { async fetch(req, env) { return new Response("v2 secret-length=" + (env.STRIPE_KEY ?? "").length); } }`;
const MIGRATION = { name: "0001_notes.sql", sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT);" };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "aerostack-api-"));
  server = await startPlatformServer({ dataDir, port: 0, host: "127.0.0.1", baseDomain: "localhost", onLog: (line) => platformLines.push(line) });
  admin = server.adminKey!;
  expect(admin).toMatch(/^ak_[A-Za-z0-9]{40}$/);
});
afterAll(() => server?.close());

describe("platform API", () => {
  it("answers health and OpenAPI without a key, and refuses everything else without a valid one", async () => {
    expect((await api(null, "GET", "/health")).body).toMatchObject({ ok: true, mode: "platform" });
    const doc = await api(null, "GET", "/openapi.json");
    expect(doc.body.openapi).toBe("3.1.0");
    expect(Object.keys(doc.body.paths)).toContain("/api/v1/projects/{project}/deployments");
    expect(doc.body.paths["/api/v1/projects/{project}/deployments"].post.requestBody.content["application/json"].schema.required).toContain("code");

    const none = await api(null, "GET", "/whoami");
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe("unauthorized");
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f]{8}$/);
    expect((await api("ak_short", "GET", "/whoami")).body.error.message).toMatch(/malformed/);
    expect((await api(`ak_${"x".repeat(40)}`, "GET", "/whoami")).body.error.message).toMatch(/not valid/);
    expect((await api(admin, "GET", "/whoami")).body).toMatchObject({ account: "admin", admin: true });
    expect((await api(admin, "GET", "/nope")).status).toBe(404);
    expect((await api(admin, "DELETE", "/whoami")).body.error.code).toBe("method_not_allowed");
  });

  it("refuses bad JSON, a wrong content type and bad names with clear errors", async () => {
    const bad = await api(admin, "POST", "/projects/hello/deployments", "{not json");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("bad_json");
    const type = await api(admin, "POST", "/projects/hello/deployments", "x", { "content-type": "text/plain" });
    expect(type.body.error.code).toBe("unsupported_media_type");
    const invalid = await api(admin, "POST", "/projects/hello/deployments", { version: "v1" });
    expect(invalid.body.error.code).toBe("invalid_body");
    expect(invalid.body.error.message).toMatch(/^code:/);
    expect((await api(admin, "POST", "/projects/Bad_Name/deployments", bundle(V1, "a"))).body.error.code).toBe("bad_name");
    expect((await api(admin, "POST", "/projects/a--b/deployments", bundle(V1, "a"))).body.error.message).toMatch(/--/);
    expect((await api(admin, "POST", "/projects/hello/deployments?env=Bad!", bundle(V1, "a"))).body.error.code).toBe("invalid_query");
    expect((await api(admin, "GET", "/projects/ghost/deployments")).body.error.code).toBe("project_not_found");
  });

  it("refuses a bundle over the size limit before storing anything", async () => {
    const big = await api(admin, "POST", "/projects/big/deployments", bundle(`// ${"x".repeat(11 * 1024 * 1024)}\nexport default {}`, "big"));
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe("payload_too_large");
    expect((await api(admin, "GET", "/projects/big")).body.error.code).toBe("project_not_found");
  });

  it("deploys: missing secret, throwing module and failing migration each change nothing; then a good deploy flips", async () => {
    const missing = await api(admin, "POST", "/projects/hello/deployments", bundle(V1, "v1", { migrations: [MIGRATION], requiredSecrets: ["STRIPE_KEY"] }));
    expect(missing.status).toBe(422);
    expect(missing.body.error.code).toBe("missing_secret");
    expect(missing.body.error.message).toContain("STRIPE_KEY");
    expect(missing.body.error.message).toContain("aerostack secret put STRIPE_KEY");

    const put = await api(admin, "PUT", "/projects/hello/secrets/STRIPE_KEY", { value: SECRET_VALUE });
    expect(put.status).toBe(200);
    expect(put.text).not.toContain(SECRET_VALUE);

    const ok = await api(admin, "POST", "/projects/hello/deployments", bundle(V1, "v1", { migrations: [MIGRATION], requiredSecrets: ["STRIPE_KEY"], message: "first" }));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ project: "hello", env: "production", version: "v1", previousVersion: null, migrations: { applied: ["0001_notes.sql"] } });
    expect(ok.body.url).toBe(`http://hello.admin.localhost:${new URL(server.url).port}/`);
    expect(await call(ok.body.url)).toEqual({ status: 200, text: "v1 notes=0 secret=set" });

    const throwsAtLoad = await api(admin, "POST", "/projects/hello/deployments", bundle(`throw new Error("boom at load");\nexport default {}`, "bad1"));
    expect(throwsAtLoad.status).toBe(422);
    expect(throwsAtLoad.body.error.code).toBe("module_load_failed");
    expect(throwsAtLoad.body.error.message).toContain("boom at load");

    const badMigration = await api(
      admin,
      "POST",
      "/projects/hello/deployments",
      bundle(V2, "bad2", { migrations: [MIGRATION, { name: "0002_ok.sql", sql: "CREATE TABLE t2 (x);" }, { name: "0003_bad.sql", sql: "CREATE TABLE oops (;" }] }),
    );
    expect(badMigration.status).toBe(422);
    expect(badMigration.body.error.code).toBe("migration_failed");
    expect(badMigration.body.error.message).toContain("0003_bad.sql");

    // Still v1, and 0002 (which came before the failing one) was rolled back too.
    expect((await call(ok.body.url)).text).toBe("v1 notes=0 secret=set");
    const list = await api(admin, "GET", "/projects/hello/deployments");
    expect(list.body.deployments.map((d: { version: string }) => d.version)).toEqual(["v1"]);
    const v2 = await api(admin, "POST", "/projects/hello/deployments", bundle(V2, "v2", { migrations: [MIGRATION, { name: "0002_ok.sql", sql: "CREATE TABLE t2 (x);" }] }));
    expect(v2.body.migrations).toEqual({ applied: ["0002_ok.sql"], skipped: ["0001_notes.sql"] });
    expect(v2.body.previousVersion).toBe("v1");
    expect((await call(ok.body.url)).text).toBe(`v2 secret-length=${SECRET_VALUE.length}`);
  });

  it("dry-run checks and changes nothing", async () => {
    const dry = await api(admin, "POST", "/projects/hello/deployments", bundle(V1, "v3dry", { dryRun: true, migrations: [{ name: "0009_x.sql", sql: "CREATE TABLE x9 (a);" }] }));
    expect(dry.body).toMatchObject({ dryRun: true, migrations: { applied: ["0009_x.sql"] } });
    const list = await api(admin, "GET", "/projects/hello/deployments");
    expect(list.body.deployments.map((d: { version: string }) => d.version)).toEqual(["v2", "v1"]);
    const again = await api(admin, "POST", "/projects/hello/deployments", bundle(V1, "v3dry", { dryRun: true, migrations: [{ name: "0009_x.sql", sql: "CREATE TABLE x9 (a);" }] }));
    expect(again.body.migrations.applied).toEqual(["0009_x.sql"]);
  });

  it("secrets change live without a redeploy; list shows names and dates only", async () => {
    await api(admin, "PUT", "/projects/hello/secrets/STRIPE_KEY", { value: "short" });
    expect((await call(`http://hello.admin.localhost:${new URL(server.url).port}/`)).text).toBe("v2 secret-length=5");
    const list = await api(admin, "GET", "/projects/hello/secrets");
    expect(list.body.secrets).toEqual([{ name: "STRIPE_KEY", updatedAt: expect.stringMatching(/^\d{4}-/) }]);
    expect((await api(admin, "PUT", "/projects/hello/secrets/DB", { value: "x" })).body.error.code).toBe("bad_name");
    await api(admin, "PUT", "/projects/hello/secrets/STRIPE_KEY", { value: SECRET_VALUE });
  });

  it("rolls back to the previous version atomically, or to a named one", async () => {
    const back = await api(admin, "POST", "/projects/hello/rollback", {});
    expect(back.body).toMatchObject({ version: "v1", previousVersion: "v2" });
    const url = `http://hello.admin.localhost:${new URL(server.url).port}/`;
    expect((await call(url)).text).toBe("v1 notes=0 secret=set");
    const list = await api(admin, "GET", "/projects/hello/deployments");
    expect(list.body.deployments.find((d: { active: boolean }) => d.active).version).toBe("v1");
    expect((await api(admin, "POST", "/projects/hello/rollback", { version: "nope" })).body.error.code).toBe("deployment_not_found");
    expect((await api(admin, "POST", "/projects/hello/rollback", { version: "v2" })).body.version).toBe("v2");
    expect((await call(url)).text).toBe(`v2 secret-length=${SECRET_VALUE.length}`);
  });

  it("environments are separate instances with their own data; an unknown one is a clear error", async () => {
    expect((await api(admin, "GET", "/projects/hello/deployments?env=staging")).body.error.code).toBe("unknown_env");
    const staged = await api(admin, "POST", "/projects/hello/deployments?env=staging", bundle(V1, "v1", { migrations: [MIGRATION] }));
    expect(staged.body.url).toBe(`http://hello--staging.admin.localhost:${new URL(server.url).port}/`);
    expect((await call(staged.body.url)).text).toBe("v1 notes=0 secret=unset");
    const project = await api(admin, "GET", "/projects/hello");
    expect(project.body.envs.map((e: { env: string }) => e.env)).toEqual(["production", "staging"]);
  });

  it("logs requests, console output and exceptions with source-mapped stacks, and failed waitUntil promises", async () => {
    const source = [
      "export default {",
      "  async fetch(req, env, ctx) {",
      "    const url = new URL(req.url);",
      "    console.log('handling', url.pathname);",
      "    ctx.waitUntil(Promise.reject(new Error('background job failed')));",
      "    if (url.pathname === '/boom') throw new TypeError('kaboom');",
      "    return new Response('ok');",
      "  },",
      "};",
    ].join("\n");
    const map = JSON.stringify({ version: 3, sources: ["src/index.ts"], names: [], mappings: "AAAA;AACA;AACA;AACA;AACA;AACA;AACA;AACA;AACA", sourcesContent: [source] });
    const res = await api(admin, "POST", "/projects/logged/deployments", bundle(source, "l1", { sourceMap: map }));
    expect(res.status).toBe(200);
    await call(res.body.url, "/hello");
    await call(res.body.url, "/boom");
    let entries: Json[] = [];
    for (let i = 0; i < 50; i++) {
      entries = (await api(admin, "GET", "/projects/logged/logs")).body.entries;
      if (entries.filter((e) => e.type === "exception").length >= 3) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(entries.find((e) => e.type === "request" && e.path === "/hello")).toMatchObject({ method: "GET", status: 200, version: "l1" });
    expect(entries.find((e) => e.type === "request" && e.path === "/boom")).toMatchObject({ status: 500 });
    expect(entries.find((e) => e.type === "console" && e.message === "handling /hello")).toBeTruthy();
    const thrown = entries.find((e) => e.type === "exception" && e.message.includes("kaboom"));
    expect(thrown?.stack).toContain("src/index.ts:6");
    const background = entries.find((e) => e.type === "exception" && e.message.includes("background job failed"));
    expect(background?.message).toContain("waitUntil");
    expect(background?.stack).toContain("src/index.ts:5");

    const cursor = (await api(admin, "GET", "/projects/logged/logs")).body.cursor;
    await call(res.body.url, "/after");
    let more: Json[] = [];
    for (let i = 0; i < 50 && !more.some((e) => e.path === "/after"); i++) {
      more = (await api(admin, "GET", `/projects/logged/logs?after=${cursor}`)).body.entries;
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(more.every((e) => e.id > cursor)).toBe(true);
    expect(more.some((e) => e.path === "/after")).toBe(true);
  });

  it("account B cannot see, deploy over, or read the logs and secrets of account A's project", async () => {
    const created = await api(admin, "POST", "/accounts", { name: "bob" });
    expect(created.status).toBe(200);
    const bob = created.body.key.token as string;
    expect((await api(admin, "POST", "/accounts", { name: "bob" })).body.error.code).toBe("account_exists");
    expect((await api(bob, "POST", "/accounts", { name: "eve" })).body.error.code).toBe("forbidden");

    expect((await api(bob, "GET", "/projects")).body.projects).toEqual([]);
    expect((await api(bob, "GET", "/projects/hello/secrets")).body.error.code).toBe("project_not_found");
    expect((await api(bob, "GET", "/projects/hello/logs")).body.error.code).toBe("project_not_found");
    expect((await api(bob, "GET", "/projects/hello/deployments")).body.error.code).toBe("project_not_found");
    expect((await api(bob, "POST", "/projects/hello/rollback", {})).body.error.code).toBe("project_not_found");
    // Bob's own "hello" is his own instance: it neither replaces nor reads admin's.
    const mine = await api(bob, "POST", "/projects/hello/deployments", bundle(V2, "b1"));
    expect(mine.body.url).toBe(`http://hello.bob.localhost:${new URL(server.url).port}/`);
    expect((await call(mine.body.url)).text).toBe("v2 secret-length=0");
    expect((await call(`http://hello.admin.localhost:${new URL(server.url).port}/`)).text).toBe(`v2 secret-length=${SECRET_VALUE.length}`);

    // Keys: create, list (no tokens), revoke — effective on the next request.
    const extra = await api(bob, "POST", "/keys", { name: "ci" });
    expect(extra.body.token).toMatch(/^ak_/);
    const keys = await api(bob, "GET", "/keys");
    expect(keys.text).not.toContain(extra.body.token);
    expect(keys.body.keys.map((k: { name: string }) => k.name)).toEqual(["default", "ci"]);
    expect((await api(extra.body.token, "GET", "/whoami")).body.account).toBe("bob");
    expect((await api(admin, "DELETE", `/keys/${extra.body.id}`)).body.error.code).toBe("key_not_found");
    expect((await api(bob, "DELETE", `/keys/${extra.body.id}`)).body).toEqual({ ok: true });
    expect((await api(extra.body.token, "GET", "/whoami")).status).toBe(401);

    const audit = await api(bob, "GET", "/audit");
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(expect.arrayContaining(["deploy", "key.create", "key.revoke"]));
    expect(audit.text).not.toContain("admin.hello");
  });

  it("keeps deployments, secrets and logs across a restart, and no secret value is in any file or response", async () => {
    await server.close();
    server = await startPlatformServer({ dataDir, port: 0, host: "127.0.0.1", baseDomain: "localhost", onLog: (line) => platformLines.push(line) });
    expect(server.adminKey).toBeNull();
    const url = `http://hello.admin.localhost:${new URL(server.url).port}/`;
    expect((await call(url)).text).toBe(`v2 secret-length=${SECRET_VALUE.length}`);
    expect((await api(admin, "GET", "/projects/logged/logs")).body.entries.length).toBeGreaterThan(3);

    const needles = [SECRET_VALUE, Buffer.from(SECRET_VALUE).toString("base64"), encodeURIComponent(SECRET_VALUE), Buffer.from(SECRET_VALUE).toString("hex")];
    for (const entry of await readdir(dataDir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const bytes = await readFile(join(entry.parentPath, entry.name));
      for (const needle of needles) expect(bytes.includes(Buffer.from(needle)), `${entry.name} holds the secret`).toBe(false);
    }
    for (const line of platformLines) for (const needle of needles) expect(line).not.toContain(needle);
  });
});
