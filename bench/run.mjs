#!/usr/bin/env node
// Aerostack benchmarks (not tests): `npm run bench` or `node bench/run.mjs [entry ...] [options]`.
// Each entry measures Aerostack side by side with wrangler and the results go to bench/results/latest.{json,md}.
// See bench/README.md for what is measured and how.
import { Buffer } from "node:buffer";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import { dirname, join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_DIR = dirname(BENCH_DIR);
const RESULTS_DIR = join(BENCH_DIR, "results");
const AEROSTACK_BIN = join(REPO_DIR, "packages", "cli", "bin", "aerostack.js");
const TEMPLATE_DIR = join(REPO_DIR, "packages", "templates", "function");
const WRANGLER_FIXTURE = join(BENCH_DIR, "fixtures", "wrangler-app");
const WRANGLER_VERSION = JSON.parse(readFileSync(join(BENCH_DIR, "package.json"), "utf8")).devDependencies.wrangler;
const WRANGLER_PKG = join(BENCH_DIR, "node_modules", "wrangler");
const GOAL_RATIO = 0.5;
const GOAL = `≤ ${GOAL_RATIO}`;

// ---------------------------------------------------------------------------------------------------------------
// Command line

const USAGE = `Usage: node bench/run.mjs [entry ...] [options]

Entries (default: all):
ENTRIES

Options:
  --startups <n>   fresh dev processes per tool for start-up timings (default 5)
  --reloads <n>    edits per tool for reload timings (default 10)
  --only <tool>    measure only "aerostack" or "wrangler" (the ratio is then left empty)
  --keep           keep the temporary project folders (printed at the end)
  --verbose        echo the dev servers' output
  --list           list the entries and exit
  -h, --help       show this help`;

function parseArgs(argv) {
  const opts = { entries: [], startups: 5, reloads: 10, only: null, keep: false, verbose: false, list: false, help: false };
  const positive = (name, value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} needs a whole number ≥ 1, got "${value}"`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === "--startups") opts.startups = positive(flag, value());
    else if (flag === "--reloads") opts.reloads = positive(flag, value());
    else if (flag === "--only") {
      opts.only = value();
      if (!["aerostack", "wrangler"].includes(opts.only)) throw new Error(`--only takes "aerostack" or "wrangler", got "${opts.only}"`);
    } else if (flag === "--keep") opts.keep = true;
    else if (flag === "--verbose") opts.verbose = true;
    else if (flag === "--list") opts.list = true;
    else if (flag === "-h" || flag === "--help") opts.help = true;
    else if (flag.startsWith("-")) throw new Error(`unknown option ${flag}`);
    else opts.entries.push(flag);
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

const round = (ms) => (ms === null || ms === undefined ? null : Math.round(ms));
const median = (xs) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const max = (xs) => (xs.length === 0 ? null : Math.max(...xs));
const log = (msg) => process.stdout.write(`${msg}\n`);
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, "g");
const tail = (text, lines = 15) => text.trimEnd().split("\n").slice(-lines).join("\n");

/** A port that is free right now on 127.0.0.1. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** One GET on a fresh connection; resolves { status, body } or { error }. Never rejects. */
function get(url, timeoutMs) {
  return new Promise((resolveGet) => {
    const req = http.get(url, { agent: false, headers: { connection: "close" } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolveGet({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (error) => resolveGet({ error }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on("error", (error) => resolveGet({ error }));
  });
}

/**
 * Polls `url` every `intervalMs` (between the end of one request and the start of the next) until `accept(res)`.
 * Returns { ms, polls, last } with ms measured from `t0`, or throws after `deadlineMs`.
 */
async function pollUntil(url, { t0, intervalMs, deadlineMs, accept, isDead }) {
  let polls = 0;
  let last = null;
  for (;;) {
    polls++;
    const res = await get(url, 10_000);
    const now = performance.now();
    if (!res.error && accept(res)) return { ms: now - t0, polls, last: res };
    last = res;
    const dead = isDead?.();
    if (dead) throw new Error(`the dev server exited (${dead}) before answering`);
    if (now - t0 > deadlineMs) {
      const seen = last.error ? last.error.message : `${last.status} ${last.body.slice(0, 200)}`;
      throw new Error(`no good answer after ${Math.round(deadlineMs / 1000)} s (last: ${seen})`);
    }
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Processes: every dev server runs in its own process group, so stopping it also stops workerd and any helper.

const liveGroups = new Set();

/** Pids in process group `pgid` that are not zombies (Linux: /proc; elsewhere: kill(-pgid, 0)). */
function groupMembers(pgid) {
  if (process.platform === "linux") {
    const members = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const s = readFileSync(`/proc/${entry}/stat`, "utf8");
        const fields = s.slice(s.lastIndexOf(")") + 2).split(" "); // state ppid pgrp ...
        if (Number(fields[2]) === pgid && fields[0] !== "Z") members.push(Number(entry));
      } catch {
        // the process went away while we looked
      }
    }
    return members;
  }
  try {
    process.kill(-pgid, 0);
    return [pgid];
  } catch {
    return [];
  }
}

function describe(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim().slice(0, 160);
  } catch {
    return String(pid);
  }
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/**
 * SIGINT to the whole group, SIGKILL after 5 s if anything is left.
 * Returns { ms: how long until the group was empty, killed: whether SIGKILL was needed, left: pids that survived even that }.
 */
async function stopGroup(child) {
  const pgid = child.pid;
  if (!liveGroups.has(pgid)) return { ms: 0, killed: false, left: [] };
  const t0 = performance.now();
  signalGroup(pgid, "SIGINT");
  const deadline = t0 + 5_000;
  while (groupMembers(pgid).length > 0 && performance.now() < deadline) await sleep(10);
  let killed = false;
  if (groupMembers(pgid).length > 0) {
    killed = true;
    signalGroup(pgid, "SIGKILL");
    const killDeadline = performance.now() + 3_000;
    while (groupMembers(pgid).length > 0 && performance.now() < killDeadline) await sleep(10);
  }
  const left = groupMembers(pgid);
  if (left.length === 0) liveGroups.delete(pgid);
  return { ms: performance.now() - t0, killed, left: left.map(describe) };
}

/** Stops a server and records anything that did not stop cleanly. */
async function stopServer(server, ctx) {
  const stopped = await server.stop();
  if (stopped.killed) ctx.problems.push(`${server.name}: still running 5 s after SIGINT; needed SIGKILL`);
  if (stopped.left.length) ctx.problems.push(`${server.name}: processes left after SIGKILL: ${stopped.left.join("; ")}`);
  return stopped;
}

function killAllNow() {
  for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
}
process.on("exit", killAllNow);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping dev servers\n`);
    killAllNow();
    process.exit(130);
  });
}

