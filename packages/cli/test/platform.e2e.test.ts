/**
 * The self-hosted platform as a team uses it: the built CLI runs `aerostack platform start` as a subprocess, then
 * login, deploy, curl, secrets, deployments, rollback and logs against it, plus the failures, account isolation,
 * a SIGKILL and restart on the same data dir, and a search for the secret value in everything the platform wrote.
 */
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, runCli, startPlatformProcess, type PlatformProcess, type RunResult } from "./helpers";

/** GET a deployed project's URL: connects to the platform's loopback port with the URL's Host (no DNS for *.localhost needed). */
function get(url: string, platformUrl: string): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const { port } = new URL(platformUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: `${target.pathname}${target.search}`, headers: { host: target.host } }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const json = <T>(res: RunResult): T => {
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as T;
};

const SOURCE = (version: number) => `export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === "/boom") throw new Error("boom from v${version}");
    console.log("hit", pathname);
    const row = await env.DB.prepare("SELECT count(*) AS n FROM visits").first();
    await env.DB.prepare("INSERT INTO visits (at) VALUES (?)").bind(Date.now()).run();
    return Response.json({ v: ${version}, mode: env.MODE, token: env.API_TOKEN ?? null, visits: row.n });
  },
};
`;

describe("aerostack platform: deploy and operate", () => {
  let work: string;
  let platform: PlatformProcess;
  let baseEnv: Record<string, string>;
  let dir: string;
  /** The user's shell after `aerostack login` (credentials under its own XDG_CONFIG_HOME). */
  let user: Record<string, string>;
  let acmeKey: string;

  /** Every line the CLI printed, searched at the end for the secret value. */
  const transcript: string[] = [];
  const cli = async (args: string[], options: { env?: Record<string, string>; input?: string; cwd?: string } = {}) => {
    const res = await runCli(args, { cwd: options.cwd ?? dir, env: options.env ?? user, ...(options.input !== undefined ? { input: options.input } : {}) });
    transcript.push(res.stdout, res.stderr);
    return res;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "aerostack-platform-e2e-"));
    baseEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("AEROSTACK_")) baseEnv[k] = v;
    baseEnv.HOME = join(work, "home");
    platform = await startPlatformProcess(join(work, "data"), baseEnv);
    user = { ...baseEnv, XDG_CONFIG_HOME: join(work, "user-config") };

    dir = join(work, "shop");
    await mkdir(join(dir, "src"), { recursive: true });
    await mkdir(join(dir, "migrations"), { recursive: true });
    await writeFile(join(dir, "aerostack.toml"), 'name = "shop"\n[vars]\nMODE = "prod"\n[env.staging.vars]\nMODE = "staging"\n');
    await writeFile(join(dir, "migrations/0001_visits.sql"), "CREATE TABLE visits (id INTEGER PRIMARY KEY, at INTEGER);\n");
    await writeFile(join(dir, "src/index.ts"), SOURCE(1));
  }, 60_000);

  afterAll(async () => {
    if (platform) expect(await platform.stop()).toBe(0);
    await rm(work, { recursive: true, force: true });
  });

  it("the story: account → login via stdin → deploy → curl → secret live without redeploy → deployments → rollback → logs", async () => {
    const admin = { ...baseEnv, AEROSTACK_API_URL: platform.url, AEROSTACK_API_KEY: platform.adminKey };
    const created = json<{ account: { name: string }; key: { token: string } }>(await cli(["account", "create", "acme", "--json"], { env: admin }));
    expect(created.account.name).toBe("acme");
    acmeKey = created.key.token;

    const login = await cli(["login", "--url", platform.url], { input: `${acmeKey}\n` });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain("acme");
    expect(login.stdout + login.stderr).not.toContain(acmeKey);
    expect(json<{ account: string }>(await cli(["whoami", "--json"])).account).toBe("acme");

    const first = json<{ url: string; version: string; migrations: { applied: string[] } }>(await cli(["deploy", "--message", "first", "--json"]));
    expect(first.url).toMatch(/^http:\/\/shop\.acme\./);
    expect(first.migrations.applied).toEqual(["0001_visits.sql"]);
    const projects = json<{ name: string; envs: { env: string; activeVersion: string; url: string }[] }[]>(await cli(["projects", "--json"]));
    expect(projects).toEqual([{ name: "shop", createdAt: expect.any(String), envs: [expect.objectContaining({ env: "production", activeVersion: first.version, url: first.url })] }]);
    let res = await get(first.url, platform.url);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ v: 1, mode: "prod", token: null, visits: 0 });

    const put = await cli(["secret", "put", "API_TOKEN"], { input: "tok_123\n" });
    expect(put.code, put.stderr).toBe(0);
    expect(put.stdout + put.stderr).not.toContain("tok_123");
    res = await get(first.url, platform.url);
    expect(JSON.parse(res.body)).toMatchObject({ v: 1, token: "tok_123", visits: 1 });
    const secrets = json<{ name: string; updatedAt: string }[]>(await cli(["secret", "list", "--json"]));
    expect(secrets.map((s) => s.name)).toEqual(["API_TOKEN"]);
    expect(JSON.stringify(secrets)).not.toContain("tok_123");

    await writeFile(join(dir, "src/index.ts"), SOURCE(2));
    const second = json<{ version: string; previousVersion: string }>(await cli(["deploy", "--json"]));
    expect(second.previousVersion).toBe(first.version);
    expect(JSON.parse((await get(first.url, platform.url)).body)).toMatchObject({ v: 2, visits: 2 });
    const again = json<{ unchanged: boolean }>(await cli(["deploy", "--json"]));
    expect(again.unchanged).toBe(true);

    const deployments = json<{ version: string; active: boolean; message: string | null }[]>(await cli(["deployments", "list", "--json"]));
    expect(deployments.map((d) => d.version)).toEqual([second.version, first.version]);
    expect(deployments[0]!.active).toBe(true);
    expect(deployments[1]!.message).toBe("first");

    const rollback = json<{ version: string; previousVersion: string }>(await cli(["rollback", "--json"]));
    expect(rollback).toMatchObject({ version: first.version, previousVersion: second.version });
    // The data stays: rollback changes code, not the database.
    expect(JSON.parse((await get(first.url, platform.url)).body)).toMatchObject({ v: 1, visits: 3 });
    expect(json<{ version: string }>(await cli(["rollback", second.version, "--json"])).version).toBe(second.version);

    expect((await get(`${first.url.replace(/\/$/, "")}/boom`, platform.url)).status).toBe(500);
    const logs = json<{ type: string; message: string; path?: string; status?: number; stack?: string }[]>(await cli(["logs", "--json"]));
    expect(logs.some((e) => e.type === "request" && e.path === "/" && e.status === 200)).toBe(true);
    expect(logs.some((e) => e.type === "console" && e.message.includes("hit /"))).toBe(true);
    const boom = logs.find((e) => e.type === "exception" && e.message.includes("boom from v2"));
    expect(boom?.stack).toContain("src/index.ts");
    const human = await cli(["logs"]);
    expect(human.stdout).toMatch(/GET \/ → 200 \(\d+ ms\)/);
    expect(human.stdout).toContain("    hit /");
  });

  it("each environment is its own instance with its own data and URL", async () => {
    const staging = json<{ url: string; env: string }>(await cli(["deploy", "--env", "staging", "--json"]));
    expect(staging.env).toBe("staging");
    expect(staging.url).toMatch(/^http:\/\/shop--staging\.acme\./);
    expect(JSON.parse((await get(staging.url, platform.url)).body)).toMatchObject({ mode: "staging", token: null, visits: 0 });
    expect(json<unknown[]>(await cli(["secret", "list", "--env", "staging", "--json"]))).toEqual([]);
  });

  it("logs --tail follows new requests and stops quietly on Ctrl-C", async () => {
    const child = spawn(process.execPath, [CLI, "logs", "--tail", "--json"], { cwd: dir, env: { ...user, CI: "1", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 1000));
    const deployed = json<{ url: string }>(await cli(["deploy", "--json"]));
    await get(`${deployed.url.replace(/\/$/, "")}/tailed`, platform.url);
    const deadline = Date.now() + 10_000;
    while (!out.includes('"/tailed"') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    const lines = out.trimEnd().split("\n").map((l) => JSON.parse(l) as { path?: string });
    expect(lines.some((e) => e.path === "/tailed")).toBe(true);
  });

  it("bad input gets a clear error and changes nothing", async () => {
    const before = json<{ version: string; active: boolean }[]>(await cli(["deployments", "list", "--json"]));

    // An unknown --env: usage error, listing the defined ones.
    const env = await cli(["deploy", "--env", "qa"]);
    expect(env.code).toBe(2);
    expect(env.stderr).toContain("production, staging");

    // A required secret that is not set: refused, the live version keeps serving.
    await writeFile(join(dir, "aerostack.toml"), 'name = "shop"\nsecrets = ["MISSING_ONE"]\n[vars]\nMODE = "prod"\n[env.staging.vars]\nMODE = "staging"\n');
    const missing = await cli(["deploy"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("aerostack secret put MISSING_ONE");

    // A module that throws at load: refused.
    await writeFile(join(dir, "aerostack.toml"), 'name = "shop"\n[vars]\nMODE = "prod"\n[env.staging.vars]\nMODE = "staging"\n');
    await writeFile(join(dir, "src/index.ts"), 'throw new Error("load-time failure");\nexport default {};\n');
    const load = await cli(["deploy"]);
    expect(load.code).toBe(1);
    expect(load.stderr).toContain("load-time failure");

    // A bundle over the size limit: refused before upload.
    await writeFile(join(dir, "src/index.ts"), `export const blob = "${"x".repeat(10 * 1024 * 1024 + 1)}";\nexport default { fetch: () => new Response(blob.slice(0, 1)) };\n`);
    const big = await cli(["deploy"]);
    expect(big.code).toBe(1);
    expect(big.stderr).toContain("nothing was uploaded");
    await writeFile(join(dir, "src/index.ts"), SOURCE(2));

    // An unknown project.
    const unknown = await cli(["secret", "list", "--project", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("aerostack deploy");

    // A malformed key never reaches the platform; a revoked one gets 401 with the fix.
    const malformed = await cli(["whoami"], { env: { ...user, AEROSTACK_API_KEY: "ak_nope" } });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain("not an account key");

    // Bad JSON straight at the API: the wire error shape.
    const raw = await fetch(`${platform.url}/api/v1/projects/shop/deployments`, {
      method: "POST",
      headers: { authorization: `Bearer ${acmeKey}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { code: string } }).error.code).toBe("bad_json");

    expect(json<{ version: string; active: boolean }[]>(await cli(["deployments", "list", "--json"]))).toEqual(before);
  });

  it("accounts are isolated, and admin commands need the admin key", async () => {
    const admin = { ...baseEnv, AEROSTACK_API_URL: platform.url, AEROSTACK_API_KEY: platform.adminKey };
    const other = json<{ key: { token: string } }>(await cli(["account", "create", "other", "--json"], { env: admin }));
    const asOther = { ...baseEnv, AEROSTACK_API_URL: platform.url, AEROSTACK_API_KEY: other.key.token };

    for (const args of [["deployments", "list"], ["secret", "list"], ["logs"]]) {
      const res = await cli([...args, "--project", "shop"], { env: asOther });
      expect(res.code, args.join(" ")).toBe(1);
      expect(res.stderr).toMatch(/not found|no project/i);
    }
    // The same project name in another account is another project.
    const theirs = json<{ url: string }>(await cli(["deploy", "--json"], { env: asOther }));
    expect(theirs.url).toMatch(/^http:\/\/shop\.other\./);

    const forbidden = await cli(["account", "create", "third"]);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toContain("admin");

    // Keys: create one, use it, revoke it; it stops working on its next request.
    const key = json<{ id: string; token: string }>(await cli(["account", "keys", "create", "--name", "ci", "--json"]));
    const asCi = { ...baseEnv, AEROSTACK_API_URL: platform.url, AEROSTACK_API_KEY: key.token };
    expect(json<{ key: { name: string } }>(await cli(["whoami", "--json"], { env: asCi })).key.name).toBe("ci");
    expect(json<{ id: string; name: string }[]>(await cli(["account", "keys", "list", "--json"])).some((k) => k.id === key.id)).toBe(true);
    expect((await cli(["account", "keys", "revoke", key.id])).code).toBe(0);
    const revoked = await cli(["whoami"], { env: asCi });
    expect(revoked.code).toBe(1);
    expect(revoked.stderr).toContain("AEROSTACK_API_KEY");
  });

  it("a project made by `aerostack init` deploys with every binding, and a failing migration leaves it serving", async () => {
    const admin = { ...baseEnv, AEROSTACK_API_URL: platform.url, AEROSTACK_API_KEY: platform.adminKey };
    const init = await cli(["init", "hello", "--template", "function", "--no-install", "--json"], { cwd: work, env: admin });
    expect(init.code, init.stderr).toBe(0);
    const hello = join(work, "hello");
    const deployed = json<{ url: string; version: string }>(await cli(["deploy", "--json"], { cwd: hello, env: admin }));
    expect(deployed.url).toMatch(/^http:\/\/hello\.admin\.localhost:\d+\/$/);
    expect(JSON.parse((await get(deployed.url, platform.url)).body)).toEqual({ message: "Hello from Aerostack", visits: 1 });
    const base = deployed.url.replace(/\/$/, "");
    const created = await post(`${base}/notes`, platform.url, JSON.stringify({ text: "shared platform notes" }));
    expect(created.status, created.body).toBe(201);
    const { id } = JSON.parse(created.body) as { id: number };
    // DB holds the row and STORAGE the object; the QUEUE consumer counts the words in the background.
    expect(JSON.parse((await get(`${base}/notes/${id}`, platform.url)).body)).toMatchObject({ id, text: "shared platform notes", stored: "shared platform notes" });
    await expect.poll(async () => JSON.parse((await get(`${base}/notes/${id}`, platform.url)).body).words, { timeout: 15_000 }).toBe(3);

    await writeFile(join(hello, "migrations/0002_ok.sql"), "CREATE TABLE tags (name TEXT);\n");
    await writeFile(join(hello, "migrations/0003_bad.sql"), "CREATE TABLE broken (;\n");
    const failed = await cli(["deploy"], { cwd: hello, env: admin });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("0003_bad.sql");
    expect(failed.stderr).toContain("previous version still serves");
    expect(JSON.parse((await get(deployed.url, platform.url)).body)).toMatchObject({ visits: 2 });
    const list = json<{ version: string; active: boolean }[]>(await cli(["deployments", "list", "--json"], { cwd: hello, env: admin }));
    expect(list).toEqual([expect.objectContaining({ version: deployed.version, active: true })]);
    await rm(join(hello, "migrations/0003_bad.sql"));
    // 0002 was rolled back with the failing one: it applies now, with the next good deploy.
    const fixed = json<{ migrations: { applied: string[] } }>(await cli(["deploy", "--json"], { cwd: hello, env: admin }));
    expect(fixed.migrations.applied).toEqual(["0002_ok.sql"]);
  });

  it("env.AI and env.VECTORIZE work on the platform: the retrieval example ingests and answers offline", async () => {
    const admin = { ...baseEnv, AEROSTACK_API_URL: platform.url, AEROSTACK_API_KEY: platform.adminKey };
    const example = join(work, "retrieval");
    await cp(fileURLToPath(new URL("../../../examples/retrieval", import.meta.url)), example, { recursive: true, filter: (src) => !src.includes("node_modules") && !src.includes(".aerostack") });
    const deployed = json<{ url: string }>(await cli(["deploy", "--json"], { cwd: example, env: admin }));
    const base = deployed.url.replace(/\/$/, "");
    const ingested = await post(`${base}/ingest`, platform.url, "");
    expect(ingested.status, ingested.body).toBe(201);
    expect(JSON.parse(ingested.body)).toMatchObject({ ingested: 5 });
    const answer = await post(`${base}/ask`, platform.url, JSON.stringify({ question: "How do I reset my password?" }));
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ citations: ["password-reset"], model: "local:default" });
  });

  it("SIGKILL, then a restart on the same data dir keeps deployments, secrets and logs; no secret value anywhere", async () => {
    const deployments = json<{ version: string; active: boolean }[]>(await cli(["deployments", "list", "--json"]));
    const before = platform;
    before.child.kill("SIGKILL");
    await new Promise((resolve) => before.child.once("exit", resolve));
    platform = await startPlatformProcess(join(work, "data"), baseEnv, false);
    expect(platform.output()).not.toContain("Admin key");
    // One platform per data dir: a second start is refused, naming the running one.
    const second = await cli(["platform", "start", "--port", "0", "--data-dir", join(work, "data")], { env: baseEnv });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain("Another platform");
    // The stored login names the old port: point this shell at the new one.
    user = { ...user, AEROSTACK_API_URL: platform.url, AEROSTACK_API_KEY: acmeKey };
    expect(json<{ version: string; active: boolean }[]>(await cli(["deployments", "list", "--json"]))).toEqual(deployments);
    const url = `http://shop.acme.localhost:${new URL(platform.url).port}/`;
    expect(JSON.parse((await get(url, platform.url)).body)).toMatchObject({ token: "tok_123" });
    const logs = json<{ type: string; path?: string }[]>(await cli(["logs", "--json", "--since", "1h"]));
    expect(logs.some((e) => e.type === "request" && e.path === "/tailed")).toBe(true);

    const value = "tok_123";
    const needles = [value, Buffer.from(value).toString("base64").replace(/=+$/, ""), Buffer.from(value).toString("hex")];
    for (const entry of await readdir(join(work, "data"), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const bytes = await readFile(join(entry.parentPath, entry.name));
      for (const needle of needles) expect(bytes.includes(Buffer.from(needle)), `${entry.name} holds the secret`).toBe(false);
    }
    for (const text of [...transcript, before.output(), platform.output()]) for (const needle of needles) expect(text).not.toContain(needle);
  });
});

/** POST to a deployed project's URL (see get). */
function post(url: string, platformUrl: string, body: string): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const { port } = new URL(platformUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method: "POST", path: target.pathname, headers: { host: target.host, "content-type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}
