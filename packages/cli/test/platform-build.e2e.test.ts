/** `aerostack platform build --target cloudflare` end to end: the output runs under `wrangler dev --local` and serves a deployed project. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { descendants, freePort, runCli } from "./helpers";

const WRANGLER = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin/wrangler.js");
const PROJECT = "app";

let work: string;
let out: string;
let wrangler: ChildProcess | undefined;
let wranglerOutput = "";
let port: number;
const hostToken = randomBytes(32).toString("hex");

/**
 * Deploys the project in `dir` as a user of a Cloudflare-deployed platform would: `aerostack platform bootstrap` once
 * (the host token makes the admin account and prints its key), then `aerostack deploy` with that key.
 */
let adminKey: string | undefined;
async function deployProject(dir: string, platformUrl: string, token: string): Promise<void> {
  if (!adminKey) {
    const boot = await runCli(["platform", "bootstrap", "--url", platformUrl, "--json"], { cwd: dir, env: { AEROSTACK_HOST_TOKEN: token } });
    expect(boot.code, boot.stderr).toBe(0);
    adminKey = (JSON.parse(boot.stdout) as { key: string }).key;
    const again = await runCli(["platform", "bootstrap", "--url", platformUrl], { cwd: dir, env: { AEROSTACK_HOST_TOKEN: token } });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already has its admin account");
  }
  const deployed = await runCli(["deploy", "--json"], { cwd: dir, env: { AEROSTACK_API_URL: platformUrl, AEROSTACK_API_KEY: adminKey } });
  expect(deployed.code, deployed.stderr).toBe(0);
}