/**
 * Starts a dev server in its own process group. Returns a handle with the output so far, `waitFor(regex)` to
 * learn when a line appeared (ms since spawn), and `exited` (null while running).
 */
function startServer({ name, command, args, cwd, env, verbose }) {
  const t0 = performance.now();
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  liveGroups.add(child.pid);
  const handle = {
    name,
    child,
    t0,
    output: "",
    exited: null,
    lines: [], // { at: ms since t0, text }
    stop: () => stopGroup(child),
    /** ms since t0 of the first output line after index `from` matching `re`, or null. */
    lineAt(re, from = 0) {
      const hit = handle.lines.slice(from).find((l) => re.test(l.text));
      return hit ? hit.at : null;
    },
  };
  let partial = { stdout: "", stderr: "" };
  const onData = (stream) => (chunk) => {
    const at = performance.now() - t0;
    const text = chunk.toString("utf8");
    handle.output += text;
    if (handle.output.length > 200_000) handle.output = handle.output.slice(-100_000);
    const parts = (partial[stream] + text).split("\n");
    partial[stream] = parts.pop();
    for (const line of parts) {
      const clean = line.replace(ANSI, "");
      handle.lines.push({ at, text: clean });
      if (verbose) process.stdout.write(`    [${name}] ${clean}\n`);
    }
  };
  child.stdout.on("data", onData("stdout"));
  child.stderr.on("data", onData("stderr"));
  child.on("exit", (code, signal) => {
    handle.exited = signal ? `signal ${signal}` : `code ${code}`;
  });
  child.on("error", (error) => {
    handle.exited = `spawn error: ${error.message}`;
  });
  return handle;
}

// ---------------------------------------------------------------------------------------------------------------
// The two tools: how to make a project, start `dev` in it and which file to edit.

const tmpRoot = { dir: null };
async function tempDir(prefix) {
  tmpRoot.dir ??= await mkdtemp(join(os.tmpdir(), "aerostack-bench-"));
  return mkdtemp(join(tmpRoot.dir, `${prefix}-`));
}

/** Replaces the "{{name}}" placeholder in every small text file under dir. */
async function fillPlaceholders(dir, name) {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = join(entry.parentPath ?? entry.path, entry.name);
    if ((await stat(file)).size > 1_000_000) continue;
    const text = await readFile(file, "utf8");
    if (text.includes("{{name}}")) await writeFile(file, text.replaceAll("{{name}}", name));
  }
}

// The edited line: both projects answer GET / with exactly this statement.
const RESPONSE_LINE = "return json({ message: env.GREETING, visits });";
const markedLine = (marker) => `return json({ message: env.GREETING, visits, marker: "${marker}" });`;

const BASE_ENV = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", CI: "1" };

