/**
 * The platform commands as a user runs them (built CLI, subprocess, no TTY, CI set), on what needs no platform
 * worker: local checks that fail before anything is sent, and the CLI's side of the wire against a loopback
 * server that speaks the API contract (stdin handling, --json, exit codes, the key never printed).
 * platform.e2e.test.ts runs the same story against the real platform.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startApiServer, wireError, type ApiServer } from "../../runtime/src/host/fixtures/api-server";
import { CLI, runCli } from "./helpers";

const KEY = `ak_${"Q7".repeat(20)}`;
let work: string;
let server: ApiServer;
let home: string;
let projectDir: string;

/** No login and no AEROSTACK_* from the developer's shell leak in: each test says what it has. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("AEROSTACK_")) env[k] = v;
  return { ...env, HOME: home, XDG_CONFIG_HOME: join(home, "config"), ...extra };
}
const ci = () => cleanEnv({ AEROSTACK_API_URL: server.url, AEROSTACK_API_KEY: KEY });
const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-platform-cli-"));
  server = await startApiServer();
  projectDir = join(work, "shop");
  await mkdir(join(projectDir, "src"), { recursive: true });
  await writeFile(join(projectDir, "aerostack.toml"), 'name = "shop"\nsecrets = ["STRIPE_KEY"]\n[env.staging.vars]\nMODE = "staging"\n');
  await writeFile(join(projectDir, "src/index.ts"), "export default { fetch: () => new Response('hi') };\n");
  server.on("GET /api/v1/whoami", (req) =>
    req.headers.authorization === `Bearer ${KEY}` ? { json: { account: "acme", admin: false, key: { id: "key_1", name: "laptop" } } } : wireError(401, "unauthorized", "invalid or revoked key"),
  );
});
afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});
beforeEach(async () => {
  home = await mkdtemp(join(work, "home-"));
  server.requests.splice(0);
});

describe("platform commands: refused locally, nothing sent", () => {
  it("a secret value given as an argument is a usage error saying why", async () => {
    const res = await runCli(["secret", "put", "STRIPE_KEY", "sk_live_123"], { cwd: projectDir, env: ci() });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("never command-line arguments");
    expect(res.stderr).toContain("shell history");
    expect(res.stderr).not.toContain("sk_live_123");
    expect(server.requests).toHaveLength(0);
  });

  it("an --env the file does not define: exit 2, lists the defined ones, for deploy and the other commands", async () => {
    for (const args of [["deploy", "--env", "prod"], ["secret", "list", "--env", "prod"], ["logs", "--env", "prod"], ["deployments", "list", "--env", "prod"]]) {
      const res = await runCli(args, { cwd: projectDir, env: ci() });
      expect(res.code, args.join(" ")).toBe(2);
      expect(res.stderr).toContain('Unknown environment "prod"');
      expect(res.stderr).toContain("production, staging");
    }
    expect(server.requests).toHaveLength(0);
  });

  it("without a login or variables: exit 1, says to log in or set the variables", async () => {
    const res = await runCli(["whoami"], { cwd: work, env: cleanEnv() });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("aerostack login");
    expect(res.stderr).toContain("AEROSTACK_API_KEY");
    noStack(res.stderr);
  });

  it("a malformed key is refused without being echoed", async () => {
    const res = await runCli(["whoami"], { cwd: work, env: cleanEnv({ AEROSTACK_API_URL: server.url, AEROSTACK_API_KEY: "ak_short_and_wrong" }) });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("AEROSTACK_API_KEY is not an account key");
    expect(res.stderr).not.toContain("ak_short_and_wrong");
    expect(server.requests).toHaveLength(0);
  });

  it("an unreachable platform: exit 1, names the URL and `aerostack platform start`", async () => {
    const gone = await startApiServer();
    await gone.close();
    const res = await runCli(["whoami"], { cwd: work, env: cleanEnv({ AEROSTACK_API_URL: gone.url, AEROSTACK_API_KEY: KEY }) });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`The platform at ${gone.url} is unreachable`);
    expect(res.stderr).toContain("aerostack platform start");
    noStack(res.stderr);
  });

  it("login with nothing on stdin: exit 2, names stdin", async () => {
    const res = await runCli(["login", "--url", server.url], { cwd: work, env: cleanEnv(), input: "" });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("stdin");
  });
});

describe("platform commands: the CLI's side of the wire", () => {
  it("login reads the key from stdin, checks it, stores it 0600; whoami and --json never show the key; logout forgets it", async () => {
    const login = await runCli(["login", "--url", server.url, "--json"], { cwd: work, env: cleanEnv(), input: `${KEY}\n` });
    expect(login.code, login.stderr).toBe(0);
    expect(JSON.parse(login.stdout)).toMatchObject({ url: server.url, account: "acme", key: { id: "key_1", name: "laptop" } });
    expect(login.stdout + login.stderr).not.toContain(KEY);
    const file = join(home, "config", "aerostack", "credentials.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ url: server.url, key: KEY, account: "acme" });

    const who = await runCli(["whoami"], { cwd: work, env: cleanEnv() });
    expect(who.code).toBe(0);
    expect(who.stdout).toContain("acme");
    expect(who.stdout).toContain("aerostack login");
    expect(who.stdout).not.toContain(KEY);

    const logout = await runCli(["logout"], { cwd: work, env: cleanEnv() });
    expect(logout.code).toBe(0);
    expect((await runCli(["whoami"], { cwd: work, env: cleanEnv() })).stderr).toContain("Not logged in");
  });

  it("login with a key the platform refuses stores nothing", async () => {
    const res = await runCli(["login", "--url", server.url], { cwd: work, env: cleanEnv(), input: `ak_${"x".repeat(40)}` });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("invalid or revoked key");
    expect(res.stderr).toContain("aerostack login");
    await expect(stat(join(home, "config", "aerostack", "credentials.json"))).rejects.toThrow();
  });

  it("deploy in CI needs only the two variables; --json prints the result", async () => {
    server.on("POST /api/v1/projects/shop/deployments", (req) => ({
      json: {
        project: "shop",
        env: req.query.get("env"),
        version: (req.body as { version: string }).version,
        previousVersion: null,
        url: "http://shop--staging.acme.localhost:8700/",
        unchanged: false,
        dryRun: false,
        migrations: { applied: [], skipped: [] },
      },
    }));
    const res = await runCli(["deploy", "--env", "staging", "--message", "ci run", "--json"], { cwd: projectDir, env: ci() });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ project: "shop", env: "staging", url: "http://shop--staging.acme.localhost:8700/" });
    const body = server.requests[0]!.body as { requiredSecrets: string[]; message: string; settings: { vars: Record<string, unknown> } };
    expect(body).toMatchObject({ requiredSecrets: ["STRIPE_KEY"], message: "ci run", settings: { vars: { MODE: "staging" } } });

    const human = await runCli(["deploy", "--env", "staging"], { cwd: projectDir, env: ci() });
    expect(human.stdout).toContain("Deployed shop (staging) version");
    expect(human.stdout).toContain("http://shop--staging.acme.localhost:8700/");
  });

  it("a wire error prints the platform's message and the fixing command, exit 1", async () => {
    server.on("POST /api/v1/projects/shop/deployments", () => wireError(422, "missing_secret", "STRIPE_KEY is not set"));
    const res = await runCli(["deploy"], { cwd: projectDir, env: ci() });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("STRIPE_KEY is not set");
    expect(res.stderr).toContain("aerostack secret put STRIPE_KEY");
    noStack(res.stderr);
  });

  it("secret put reads the value from stdin and never prints it", async () => {
    server.on("PUT /api/v1/projects/shop/secrets/STRIPE_KEY", () => ({ json: { name: "STRIPE_KEY", updatedAt: "2025-01-01T00:00:00Z" } }));
    const res = await runCli(["secret", "put", "STRIPE_KEY", "--env", "staging"], { cwd: projectDir, env: ci(), input: "sk_test_secret_value\n" });
    expect(res.code, res.stderr).toBe(0);
    expect(server.requests[0]!.body).toEqual({ value: "sk_test_secret_value" });
    expect(server.requests[0]!.query.get("env")).toBe("staging");
    expect(res.stdout + res.stderr).not.toContain("sk_test_secret_value");
  });

  it("logs: requests with their console lines and exceptions under them; --json an array; --tail NDJSON until Ctrl-C, exit 0", async () => {
    const now = Date.now();
    const entries = [
      { id: 1, ts: now, type: "console", level: "log", requestId: "req-a", version: "v1", message: "hello from code" },
      { id: 2, ts: now, type: "exception", level: "error", requestId: "req-a", version: "v1", message: "Error: boom", stack: "Error: boom\n    at handler (src/index.ts:3:11)" },
      { id: 3, ts: now, type: "request", level: "info", requestId: "req-a", version: "v1", method: "GET", path: "/x", status: 500, durationMs: 3, message: "GET /x" },
    ];
    server.on("GET /api/v1/projects/shop/logs", (req) => {
      const after = Number(req.query.get("after") ?? 0);
      const page = entries.filter((e) => e.id > after);
      return { json: { entries: page, cursor: page.at(-1)?.id ?? after } };
    });
    const human = await runCli(["logs"], { cwd: projectDir, env: ci() });
    expect(human.code, human.stderr).toBe(0);
    const lines = human.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} req-a GET \/x → 500 \(3 ms\)$/);
    expect(lines[1]).toBe("    hello from code");
    expect(lines[2]).toBe("    ✘ Error: boom");
    expect(lines[3]).toBe("      at handler (src/index.ts:3:11)");

    const json = await runCli(["logs", "--json", "--since", "10m"], { cwd: projectDir, env: ci() });
    expect(JSON.parse(json.stdout)).toHaveLength(3);

    const child = spawn(process.execPath, [CLI, "logs", "--tail", "--since", "1h", "--json"], { cwd: projectDir, env: { ...ci(), CI: "1", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const deadline = Date.now() + 10_000;
    while (out.split("\n").filter(Boolean).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // Past the first poll: the tail now asks for entries after the cursor.
    await new Promise((r) => setTimeout(r, 700));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(out.trimEnd().split("\n").map((l) => JSON.parse(l).id)).toEqual([1, 2, 3]);
    expect(server.requests.some((r) => r.query.get("after") === "3")).toBe(true);
  });
});