/** A request to `project` on the platform, named by its Host header as `<project>.admin.localhost` (no DNS involved). */
function callProject(project: string, path: string, init: { method?: string; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: init.method ?? "GET", headers: { host: `${project}.admin.localhost:${port}`, "content-type": "application/json" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

/** Alive and not a zombie: an exited workerd whose parent has gone may linger unreaped, and it holds nothing. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/**
 * Starts `wrangler dev --local` in the output folder, in its own process group so it and its workerd stop together.
 * Recorded in `wrangler` at once, so afterAll stops it even when it never gets ready.
 */
async function startWrangler(cwd: string): Promise<void> {
  const child = spawn(process.execPath, [WRANGLER, "dev", "--local", "--port", String(port), "--ip", "127.0.0.1"], {
    cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      CI: "1",
      NO_COLOR: "1",
      // Nothing leaves loopback: no cf object fetch, no metrics, and no banner (its update check asks the registry).
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_HIDE_BANNER: "true",
      WRANGLER_LOG_PATH: join(work, "wrangler-logs"),
    },
  });
  wrangler = child;
  const collect = (d: Buffer) => (wranglerOutput += d.toString());
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrangler dev did not get ready:\n${wranglerOutput}`)), 30_000);
    const check = () => {
      if (/Ready on http:\/\/127\.0\.0\.1:\d+/.test(wranglerOutput)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`wrangler dev exited (${code}) before it was ready:\n${wranglerOutput}`));
    });
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-platform-build-"));
  out = join(work, "platform-cf");
  port = await freePort();
});

/** Stops wrangler's process group (wrangler, its workerd); SIGKILLs whatever outlives SIGTERM. Returns what it stopped. */
async function stopWrangler(child: ChildProcess): Promise<number[]> {
  const group = child.pid!;
  const tree = [group, ...descendants(group)];
  const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once("exit", () => resolve())));
  try {
    process.kill(-group, "SIGTERM");
  } catch {
    // Already gone.
  }
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
  for (const pid of tree.filter(running)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Exited meanwhile.
    }
  }
  return tree;
}

afterAll(async () => {
  // Only when a test failed before the last one stopped it.
  if (wrangler) await stopWrangler(wrangler);
  await rm(work, { recursive: true, force: true });
});

describe("aerostack platform build --target cloudflare", () => {
  it("writes the worker, its wasm and a wrangler config generated from the manifest", async () => {
    const res = await runCli(["platform", "build", "--target", "cloudflare", "--out", out, "--base-domain", "aero.example.com", "--name", "aero", "--json"], { cwd: work });
    expect(res.code, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout);
    expect(result).toMatchObject({ target: "cloudflare", name: "aero", baseDomain: "aero.example.com", r2Buckets: ["aero-objects"], routes: ["*.aero.example.com/*", "aero.example.com/*"] });
    expect((await readdir(out)).sort()).toEqual([".aerostack-platform-build.json", ".gitignore", "README.md", "platform.js", "platform.js.map", "vector-kernel.wasm", "wrangler.jsonc"]);
    const text = await readFile(join(out, "wrangler.jsonc"), "utf8");
    expect(text).toMatch(/^\/\/ .*AEROSTACK_MASTER_KEY/m);
    const config = JSON.parse(text.replace(/^\/\/.*$/gm, ""));
    expect(config).toMatchObject({
      name: "aero",
      main: "platform.js",
      compatibility_flags: ["enable_ctx_exports"],
      worker_loaders: [{ binding: "LOADER" }],
      r2_buckets: [{ binding: "OBJECTS", bucket_name: "aero-objects" }],
      vars: { AEROSTACK_MODE: "platform", AEROSTACK_BASE_DOMAIN: "aero.example.com" },
      routes: ["*.aero.example.com/*", "aero.example.com/*"],
      secrets: { required: ["AEROSTACK_MASTER_KEY", "AEROSTACK_HOST_TOKEN"] },
    });
    const classes = config.durable_objects.bindings.map((b: { class_name: string }) => b.class_name);
    expect(config.migrations).toEqual([{ tag: "v1", new_sqlite_classes: classes }]);
    const readme = await readFile(join(out, "README.md"), "utf8");
    for (const step of ["wrangler r2 bucket create aero-objects", "openssl rand -hex 32 | npx wrangler secret put AEROSTACK_MASTER_KEY", "wrangler deploy", "paid"]) expect(readme).toContain(step);
  });

  it("refuses a non-empty folder it did not make (exit 1), and an unknown target (exit 2)", async () => {
    const foreign = join(work, "foreign");
    await mkdir(foreign);
    await writeFile(join(foreign, "keep.txt"), "mine");
    const refused = await runCli(["platform", "build", "--target", "cloudflare", "--out", foreign], { cwd: work });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not empty and was not made by `aerostack platform build`/);
    expect(await readdir(foreign)).toEqual(["keep.txt"]);
    expect((await readdir(work)).filter((f) => f.includes(".building-"))).toEqual([]);

    const unknown = await runCli(["platform", "build", "--target", "aws", "--out", join(work, "x")], { cwd: work });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown target "aws".*cloudflare/);
  });

  it("rebuilds its own folder in place, keeping .dev.vars; no routes for a localhost base domain", async () => {
    await writeFile(join(out, ".dev.vars"), `AEROSTACK_MASTER_KEY=${randomBytes(32).toString("hex")}\nAEROSTACK_HOST_TOKEN=${hostToken}\n`);
    const res = await runCli(["platform", "build", "--target", "cloudflare", "--out", out, "--base-domain", "localhost", "--json"], { cwd: work });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ name: "aerostack-platform", routes: [] });
    const config = JSON.parse((await readFile(join(out, "wrangler.jsonc"), "utf8")).replace(/^\/\/.*$/gm, ""));
    expect(config.routes).toBeUndefined();
    expect(config.vars).toEqual({ AEROSTACK_MODE: "platform", AEROSTACK_BASE_DOMAIN: "localhost" });
    expect(await readFile(join(out, ".dev.vars"), "utf8")).toContain(hostToken);
  });

  it("runs under `wrangler dev --local`: platform bootstrap, `aerostack deploy`, and the project answers with its bindings", async () => {
    // wrangler takes seconds to load; the project is scaffolded meanwhile.
    const [, init] = await Promise.all([startWrangler(out), runCli(["init", PROJECT, "--template", "function", "--no-install", "--json"], { cwd: work })]);
    expect(init.code, init.stderr).toBe(0);
    await deployProject(join(work, PROJECT), `http://127.0.0.1:${port}`, hostToken);

    const home = await callProject(PROJECT, "/");
    expect(home.status, home.body).toBe(200);
    expect(JSON.parse(home.body)).toEqual({ message: "Hello from Aerostack", visits: 1 });

    const created = await callProject(PROJECT, "/notes", { method: "POST", body: JSON.stringify({ text: "runs on wrangler" }) });
    expect(created.status, created.body).toBe(201);
    const { id } = JSON.parse(created.body) as { id: number };
    const note = await callProject(PROJECT, `/notes/${id}`);
    expect(note.status, note.body).toBe(200);
    // DB holds the row; STORAGE (the R2 bucket) the object written beside it.
    expect(JSON.parse(note.body)).toMatchObject({ id, text: "runs on wrangler", stored: "runs on wrangler" });
    const listed = await callProject(PROJECT, "/notes");
    expect(JSON.parse(listed.body).notes).toEqual([expect.objectContaining({ id, text: "runs on wrangler" })]);
    // The queue's consumer runs on its Durable Object's alarm: the word count arrives without another request.
    await expect.poll(async () => JSON.parse((await callProject(PROJECT, `/notes/${id}`)).body).words, { timeout: 10_000 }).toBe(3);
  });

  it("stops with its workerd when wrangler is stopped: no process left behind", async () => {
    expect(wrangler).toBeDefined();
    const child = wrangler!;
    wrangler = undefined;
    const tree = await stopWrangler(child);
    expect(tree.length).toBeGreaterThan(1);
    await expect.poll(() => tree.filter(running), { timeout: 5_000 }).toEqual([]);
  });
});