const aerostack = {
  name: "aerostack",
  available: null, // filled by checkTools()
  reason: null,
  version: null,
  readyLine: /Local:\s+http:\/\/127\.0\.0\.1:\d+/,
  reloadLine: /\breloaded\b/,
  async check() {
    if (!existsSync(AEROSTACK_BIN)) return { ok: false, reason: `${relative(REPO_DIR, AEROSTACK_BIN)} is missing` };
    const r = spawnSync(process.execPath, [AEROSTACK_BIN, "--version"], { encoding: "utf8", env: BASE_ENV, timeout: 30_000 });
    if (r.status !== 0) return { ok: false, reason: `aerostack --version failed: ${tail(`${r.stdout}${r.stderr}`, 5) || r.error?.message}` };
    return { ok: true, version: r.stdout.trim() };
  },
  async makeProject() {
    const dir = await tempDir("aerostack");
    await cp(TEMPLATE_DIR, dir, { recursive: true });
    await fillPlaceholders(dir, "bench-app");
    // Templates that ship a default name instead of the placeholder get the same name.
    const toml = join(dir, "aerostack.toml");
    await writeFile(toml, (await readFile(toml, "utf8")).replace(/^name\s*=\s*"[^"]*"/m, 'name = "bench-app"'));
    return { dir, source: join(dir, "src", "index.ts") };
  },
  start(project, port, verbose) {
    return startServer({
      name: "aerostack",
      command: process.execPath,
      args: [AEROSTACK_BIN, "dev", "--port", String(port), "--no-persist"],
      cwd: project.dir,
      env: BASE_ENV,
      verbose,
    });
  },
};

const wrangler = {
  name: "wrangler",
  available: null,
  reason: null,
  version: null,
  readyLine: /Ready on http:\/\/127\.0\.0\.1:\d+/,
  reloadLine: /Local server updated and ready/,
  env: {
    ...BASE_ENV,
    // Offline and quiet: no telemetry, no error reports, no update check (the banner does it), no cf.json download.
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    WRANGLER_HIDE_BANNER: "true",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
  },
  bin: join(WRANGLER_PKG, "bin", "wrangler.js"),
  installedVersion() {
    try {
      return JSON.parse(readFileSync(join(WRANGLER_PKG, "package.json"), "utf8")).version;
    } catch {
      return null;
    }
  },
  async check() {
    if (this.installedVersion() !== WRANGLER_VERSION) {
      log(`  installing wrangler ${WRANGLER_VERSION} in bench/ (npm install --no-audit --no-fund) ...`);
      // Without what an outer `npm run bench` adds about the root package (npm_package_*, npm_lifecycle_*,
      // npm_config_local_prefix ...); settings such as npm_config_registry or npm_config_cache are kept.
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("npm_") || (k.startsWith("npm_config_") && k !== "npm_config_local_prefix")));
      const r = spawnSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: BENCH_DIR, env, encoding: "utf8", timeout: 600_000 });
      if (r.status !== 0 || this.installedVersion() !== WRANGLER_VERSION) {
        const why = r.error ? r.error.message : tail(`${r.stdout}${r.stderr}`, 6);
        return { ok: false, reason: `wrangler unavailable: npm install in bench/ failed${why ? `:\n${why}` : ""}` };
      }
    }
    const r = spawnSync(process.execPath, [this.bin, "--version"], { cwd: BENCH_DIR, encoding: "utf8", env: this.env, timeout: 60_000 });
    if (r.status !== 0) return { ok: false, reason: `wrangler unavailable: wrangler --version failed: ${tail(`${r.stdout}${r.stderr}`, 5) || r.error?.message}` };
    return { ok: true, version: r.stdout.trim().split("\n").pop().trim() };
  },
  async makeProject() {
    const dir = await tempDir("wrangler");
    await cp(WRANGLER_FIXTURE, dir, { recursive: true });
    return { dir, source: join(dir, "src", "index.ts"), state: join(dir, ".state") };
  },
  async start(project, port, verbose) {
    const inspectorPort = await freePort();
    return startServer({
      name: "wrangler",
      command: process.execPath,
      args: [
        this.bin, "dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort),
        "--persist-to", project.state, "--show-interactive-dev-session=false", "--log-level", "info",
      ],
      cwd: project.dir,
      env: this.env,
      verbose,
    });
  },
};

const TOOLS = [aerostack, wrangler];

// ---------------------------------------------------------------------------------------------------------------
// Measurements shared by entries

const STARTUP_POLL_MS = 10;
const RELOAD_POLL_MS = 5;
const STARTUP_DEADLINE_MS = 90_000;
const RELOAD_DEADLINE_MS = 30_000;

/** Spawns a fresh dev server in a fresh project and times spawn → first 200 on GET /. Stops it afterwards. */
async function measureStartup(tool, ctx) {
  const project = await tool.makeProject();
  const port = await freePort();
  const server = await tool.start(project, port, ctx.opts.verbose);
  let sample = null;
  try {
    const hit = await pollUntil(`http://127.0.0.1:${port}/`, {
      t0: server.t0,
      intervalMs: STARTUP_POLL_MS,
      deadlineMs: STARTUP_DEADLINE_MS,
      accept: (res) => res.status === 200,
      isDead: () => server.exited,
    });
    let shape = null;
    try {
      shape = JSON.parse(hit.last.body);
    } catch {
      // reported below
    }
    if (typeof shape?.visits !== "number" || typeof shape?.message !== "string") {
      ctx.problems.push(`${tool.name}: GET / answered 200 but not with { message, visits }: ${hit.last.body.slice(0, 200)}`);
    }
    // The ready line may come a moment after the first answer: give it up to a second (not timed).
    for (let waited = 0; server.lineAt(tool.readyLine) === null && waited < 1_000; waited += 20) await sleep(20);
    sample = { ms: hit.ms, readyLineMs: server.lineAt(tool.readyLine), polls: hit.polls };
    return sample;
  } catch (error) {
    throw new Error(`${error.message}\n--- ${tool.name} output (last lines) ---\n${tail(server.output)}`, { cause: error });
  } finally {
    const stopped = await stopServer(server, ctx);
    if (sample) sample.stopMs = stopped.ms; // SIGINT → every process of the group gone (not part of the result)
    if (!ctx.opts.keep) await rm(project.dir, { recursive: true, force: true });
  }
}

/** One dev server, `n` edits of the GET / response; times writeFile → first response carrying the new marker. */
async function measureReloads(tool, ctx, n) {
  const project = await tool.makeProject();
  const original = await readFile(project.source, "utf8");
  if (!original.includes(RESPONSE_LINE)) throw new Error(`${relative(project.dir, project.source)} no longer contains \`${RESPONSE_LINE}\`; update bench/run.mjs`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const server = await tool.start(project, port, ctx.opts.verbose);
  const samples = [];
  try {
    await pollUntil(url, { t0: server.t0, intervalMs: STARTUP_POLL_MS, deadlineMs: STARTUP_DEADLINE_MS, accept: (r) => r.status === 200, isDead: () => server.exited }).catch((error) => {
      throw new Error(`start: ${error.message}\n--- ${tool.name} output (last lines) ---\n${tail(server.output)}`);
    });
    await sleep(1_000); // let file watchers settle before the first edit
    for (let i = 1; i <= n; i++) {
      const marker = `bench-${process.pid}-${i}`;
      const edited = original.replace(RESPONSE_LINE, markedLine(marker));
      const linesBefore = server.lines.length;
      const t0 = performance.now();
      await writeFile(project.source, edited);
      const hit = await pollUntil(url, {
        t0,
        intervalMs: RELOAD_POLL_MS,
        deadlineMs: RELOAD_DEADLINE_MS,
        accept: (r) => r.status === 200 && r.body.includes(marker),
        isDead: () => server.exited,
      }).catch((error) => {
        throw new Error(`edit ${i}: ${error.message}\n--- ${tool.name} output (last lines) ---\n${tail(server.output)}`);
      });
      await sleep(500); // quiet period between edits; also lets the tool's own "reloaded" line arrive
      const line = server.lineAt(tool.reloadLine, linesBefore);
      samples.push({ ms: hit.ms, reloadLineMs: line === null ? null : server.t0 + line - t0, polls: hit.polls });
    }
    return samples;
  } finally {
    await stopServer(server, ctx);
    if (!ctx.opts.keep) await rm(project.dir, { recursive: true, force: true });
  }
}

/** A result row: one number per tool, compared as aerostack / wrangler against the goal. */
function row(name, description, perTool) {
  const side = (tool) => {
    const r = perTool[tool.name];
    if (!r) return { skipped: true };
    if (r.unavailable) return { unavailable: r.unavailable };
    const ms = r.samples.map((s) => s.ms);
    return {
      medianMs: round(median(ms)),
      maxMs: round(max(ms)),
      samplesMs: ms.map(round),
      details: r.samples.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === "number" && k !== "polls" ? round(v) : v]))),
      ...(r.extra ?? {}),
      ...(r.error ? { error: r.error } : {}),
    };
  };
  const a = side(aerostack);
  const w = side(wrangler);
  const ratio = a.medianMs != null && w.medianMs != null && w.medianMs > 0 ? Math.round((a.medianMs / w.medianMs) * 100) / 100 : null;
  return {
    name,
    description,
    aerostackMedianMs: a.medianMs ?? null,
    wranglerMedianMs: w.medianMs ?? null,
    ratio,
    goal: GOAL,
    goalMet: ratio === null ? null : ratio <= GOAL_RATIO,
    aerostack: a,
    wrangler: w,
  };
}

/** Runs `fn(tool)` for a tool, turning an unavailable tool or a failure into a recorded reason instead of a crash. */
async function forTool(tool, ctx, fn) {
  if (!ctx.tools.includes(tool)) return null;
  if (!tool.available) return { unavailable: tool.reason };
  try {
    return await fn(tool);
  } catch (error) {
    const message = error?.message ?? String(error);
    ctx.problems.push(`${tool.name}: ${message.split("\n")[0]}`);
    log(`  ✘ ${tool.name}: ${message.replace(/\n/g, "\n    ")}`);
    return { samples: [], error: message };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Entries. Add a benchmark by appending { name, description, run(ctx) → rows } here.

const ENTRIES = [
  {
    name: "dev",
    description: "`dev` start-up (spawn → first 200 on GET /) and reload (save → first response with the new code)",
    async run(ctx) {
      const { startups, reloads } = ctx.opts;
      // Start-up: fresh project and fresh process each time; the tools take turns (order alternates) so that
      // neither always runs on a warmer machine. One unrecorded warm-up each first (disk cache, JIT of npm bins).
      const startup = {};
      for (const tool of ctx.tools) startup[tool.name] = tool.available ? { samples: [] } : { unavailable: tool.reason };
      const runnable = ctx.tools.filter((t) => t.available);
      for (const tool of runnable) {
        log(`  warm-up start: ${tool.name}`);
        const r = await forTool(tool, ctx, (t) => measureStartup(t, ctx));
        if (r?.error) startup[tool.name] = r; // a tool that cannot start once is not retried
        else startup[tool.name].extra = { warmupMs: round(r.ms) };
      }
      for (let i = 0; i < startups; i++) {
        const order = i % 2 === 0 ? runnable : [...runnable].reverse();
        for (const tool of order) {
          if (startup[tool.name].error) continue;
          const r = await forTool(tool, ctx, (t) => measureStartup(t, ctx));
          if (r?.error) {
            startup[tool.name].error = r.error;
            continue;
          }
          startup[tool.name].samples.push(r);
          log(`  start-up ${i + 1}/${startups} ${tool.name.padEnd(9)} ${round(r.ms)} ms (ready line at ${r.readyLineMs === null ? "—" : `${round(r.readyLineMs)} ms`}; stopped in ${round(r.stopMs)} ms)`);
        }
      }

      // Reload: one process per tool, `reloads` edits each.
      const reload = {};
      for (const tool of ctx.tools) {
        if (!tool.available) {
          reload[tool.name] = { unavailable: tool.reason };
          continue;
        }
        if (startup[tool.name].samples.length === 0) {
          reload[tool.name] = { samples: [], error: "not measured: `dev` never started (see dev start-up)" };
          continue;
        }
        log(`  reload: ${tool.name}, ${reloads} edits`);
        const r = await forTool(tool, ctx, (t) => measureReloads(t, ctx, reloads));
        reload[tool.name] = Array.isArray(r) ? { samples: r } : r;
        if (Array.isArray(r)) log(`    ${r.map((s) => round(s.ms)).join(", ")} ms`);
      }

      return [
        row("dev start-up", "median ms from spawning `dev` to the first 200 on GET / (polled every 10 ms), fresh project and process each run", startup),
        row("dev reload", "median ms from writeFile of src/index.ts to the first GET / body with the new marker (polled every 5 ms), one process", reload),
      ];
    },
  },
  // ---- vectorize: env.VECTORIZE query latency and insert rate (Aerostack only) ----------------------------------
  {
    name: "vectorize",
    description: "env.VECTORIZE: exact top-10 cosine query at 10k and 100k vectors × 384 dims (inside the Durable Object and end to end), insert rate",
    async run(ctx) {
      const DIMS = 384;
      const TOP_K = 10;
      const BATCH = 1000;
      const SIZES = [10_000, 100_000];
      const QUERIES = 60; // per size, after 5 unrecorded warm-up queries
      const GOAL_MS = 50;
      // The user function: vectors come from a seeded PRNG inside the isolate (no HTTP upload in the timings), and
      // every timing is taken there: end to end = the user's await on env.VECTORIZE (RPC → ScopedVectorize → the
      // index's Durable Object → back); in the DO = the non-enumerable `processingMs` the query result carries.
      const SCRIPT = String.raw`
const DIMS = ${DIMS};
function vectorFor(seed) {
  let a = seed >>> 0;
  const v = new Float32Array(DIMS);
  for (let j = 0; j < DIMS; j++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    v[j] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return v;
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const p = (k) => Number(url.searchParams.get(k));
    if (url.pathname === "/fill") {
      const ms = [];
      for (let i = p("from"); i < p("to"); i += p("batch")) {
        const vectors = [];
        for (let k = i; k < Math.min(p("to"), i + p("batch")); k++) vectors.push({ id: "v" + k, values: vectorFor(k + 1) });
        const t0 = performance.now();
        await env.VECTORIZE.insert(vectors);
        ms.push(performance.now() - t0);
      }
      return Response.json({ ms });
    }
    if (url.pathname === "/query") {
      const e2e = [], inDo = [];
      for (let i = 0; i < p("n"); i++) {
        const q = vectorFor(p("seed") + i);
        const t0 = performance.now();
        const res = await env.VECTORIZE.query(q, { topK: p("topK") });
        e2e.push(performance.now() - t0);
        inDo.push(res.processingMs);
        if (res.count !== p("topK")) throw new Error("query returned " + res.count + " matches");
      }
      return Response.json({ e2e, inDo });
    }
    if (url.pathname === "/check") {
      // Exactness: a brute-force cosine ranking of every stored vector, computed here, against the index's answer.
      const count = p("count"), q = vectorFor(p("seed"));
      let qq = 0;
      for (let j = 0; j < DIMS; j++) qq += q[j] * q[j];
      const scores = new Float64Array(count);
      for (let k = 0; k < count; k++) {
        const v = vectorFor(k + 1);
        let dot = 0, vv = 0;
        for (let j = 0; j < DIMS; j++) { dot += v[j] * q[j]; vv += v[j] * v[j]; }
        scores[k] = dot / Math.sqrt(vv * qq);
      }
      const want = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a]).slice(0, p("topK")).map((k) => "v" + k);
      const got = (await env.VECTORIZE.query(q, { topK: p("topK") })).matches.map((m) => m.id);
      return Response.json({ exact: JSON.stringify(want) === JSON.stringify(got) });
    }
    return new Response("no route", { status: 404 });
  },
};`;
      const settings = { vectorize: [{ binding: "VECTORIZE", index: "bench", dimensions: DIMS, metric: "cosine" }] };
      const pct = (xs, p) => {
        const s = [...xs].sort((a, b) => a - b);
        return s.length === 0 ? null : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
      };
      const two = (x) => (x == null ? null : Math.round(x * 100) / 100);
      const wranglerSide = { unavailable: "no local Vectorize in `wrangler dev` (its Vectorize binding calls the remote index)" };

      async function measure() {
        const testing = join(REPO_DIR, "packages", "runtime", "dist", "host", "testing.js");
        if (!existsSync(testing)) throw new Error(`${relative(REPO_DIR, testing)} is missing: run \`npm run build\``);
        const { createTestPlatform } = await import(testing);
        const stateDir = await tempDir("vectorize-state");
        let platform = await createTestPlatform({ persistTo: stateDir });
        const call = async (path) => {
          const res = await platform.request("vec-bench", path);
          const text = await res.text();
          if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 300)}`);
          return JSON.parse(text);
        };
        const out = { inserts: [], insertWallMs: 0, bySize: {}, cold: null };
        try {
          await platform.deployScript("vec-bench", SCRIPT, settings);
          let filled = 0;
          for (const size of SIZES) {
            const t0 = performance.now();
            for (let from = filled; from < size; from += 10 * BATCH) {
              const { ms } = await call(`/fill?from=${from}&to=${Math.min(size, from + 10 * BATCH)}&batch=${BATCH}`);
              out.inserts.push(...ms);
            }
            out.insertWallMs += performance.now() - t0;
            log(`  ${size} vectors stored (${Math.round(((size - filled) / (performance.now() - t0)) * 1000)} vectors/s wall clock)`);
            filled = size;
            await call(`/query?n=5&seed=900000&topK=${TOP_K}`); // warm-up (JIT), not recorded
            const { e2e, inDo } = await call(`/query?n=${QUERIES}&seed=1000000&topK=${TOP_K}`);
            const checks = [];
            for (const seed of [2000001, 2000002]) checks.push((await call(`/check?count=${size}&seed=${seed}&topK=${TOP_K}`)).exact);
            out.bySize[size] = { e2e, inDo, exact: checks.every(Boolean), checks: checks.length };
            log(`  ${size}: in DO p50 ${two(pct(inDo, 50))} ms, p95 ${two(pct(inDo, 95))} ms; end to end p50 ${two(pct(e2e, 50))} ms, p95 ${two(pct(e2e, 95))} ms; exact ${checks.filter(Boolean).length}/${checks.length}`);
          }
          // Cold: a restart on the same state, then the first query (the index loads from SQLite into memory).
          await platform.dispose();
          platform = await createTestPlatform({ persistTo: stateDir });
          await platform.deployScript("vec-bench", SCRIPT, settings);
          const cold = await call(`/query?n=1&seed=3000000&topK=${TOP_K}`);
          out.cold = { e2e: cold.e2e[0], inDo: cold.inDo[0] };
          log(`  after a restart: first query ${Math.round(cold.e2e[0])} ms end to end (loads ${SIZES.at(-1)} vectors from SQLite)`);
        } finally {
          await platform.dispose();
        }
        return out;
      }

      const r = await forTool(aerostack, ctx, measure);
      const side = (samples, extra) => (r?.unavailable ? { unavailable: r.unavailable } : r?.error ? { samples: [], error: r.error } : { samples: samples.map((ms) => ({ ms })), extra });
      const perTool = (samples, extra) => ({
        ...(ctx.tools.includes(aerostack) ? { aerostack: side(samples, extra) } : {}),
        ...(ctx.tools.includes(wrangler) ? { wrangler: wranglerSide } : {}),
      });
      const ok = r && !r.unavailable && !r.error;
      const rows = [];
      for (const size of SIZES) {
        const m = ok ? r.bySize[size] : { e2e: [], inDo: [] };
        const label = size >= 1000 ? `${size / 1000}k` : String(size);
        for (const [kind, samples, what] of [
          ["in DO", m.inDo, "time inside the index's Durable Object for the scan, top-K selection and result assembly"],
          ["end to end", m.e2e, "the user function's await on env.VECTORIZE.query (RPC through ScopedVectorize to the Durable Object and back)"],
        ]) {
          const extra = { p50Ms: two(pct(samples, 50)), p95Ms: two(pct(samples, 95)), exact: ok ? `${m.exact ? "yes" : "NO"} (${m.checks} brute-force checks)` : null };
          const base = row(`vectorize query ${label} (${kind})`, `ms per top-${TOP_K} cosine query over ${label} vectors of ${DIMS} dims: ${what}; ${QUERIES} queries`, perTool(samples, extra));
          const p50 = pct(samples, 50);
          rows.push({ ...base, goal: size === 100_000 ? `p50 ≤ ${GOAL_MS} ms` : "—", goalMet: size === 100_000 && p50 != null ? p50 <= GOAL_MS : null });
        }
      }
      const inserted = ok ? r.inserts.length * BATCH : 0;
      const insertExtra = ok
        ? {
            vectorsPerSecond: Math.round((BATCH / pct(r.inserts, 50)) * 1000),
            vectorsPerSecondWallClock: Math.round((inserted / r.insertWallMs) * 1000),
            p95Ms: two(pct(r.inserts, 95)),
          }
        : {};
      rows.push({
        ...row("vectorize insert (1000/batch)", `ms per insert() of ${BATCH} vectors of ${DIMS} dims, measured in the user function, filling 0 → ${SIZES.at(-1)}; extra: vectors/s`, perTool(ok ? r.inserts : [], insertExtra)),
        goal: "—",
        goalMet: null,
      });
      rows.push({
        ...row("vectorize cold first query", `ms for the first query after a restart: the Durable Object loads ${SIZES.at(-1)} vectors from SQLite into memory, then scans`, perTool(ok ? [r.cold.e2e] : [], {})),
        goal: "—",
        goalMet: null,
      });
      if (ok) log(`  insert: ${insertExtra.vectorsPerSecond} vectors/s per batch (median), ${insertExtra.vectorsPerSecondWallClock} vectors/s overall`);
      return rows;
    },
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Output

const fmtMs = (side) => {
  if (side.skipped) return "skipped";
  if (side.unavailable) return side.unavailable.startsWith("wrangler unavailable") ? "wrangler unavailable" : "unavailable";
  if (side.medianMs == null) return "failed";
  return `${side.medianMs} ms (max ${side.maxMs})`;
};
const fmtRatio = (r) => (r.ratio === null ? "—" : r.ratio.toFixed(2));
const fmtMet = (r) => (r.goalMet === null ? "—" : r.goalMet ? "yes" : "no");

function table(rows) {
  const head = ["benchmark", "aerostack median", "wrangler median", "ratio a/w", "goal", "met"];
  const body = rows.map((r) => [r.name, fmtMs(r.aerostack), fmtMs(r.wrangler), fmtRatio(r), r.goal, fmtMet(r)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

function markdown(report) {
  const m = report.machine;
  const out = [
    "# Aerostack benchmark results",
    "",
    `${report.date} · ${m.cpus} × ${m.cpuModel} · ${Math.round(m.memoryGiB)} GiB · ${m.platform} ${m.release} · node ${m.node}`,
    `aerostack ${report.tools.aerostack.version ?? "—"} · wrangler ${report.tools.wrangler.version ?? "—"} · entries: ${report.entries.join(", ")}`,
    "",
    "Ratio = aerostack median / wrangler median; lower is better for Aerostack.",
    "",
    table(report.results),
    "",
    "## Samples (ms)",
    "",
  ];
  for (const r of report.results) {
    out.push(`**${r.name}**: ${r.description}`, "");
    for (const tool of ["aerostack", "wrangler"]) {
      const s = r[tool];
      if (s.skipped) continue;
      if (s.unavailable) out.push(`- ${tool}: ${s.unavailable.split("\n")[0]}`);
      else {
        const extra = s.warmupMs != null ? ` (warm-up ${s.warmupMs})` : "";
        out.push(`- ${tool}: ${s.samplesMs.join(", ") || "none"}${extra}${s.error ? ` — error: ${s.error.split("\n")[0]}` : ""}`);
        const logged = s.details.map((d) => d.readyLineMs ?? d.reloadLineMs).filter((v) => v != null);
        if (logged.length) out.push(`  - its own "${r.name.includes("reload") ? "reloaded" : "ready"}" line printed at: ${logged.join(", ")}`);
        const stops = s.details.map((d) => d.stopMs).filter((v) => v != null);
        if (stops.length) out.push(`  - SIGINT → all its processes gone: ${stops.join(", ")}`);
      }
    }
    out.push("");
  }
  if (report.problems.length) out.push("## Problems seen", "", ...report.problems.map((p) => `- ${p}`), "");
  return `${out.join("\n")}`;
}

async function writeAtomic(file, text) {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

// ---------------------------------------------------------------------------------------------------------------
// Main

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${error.message}\n\n${USAGE.replace("ENTRIES", ENTRIES.map((e) => `  ${e.name.padEnd(16)} ${e.description}`).join("\n"))}\n`);
    return 2;
  }
  const usage = USAGE.replace("ENTRIES", ENTRIES.map((e) => `  ${e.name.padEnd(16)} ${e.description}`).join("\n"));
  if (opts.help) return log(usage), 0;
  if (opts.list) return log(ENTRIES.map((e) => `${e.name}\t${e.description}`).join("\n")), 0;
  const unknown = opts.entries.filter((n) => !ENTRIES.some((e) => e.name === n));
  if (unknown.length) {
    process.stderr.write(`bench: unknown entr${unknown.length > 1 ? "ies" : "y"} ${unknown.join(", ")}\n\n${usage}\n`);
    return 2;
  }
  const entries = opts.entries.length ? ENTRIES.filter((e) => opts.entries.includes(e.name)) : ENTRIES;
  const tools = opts.only ? TOOLS.filter((t) => t.name === opts.only) : TOOLS;

  log(`aerostack bench: ${entries.map((e) => e.name).join(", ")} on ${os.cpus().length} cores, node ${process.version}`);
  for (const tool of tools) {
    const c = await tool.check();
    tool.available = c.ok;
    tool.reason = c.ok ? null : c.reason;
    tool.version = c.version ?? null;
    log(c.ok ? `  ${tool.name} ${tool.version}` : `  ✘ ${c.reason}`);
  }

  const ctx = { opts, tools, problems: [] };
  const results = [];
  try {
    for (const entry of entries) {
      log(`\n▶ ${entry.name}: ${entry.description}`);
      results.push(...(await entry.run(ctx)).map((r) => ({ entry: entry.name, ...r })));
    }
  } finally {
    if (tmpRoot.dir && !opts.keep) await rm(tmpRoot.dir, { recursive: true, force: true });
    for (const pgid of [...liveGroups]) {
      const left = groupMembers(pgid);
      if (left.length) {
        ctx.problems.push(`process group ${pgid} still running at the end: ${left.map(describe).join("; ")}`);
        signalGroup(pgid, "SIGKILL");
      }
    }
  }

  const cpus = os.cpus();
  const report = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? "unknown",
      memoryGiB: os.totalmem() / 2 ** 30,
      platform: os.platform(),
      release: os.release(),
      arch: os.arch(),
      node: process.version,
    },
    settings: { startups: opts.startups, reloads: opts.reloads, startupPollMs: STARTUP_POLL_MS, reloadPollMs: RELOAD_POLL_MS, only: opts.only },
    tools: Object.fromEntries(TOOLS.map((t) => [t.name, { version: t.version, available: t.available, ...(t.reason ? { reason: t.reason } : {}) }])),
    entries: entries.map((e) => e.name),
    results,
    problems: ctx.problems,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeAtomic(join(RESULTS_DIR, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeAtomic(join(RESULTS_DIR, "latest.md"), `${markdown(report)}\n`);

  log(`\n${table(results)}\n`);
  if (ctx.problems.length) log(`Problems:\n${ctx.problems.map((p) => `  - ${p.split("\n")[0]}`).join("\n")}\n`);
  if (opts.keep && tmpRoot.dir) log(`Projects kept in ${tmpRoot.dir}`);
  log(`Wrote ${relative(process.cwd(), join(RESULTS_DIR, "latest.json"))} and latest.md`);
  // A benchmark, not a test: missing the goal is not a failure, but Aerostack failing to run is.
  const aerostackFailed = results.some((r) => r.aerostack.error || (r.aerostack.unavailable && !r.aerostack.skipped));
  return aerostackFailed ? 1 : 0;
}

process.exitCode = await main().catch((error) => {
  process.stderr.write(`bench: ${error?.stack ?? error}\n`);
  killAllNow();
  return 1;
});
