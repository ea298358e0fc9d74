#!/usr/bin/env node
// Aerostack benchmarks (not tests): `npm run bench` or `node bench/run.mjs [entry ...] [options]`.
// Each entry measures Aerostack side by side with wrangler and the results go to bench/results/latest.{json,md}.
// See bench/README.md for what is measured and how.
import { Buffer } from "node:buffer";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import { dirname, join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { runVectorizeBench } from "./vectorize.mjs";
import { workflowsEntry } from "./workflows.mjs";
import { runHubBench } from "./hub.mjs";
import { botsEntry } from "./bots.mjs";
import { dashboardEntry } from "./dashboard.mjs";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_DIR = dirname(BENCH_DIR);
const RESULTS_DIR = join(BENCH_DIR, "results");
const AEROSTACK_BIN = join(REPO_DIR, "packages", "cli", "bin", "aerostack.js");
const TEMPLATE_DIR = join(REPO_DIR, "packages", "templates", "function");
const MCP_TEMPLATE_DIR = join(REPO_DIR, "packages", "templates", "mcp-server");
const WRANGLER_FIXTURE = join(BENCH_DIR, "fixtures", "wrangler-app");
const WRANGLER_MCP_FIXTURE = join(BENCH_DIR, "fixtures", "wrangler-mcp");
const WRANGLER_VERSION = JSON.parse(readFileSync(join(BENCH_DIR, "package.json"), "utf8")).devDependencies.wrangler;
const WRANGLER_PKG = join(BENCH_DIR, "node_modules", "wrangler");
const GOAL_RATIO = 0.5;

// ---------------------------------------------------------------------------------------------------------------
// Command line

const USAGE = `Usage: node bench/run.mjs [entry ...] [options]

Entries (default: all):
ENTRIES

Options:
  --startups <n>   fresh dev processes per tool for start-up timings (default 5)
  --reloads <n>    edits per tool for reload timings (default 10)
  --deploys <n>    platform: timed deploys per tool, after one warm-up each (default 5)
  --clients <n>    platform: concurrent keep-alive clients for req/s (default 16)
  --seconds <n>    platform: seconds each req/s round is counted, after 1 s of warm-up (default 5)
  --rounds <n>     platform: req/s rounds per tool and route, tools taking turns (default 3)
  --projects <n>   platform: projects deployed before the restart for cold first requests (default 20)
  --only <tool>    measure only "aerostack" or "wrangler" (the ratio is then left empty)
  --keep           keep the temporary project folders (printed at the end)
  --verbose        echo the dev servers' output
  --list           list the entries and exit
  -h, --help       show this help`;

function parseArgs(argv) {
  const opts = {
    entries: [], startups: 5, reloads: 10, deploys: 5, clients: 16, seconds: 5, rounds: 3, projects: 20,
    only: null, keep: false, verbose: false, list: false, help: false,
  };
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
    else if (flag === "--deploys") opts.deploys = positive(flag, value());
    else if (flag === "--clients") opts.clients = positive(flag, value());
    else if (flag === "--seconds") opts.seconds = positive(flag, value());
    else if (flag === "--rounds") opts.rounds = positive(flag, value());
    else if (flag === "--projects") opts.projects = positive(flag, value());
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
async function pollUntil(url, { t0, intervalMs, deadlineMs, accept, isDead, send = () => get(url, 10_000) }) {
  let polls = 0;
  let last = null;
  for (;;) {
    polls++;
    const res = await send();
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
    stdout: "", // stdout alone, for commands that print JSON there (kept whole: only short-lived commands use it)
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
    if (stream === "stdout" && handle.stdout.length < 1_000_000) handle.stdout += text;
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
  /** Resolves when the process has exited and its output is read: { ms since t0, code, signal }. */
  handle.closed = new Promise((resolveClosed) => {
    child.on("close", (code, signal) => resolveClosed({ ms: performance.now() - t0, code, signal }));
    child.on("error", () => resolveClosed({ ms: performance.now() - t0, code: null, signal: null }));
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

/**
 * A result row: one number per tool, compared as aerostack / wrangler against the goal. By default the numbers are
 * milliseconds (samples `{ ms }`, lower is better, goal ≤ GOAL_RATIO); `{ unit: "req/s", goalRatio: 0.8,
 * higherIsBetter: true }` makes a throughput row (samples `{ value }`, fields `median`, `min`, `samples`, `unit`).
 */
function row(name, description, perTool, { unit = "ms", goalRatio = GOAL_RATIO, higherIsBetter = false } = {}) {
  const isMs = unit === "ms";
  const side = (tool) => {
    const r = perTool[tool.name];
    if (!r) return { skipped: true };
    if (r.unavailable) return { unavailable: r.unavailable };
    const xs = r.samples.map((s) => (isMs ? s.ms : s.value));
    const details = r.samples.map((s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === "number" && k !== "polls" ? round(v) : v])));
    const numbers = isMs
      ? { medianMs: round(median(xs)), maxMs: round(max(xs)), samplesMs: xs.map(round) }
      : { unit, median: round(median(xs)), min: xs.length ? round(Math.min(...xs)) : null, samples: xs.map(round) };
    return { ...numbers, details, ...(r.extra ?? {}), ...(r.error ? { error: r.error } : {}) };
  };
  const a = side(aerostack);
  const w = side(wrangler);
  const am = isMs ? a.medianMs : a.median;
  const wm = isMs ? w.medianMs : w.median;
  const ratio = am != null && wm != null && wm > 0 ? Math.round((am / wm) * 100) / 100 : null;
  return {
    name,
    description,
    ...(isMs ? { aerostackMedianMs: am ?? null, wranglerMedianMs: wm ?? null } : { unit, aerostackMedian: am ?? null, wranglerMedian: wm ?? null }),
    ratio,
    goal: `${higherIsBetter ? "≥" : "≤"} ${Number.isInteger(goalRatio) ? goalRatio.toFixed(1) : goalRatio}`,
    goalMet: ratio === null ? null : higherIsBetter ? ratio >= goalRatio : ratio <= goalRatio,
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
// The self-hosted platform (`aerostack platform start`), one-shot commands and HTTP load, for the `platform` entry

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? null : s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/**
 * One HTTP request to a loopback URL; `host` sets the Host header (`*.localhost` need not resolve on this machine,
 * so project URLs are reached as 127.0.0.1:PORT with their host name in Host). Without an `agent` it uses a fresh
 * connection. Resolves { status, body, ms } or { error, ms }; never rejects.
 */
function request(url, { method = "GET", host, headers = {}, body, agent = false, timeoutMs = 10_000 } = {}) {
  return new Promise((resolveRequest) => {
    const t0 = performance.now();
    const done = (result) => resolveRequest({ ...result, ms: performance.now() - t0 });
    const req = http.request(url, { method, agent, headers: { ...(agent ? {} : { connection: "close" }), ...(host ? { host } : {}), ...headers } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (error) => done({ error }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on("error", (error) => done({ error }));
    req.end(body);
  });
}

const describeAnswer = (res) => (res.error ? res.error.message : `${res.status} ${res.body.slice(0, 200)}`);

/** Waits for an output line matching `re`; resolves { match, at: ms since spawn }. Throws if the process exits first. */
async function waitForLine(server, re, deadlineMs) {
  for (;;) {
    const hit = server.lines.find((l) => re.test(l.text));
    if (hit) return { match: re.exec(hit.text), at: hit.at };
    if (server.exited) throw new Error(`${server.name} exited (${server.exited}) before printing ${re}\n--- output (last lines) ---\n${tail(server.output)}`);
    if (performance.now() - server.t0 > deadlineMs) throw new Error(`${server.name} printed no line matching ${re} in ${Math.round(deadlineMs / 1000)} s\n--- output (last lines) ---\n${tail(server.output)}`);
    await sleep(10);
  }
}

/**
 * Runs a short command in its own process group and waits for it; resolves { t0, ms (spawn → exit), stdout, output }.
 * A non-zero exit or a hang past `timeoutMs` throws with the command's last output lines.
 */
async function runCommand({ name, command, args, cwd, env, verbose, timeoutMs = 120_000 }) {
  const proc = startServer({ name, command, args, cwd, env, verbose });
  const closed = await Promise.race([proc.closed, sleep(timeoutMs, null, { ref: false })]);
  await proc.stop(); // nothing left normally; a hung command (or a helper it left behind) is stopped here
  if (!closed) throw new Error(`${name} did not finish in ${Math.round(timeoutMs / 1000)} s\n--- output (last lines) ---\n${tail(proc.output)}`);
  if (closed.code !== 0) throw new Error(`${name} exited with ${closed.code ?? closed.signal}\n--- output (last lines) ---\n${tail(proc.output)}`);
  return { t0: proc.t0, ms: closed.ms, stdout: proc.stdout, output: proc.output };
}

const PLATFORM_LISTENING = /Platform listening on (http:\/\/127\.0\.0\.1:\d+)/;
const ADMIN_KEY = /Admin key: (ak_[A-Za-z0-9]+)/;

/**
 * `aerostack platform start --port 0 --data-dir <dir>` in its own process group. Resolves once it prints its URL
 * (and, on a first start, the admin key): { server, url, port, key, listeningMs (spawn → that line) }.
 */
async function startPlatform(dataDir, { verbose, firstStart }) {
  const server = startServer({
    name: "platform",
    command: process.execPath,
    args: [AEROSTACK_BIN, "platform", "start", "--port", "0", "--data-dir", dataDir],
    cwd: dirname(dataDir),
    env: BASE_ENV,
    verbose,
  });
  try {
    const listening = await waitForLine(server, PLATFORM_LISTENING, STARTUP_DEADLINE_MS);
    const url = listening.match[1];
    const key = firstStart ? (await waitForLine(server, ADMIN_KEY, STARTUP_DEADLINE_MS)).match[1] : null;
    return { server, url, port: Number(new URL(url).port), key, listeningMs: listening.at };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** `aerostack deploy --json` in `dir` with AEROSTACK_API_URL/KEY set; resolves { t0, ms (spawn → exit), result }. */
async function cliDeploy(platform, dir, verbose) {
  const r = await runCommand({
    name: "aerostack deploy",
    command: process.execPath,
    args: [AEROSTACK_BIN, "deploy", "--json"],
    cwd: dir,
    env: { ...BASE_ENV, AEROSTACK_API_URL: platform.url, AEROSTACK_API_KEY: platform.key },
    verbose,
  });
  let result;
  try {
    result = JSON.parse(r.stdout);
  } catch {
    throw new Error(`aerostack deploy --json printed no JSON\n--- output (last lines) ---\n${tail(r.output)}`);
  }
  if (typeof result?.url !== "string") throw new Error(`aerostack deploy --json printed no url: ${r.stdout.slice(0, 300)}`);
  return { ...r, result };
}

/** Where a deployed project answers on a running platform: connect to 127.0.0.1:PORT, send its host name in Host. */
const projectTarget = (platform, deployUrl, path) => ({ url: `http://127.0.0.1:${platform.port}${path}`, host: `${new URL(deployUrl).hostname}:${platform.port}` });

/**
 * `clients` concurrent keep-alive clients (one node:http Agent), each sending its next GET as soon as the last one
 * was answered: `warmupMs` not counted, then answers arriving in the next `countMs` are counted. Resolves
 * { value: req/s, requests, errors, firstError, p50LatencyMs, p99LatencyMs }.
 */
async function loadTest({ url, host }, { clients, warmupMs, countMs }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const r = await countedLoad(Array.from({ length: clients }), async () => {
    const res = await request(url, { host, agent });
    // A refused connection must not spin.
    return !res.error && res.status === 200 ? { ms: res.ms } : { error: describeAnswer(res), backoff: Boolean(res.error) };
  }, { warmupMs, countMs });
  agent.destroy();
  return { ...r.counts, p50LatencyMs: percentile(r.latencies, 50), p99LatencyMs: percentile(r.latencies, 99) };
}

/**
 * One loop per worker, each running `step(worker)` again as soon as it resolves ({ ms } or { error, backoff }):
 * `warmupMs` not counted, then what ends in the next `countMs` is. Resolves { counts: { value: per second,
 * requests, errors, firstError }, latencies }.
 */
async function countedLoad(workers, step, { warmupMs, countMs, window }) {
  const from = performance.now() + warmupMs;
  const until = from + countMs;
  // Called as the counted window opens and closes (e.g. to read a process's CPU time over exactly that window).
  if (window) {
    setTimeout(window.start, warmupMs);
    setTimeout(window.end, warmupMs + countMs);
  }
  let ok = 0;
  let errors = 0;
  let firstError = null;
  const latencies = [];
  await Promise.all(
    workers.map(async (worker) => {
      while (performance.now() < until) {
        const r = await step(worker);
        const at = performance.now();
        if (at < from || at > until) continue;
        if (r.error === undefined) {
          ok++;
          latencies.push(r.ms);
        } else {
          errors++;
          firstError ??= r.error;
          if (r.backoff) await sleep(5);
        }
      }
    }),
  );
  return { counts: { value: ok / (countMs / 1000), requests: ok, errors, ...(firstError ? { firstError } : {}) }, latencies };
}

// Routes added to both copies of the function project (the template and bench/fixtures/wrangler-app) for the req/s
// rows, inserted before their GET / route: the same statements on both sides, so both do the same work.
const ROUTE_ANCHOR = 'if (route === "GET /") {';
const BENCH_ROUTES = `if (route === "GET /bench/plain") return json({ message: env.GREETING });
    if (route === "GET /bench/kv") {
      const n = Number((await env.CACHE.get("bench-kv")) ?? "0") + 1;
      await env.CACHE.put("bench-kv", String(n));
      return json({ message: env.GREETING, n });
    }
    `;
async function addBenchRoutes(source) {
  const text = await readFile(source, "utf8");
  if (!text.includes(ROUTE_ANCHOR)) throw new Error(`${source} no longer contains \`${ROUTE_ANCHOR}\`; update bench/run.mjs`);
  await writeFile(source, text.replace(ROUTE_ANCHOR, `${BENCH_ROUTES}${ROUTE_ANCHOR}`));
}

// The mcp-server template's server version: each timed deploy changes it, so the new version is recognisable.
const MCP_VERSION = 'version: "1.0.0"';
const MCP_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const MCP_INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "aerostack-bench", version: "1" } },
});

/** A copy of a template in a temporary folder, `{{name}}` and the toml's `name` set to `name`. */
async function copyTemplate(templateDir, prefix, name) {
  const dir = await tempDir(prefix);
  await cp(templateDir, dir, { recursive: true });
  await fillPlaceholders(dir, name);
  await setProjectName(dir, name);
  return { dir, source: join(dir, "src", "index.ts") };
}
async function setProjectName(dir, name) {
  const toml = join(dir, "aerostack.toml");
  await writeFile(toml, (await readFile(toml, "utf8")).replace(/^name\s*=\s*"[^"]*"/m, `name = "${name}"`));
}

// ---------------------------------------------------------------------------------------------------------------
// The workspace gateway, for the `gateway` entry: the platform API, MCP sessions over plain node:http, fixtures

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (user + system, ms) spent so far by the workerd processes of a process group (the platform's: the bench
 * starts it detached, as a group of its own). Unlike calls per second it hardly moves with the machine's load, so
 * it shows what a request costs the runtime even on a busy machine.
 */
function workerdCpuMs(pgid) {
  let total = 0;
  for (const line of execFileSync("ps", ["-eo", "pid=,pgid=,comm="]).toString().trim().split("\n")) {
    const [pid, group, comm] = line.trim().split(/\s+/);
    if (Number(group) !== pgid || !/workerd/.test(comm ?? "")) continue;
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
    } catch {
      // It exited between ps and the read.
    }
  }
  return total;
}

/** `fetch` against the platform's /api/v1 with the admin key; throws with the answer on anything but 2xx. */
function apiClient(platform) {
  return async (method, path, body) => {
    const res = await globalThis.fetch(`${platform.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${platform.key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} /api/v1${path} → ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  };
}

async function createToken(api, workspace) {
  const created = await api("POST", `/workspaces/${workspace}/tokens`, { name: "bench", role: "developer" });
  const token = created?.token ?? created?.secret;
  if (typeof token !== "string" || !token.startsWith("mwt_")) throw new Error(`token create for ${workspace} returned no mwt_ token: ${JSON.stringify(created).slice(0, 200)}`);
  return token;
}

/** The tiny MCP server deployed for the tools/call rows: one `echo` tool, no bindings touched. */
const ECHO_SERVER = `import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { serveMcp } from "@aerostack/runtime/mcp";
import { z } from "zod";

function createServer() {
  const server = new McpServer({ name: "bench-echo", version: "1.0.0" });
  server.registerTool("echo", { description: "Echoes its text", inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: "text", text }] }));
  return server;
}

export default { fetch: serveMcp(createServer) };
`;

/**
 * Proxied members on loopback, in this process: `/m/<i>` answers initialize, tools/list (3 tools) and tools/call
 * with JSON at once (stateless), `/hung` accepts the request and never answers.
 */
async function startMemberFixtures() {
  const hung = new Set();
  const server = http.createServer((req, res) => {
    if (req.url === "/hung") return void hung.add(res);
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let msg;
      try {
        msg = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return void res.writeHead(400).end();
      }
      if (msg.id === undefined) return void res.writeHead(202).end();
      const result =
        msg.method === "initialize"
          ? { protocolVersion: msg.params?.protocolVersion ?? "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: "bench-member", version: "1" } }
          : msg.method === "tools/list"
            ? { tools: ["alpha", "beta", "gamma"].map((name) => ({ name, description: `Tool ${name}`, inputSchema: { type: "object", properties: { text: { type: "string" } } } })) }
            : msg.method === "tools/call"
              ? { content: [{ type: "text", text: "ok" }] }
              : msg.method === "ping" ? {} : null;
      const body = result === null ? { jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "Method not found" } } : { jsonrpc: "2.0", id: msg.id, result };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    urls: Array.from({ length: 50 }, (_, i) => `${base}/m/${i + 1}`),
    hungUrl: `${base}/hung`,
    close: async () => {
      for (const res of hung) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The JSON-RPC answer to request `id` in a JSON or SSE body (null if none). */
function rpcAnswer(body, id) {
  const candidates = body.trimStart().startsWith("{") || body.trimStart().startsWith("[") ? [body] : body.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5));
  for (const text of candidates) {
    try {
      const parsed = JSON.parse(text);
      for (const m of Array.isArray(parsed) ? parsed : [parsed]) if (m.id === id) return m;
    } catch {
      // not JSON: skip
    }
  }
  return null;
}

/**
 * An MCP session over node:http (keep-alive agent): initialize, notifications/initialized, then `rpc(method, params)`
 * resolving { ms, answer } with the session id and protocol version on every request, as a client sends them.
 */
async function mcpSession({ url, host, token }, agent = new http.Agent({ keepAlive: true, maxSockets: 1 })) {
  const base = { ...MCP_HEADERS, ...(token ? { authorization: `Bearer ${token}` } : {}) };
  const init = await request(url, { method: "POST", host, agent, headers: base, body: MCP_INITIALIZE });
  if (init.error || init.status !== 200) throw new Error(`initialize at ${url}: ${describeAnswer(init)}`);
  const sessionId = init.headers?.["mcp-session-id"];
  const headers = { ...base, "mcp-protocol-version": "2025-06-18", ...(sessionId ? { "mcp-session-id": sessionId } : {}) };
  await request(url, { method: "POST", host, agent, headers, body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) });
  let id = 1;
  return {
    agent,
    async rpc(method, params) {
      const myId = ++id;
      const res = await request(url, { method: "POST", host, agent, headers, body: JSON.stringify({ jsonrpc: "2.0", id: myId, method, params }) });
      const answer = res.error || res.status !== 200 ? null : rpcAnswer(res.body, myId);
      return { ms: res.ms, answer, error: answer?.result ? null : answer?.error ? JSON.stringify(answer.error).slice(0, 200) : describeAnswer(res) };
    },
  };
}

/** Times one tools/list; throws unless it lists at least `expected` tools. */
async function timedList(session, expected) {
  const r = await session.rpc("tools/list", {});
  const n = r.answer?.result?.tools?.length ?? 0;
  if (r.error || n < expected) throw new Error(`tools/list listed ${n} tools, expected ${expected}: ${r.error ?? ""}`);
  return r.ms;
}

/**
 * `clients` MCP sessions, each calling `target.tool` again as soon as it is answered; counted as in loadTest.
 * Resolves { value: calls/s, requests, errors, firstError, p50LatencyMs, p95LatencyMs }.
 */
async function mcpCallLoad(target, { clients, warmupMs, countMs, cpuMs }) {
  const sessions = await Promise.all(Array.from({ length: clients }, () => mcpSession(target)));
  let cpuFrom = 0;
  let cpuSpent = null;
  const window = cpuMs ? { start: () => (cpuFrom = cpuMs()), end: () => (cpuSpent = cpuMs() - cpuFrom) } : undefined;
  const r = await countedLoad(sessions, async (session) => {
    const call = await session.rpc("tools/call", { name: target.tool, arguments: { text: "hello" } });
    return !call.error && call.answer.result.content?.[0]?.text === "hello" ? { ms: call.ms } : { error: call.error ?? JSON.stringify(call.answer).slice(0, 200), backoff: true };
  }, { warmupMs, countMs, window });
  for (const s of sessions) s.agent.destroy();
  const cpuMsPerCall = cpuSpent === null || r.counts.requests === 0 ? null : cpuSpent / r.counts.requests;
  return { ...r.counts, p50LatencyMs: percentile(r.latencies, 50), p95LatencyMs: percentile(r.latencies, 95), cpuMsPerCall };
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
  // ---- vectorize: env.VECTORIZE against usearch (bench/vectorize.mjs) ------------------------------------------
  {
    name: "vectorize",
    description: "env.VECTORIZE: top-10 cosine query (recall@10 and latency), insert rate and cold first query at 100k × 384 and 1M × 96 clustered vectors, side by side with usearch (native HNSW) in plain Node",
    run: (ctx) => runVectorizeBench(ctx, { aerostack, row, forTool, log, tempDir, repoDir: REPO_DIR }),
  },
  // ---- hub: search over 1,000 packages, a skill through the gateway (bench/hub.mjs) ----------------------------
  {
    name: "hub",
    description: "the Hub and skills on `aerostack platform start`: search p50 over 1,000 published packages; a skill's tools/call through /ws/<slug> vs env.AI.chat from a function",
    run: (ctx) => runHubBench(ctx, { row, log, tempDir, startPlatform, cliDeploy }),
  },
  // ---- platform: deploy, throughput and cold starts on the self-hosted platform --------------------------------
  {
    name: "platform",
    description: "`aerostack platform start`: deploy of the mcp-server template vs `wrangler deploy --dry-run`, req/s with concurrent clients vs `wrangler dev`, first requests after a restart",
    async run(ctx) {
      const { deploys, clients, seconds, rounds, projects, verbose } = ctx.opts;
      const runnable = ctx.tools.filter((t) => t.available);
      const rows = [];
      let platform = null;
      let platformError = null;
      const dataDir = join(await tempDir("platform"), "data");
      const needPlatform = (fn) => (tool) => {
        if (!platform) throw new Error(`not measured: ${platformError ?? "the platform is not running"}`);
        return fn(tool);
      };
      const needPlatformFor = (tool, fn) => (tool === aerostack ? needPlatform(fn) : fn);
      const emptySides = () => Object.fromEntries(ctx.tools.map((t) => [t.name, t.available ? { samples: [] } : { unavailable: t.reason }]));
      let wranglerDev = null;

      try {
        if (runnable.includes(aerostack)) {
          try {
            platform = await startPlatform(dataDir, { verbose, firstStart: true });
            log(`  platform listening on ${platform.url} after ${round(platform.listeningMs)} ms`);
          } catch (error) {
            platformError = `the platform did not start: ${error.message}`;
            ctx.problems.push(`aerostack: ${platformError.split("\n")[0]}`);
            log(`  ✘ ${platformError.replace(/\n/g, "\n    ")}`);
          }
        }

        // (1) Deploy: spawn → the new version answering (aerostack) against spawn → exit of wrangler's dry run.
        const deployProjects = {};
        const prepare = {
          aerostack: async () => copyTemplate(MCP_TEMPLATE_DIR, "mcp-aerostack", "bench-mcp"),
          wrangler: async () => {
            const dir = await tempDir("mcp-wrangler");
            await cp(WRANGLER_MCP_FIXTURE, dir, { recursive: true });
            await mkdir(join(dir, "src"));
            const source = join(dir, "src", "index.ts");
            await writeFile(source, (await readFile(join(MCP_TEMPLATE_DIR, "src", "index.ts"), "utf8")).replaceAll("{{name}}", "bench-mcp"));
            // The same node_modules aerostack's bundler falls back to: both tools bundle the same package copies.
            await symlink(join(REPO_DIR, "node_modules"), join(dir, "node_modules"), "dir");
            return { dir, source };
          },
        };
        const deployOnce = {
          async aerostack(project, marker) {
            const r = await cliDeploy(platform, project.dir, verbose);
            const target = projectTarget(platform, r.result.url, "/mcp");
            const hit = await pollUntil(target.url, {
              t0: r.t0,
              intervalMs: 5,
              deadlineMs: RELOAD_DEADLINE_MS,
              accept: (res) => res.status === 200 && res.body.includes(`"version":"${marker}"`),
              isDead: () => platform.server.exited,
              send: () => request(target.url, { method: "POST", host: target.host, headers: MCP_HEADERS, body: MCP_INITIALIZE }),
            });
            project.url = r.result.url;
            return { ms: hit.ms, cliExitMs: r.ms, polls: hit.polls, version: r.result.version };
          },
          async wrangler(project, marker) {
            const outdir = join(project.dir, ".out", marker);
            const r = await runCommand({ name: "wrangler deploy --dry-run", command: process.execPath, args: [wrangler.bin, "deploy", "--dry-run", "--outdir", outdir], cwd: project.dir, env: wrangler.env, verbose });
            const bundleBytes = (await stat(join(outdir, "index.js"))).size;
            return { ms: r.ms, bundleBytes };
          },
        };
        const deploy = emptySides();
        const edit = async (project, marker) => {
          const text = await readFile(project.source, "utf8");
          if (!text.includes(project.versionLine ?? MCP_VERSION)) throw new Error(`${relative(project.dir, project.source)} no longer contains \`${MCP_VERSION}\`; update bench/run.mjs`);
          const line = `version: "${marker}"`;
          await writeFile(project.source, text.replace(project.versionLine ?? MCP_VERSION, line));
          project.versionLine = line;
        };
        const timeDeploy = (tool, marker) =>
          forTool(tool, ctx, needPlatformFor(tool, async (t) => {
            deployProjects[t.name] ??= await prepare[t.name]();
            await edit(deployProjects[t.name], marker);
            return deployOnce[t.name](deployProjects[t.name], marker);
          }));
        for (const tool of runnable) {
          log(`  deploy warm-up: ${tool.name}${tool === aerostack ? " (creates the project, applies its migration)" : ""}`);
          const r = await timeDeploy(tool, `1.0.0-bench.${process.pid}.0`);
          if (r?.error) deploy[tool.name] = r;
          else deploy[tool.name].extra = { warmupMs: round(r.ms) };
        }
        for (let i = 1; i <= deploys; i++) {
          const order = i % 2 === 1 ? runnable : [...runnable].reverse();
          for (const tool of order) {
            if (deploy[tool.name].error) continue;
            const r = await timeDeploy(tool, `1.0.0-bench.${process.pid}.${i}`);
            if (r?.error) {
              deploy[tool.name].error = r.error;
              continue;
            }
            deploy[tool.name].samples.push(r);
            const detail = tool === aerostack ? `(CLI exited at ${round(r.cliExitMs)} ms, ${r.polls} poll${r.polls === 1 ? "" : "s"})` : `(bundle ${Math.round(r.bundleBytes / 1024)} KiB)`;
            log(`  deploy ${i}/${deploys} ${tool.name.padEnd(9)} ${round(r.ms)} ms ${detail}`);
          }
        }
        rows.push(
          row(
            "platform deploy (mcp-server)",
            "median ms: aerostack = spawning `aerostack deploy --json` of the mcp-server template (a changed server version each run) → the first POST /mcp initialize answering with that version, polled every 5 ms from the moment the command exits; wrangler = spawning `wrangler deploy --dry-run --outdir` of the same source and dependencies → its exit (bundling only, nothing deployed)",
            deploy,
            { goalRatio: 1.0 },
          ),
        );

        // (2) Requests per second: the function template on the platform against bench/fixtures/wrangler-app under
        // `wrangler dev`, both with BENCH_ROUTES added; one process each, kept for every route and round.
        const targets = {};
        const fnSetup = {
          async aerostack() {
            const project = await copyTemplate(TEMPLATE_DIR, "fn-aerostack", "bench-fn");
            await addBenchRoutes(project.source);
            const r = await cliDeploy(platform, project.dir, verbose);
            return (path) => projectTarget(platform, r.result.url, path);
          },
          async wrangler(tool) {
            const project = await tool.makeProject();
            await addBenchRoutes(project.source);
            const port = await freePort();
            wranglerDev = await tool.start(project, port, verbose);
            await pollUntil(`http://127.0.0.1:${port}/`, { t0: wranglerDev.t0, intervalMs: STARTUP_POLL_MS, deadlineMs: STARTUP_DEADLINE_MS, accept: (r) => r.status === 200, isDead: () => wranglerDev.exited }).catch((error) => {
              throw new Error(`wrangler dev: ${error.message}\n--- wrangler output (last lines) ---\n${tail(wranglerDev.output)}`);
            });
            return (path) => ({ url: `http://127.0.0.1:${port}${path}` });
          },
        };
        const rps = {};
        for (const tool of runnable) {
          log(`  req/s set-up: ${tool === aerostack ? "deploying the function template (+ bench routes) to the platform" : "wrangler dev of fixtures/wrangler-app (+ bench routes)"}`);
          const r = await forTool(tool, ctx, needPlatformFor(tool, (t) => fnSetup[t.name](t)));
          if (typeof r === "function") targets[tool.name] = r;
          else rps[tool.name] = r;
        }
        const RPS_ROUTES = [
          { path: "/bench/kv", name: `platform req/s, CACHE get+put (${clients} clients)`, what: "GET /bench/kv: CACHE.get, +1, CACHE.put of one key, JSON answer; the same statements on both" },
          { path: "/bench/plain", name: `platform req/s, no binding (${clients} clients)`, what: "GET /bench/plain: a JSON answer from env.GREETING, no binding call; the same statement on both" },
          { path: "/", name: `platform req/s, GET / as shipped (${clients} clients)`, what: "GET / as each project ships it, which is NOT the same work: aerostack's template does one atomic CACHE.increment, the wrangler fixture a KV get and put" },
        ];
        for (const route of RPS_ROUTES) {
          const sides = emptySides();
          for (const tool of runnable) {
            if (rps[tool.name]) sides[tool.name] = { samples: [], error: `not measured: ${rps[tool.name].error ?? rps[tool.name].unavailable}` };
          }
          for (const tool of runnable) {
            if (!targets[tool.name]) continue;
            const check = await request(targets[tool.name](route.path).url, { host: targets[tool.name](route.path).host });
            if (check.error || check.status !== 200) {
              sides[tool.name].error = `GET ${route.path} did not answer 200 before the run: ${describeAnswer(check)}`;
              ctx.problems.push(`${tool.name}: ${sides[tool.name].error}`);
            }
          }
          for (let i = 0; i < rounds; i++) {
            const order = (i + RPS_ROUTES.indexOf(route)) % 2 === 0 ? runnable : [...runnable].reverse();
            for (const tool of order) {
              if (!targets[tool.name] || sides[tool.name].error) continue;
              const r = await forTool(tool, ctx, () => loadTest(targets[tool.name](route.path), { clients, warmupMs: 1_000, countMs: seconds * 1_000 }));
              if (r?.error) {
                sides[tool.name].error = r.error;
                continue;
              }
              sides[tool.name].samples.push(r);
              if (r.errors) ctx.problems.push(`${tool.name}: GET ${route.path}: ${r.errors} failed answers in a ${seconds} s round (first: ${r.firstError})`);
              log(`  ${route.path.padEnd(12)} round ${i + 1}/${rounds} ${tool.name.padEnd(9)} ${Math.round(r.value)} req/s (p50 ${r.p50LatencyMs.toFixed(1)} ms, p99 ${r.p99LatencyMs.toFixed(1)} ms${r.errors ? `, ${r.errors} errors` : ""})`);
            }
          }
          rows.push(row(route.name, `median req/s over ${rounds} rounds of ${seconds} s (after 1 s not counted), ${clients} concurrent keep-alive node:http clients; ${route.what}`, sides, { unit: "req/s", goalRatio: 0.8, higherIsBetter: true }));
        }
        if (wranglerDev) {
          await stopServer(wranglerDev, ctx);
          wranglerDev = null;
        }

        // (3) Cold first requests: `projects` deployed function projects, the platform stopped (SIGINT) and started
        // again on the same data dir, then one GET each. Aerostack only: wrangler has no platform to restart.
        const notCompared = "not compared: wrangler has no self-hosted platform holding many deployed projects to restart";
        const cold = await forTool(aerostack, ctx, needPlatform(async () => {
          const project = await copyTemplate(TEMPLATE_DIR, "cold", "bench-cold-01");
          await addBenchRoutes(project.source);
          const names = Array.from({ length: projects }, (_, i) => `bench-cold-${String(i + 1).padStart(2, "0")}`);
          const urls = {};
          const deployMs = [];
          log(`  deploying ${projects} projects (${names[0]} … ${names.at(-1)})`);
          for (const name of names) {
            await setProjectName(project.dir, name);
            const r = await cliDeploy(platform, project.dir, verbose);
            urls[name] = r.result.url;
            deployMs.push(r.ms);
          }
          const getEach = async (path) => {
            const out = [];
            for (const name of names) {
              const target = projectTarget(platform, urls[name], path);
              const res = await request(target.url, { host: target.host });
              if (res.error || res.status !== 200) throw new Error(`GET ${path} on ${name}: ${describeAnswer(res)}`);
              out.push(res.ms);
            }
            return out;
          };
          await getEach("/bench/plain"); // every project answers before the restart (loads their isolates once)
          const warmBefore = await getEach("/bench/plain");
          log(`  stopping the platform (SIGINT) and starting it again on the same data dir`);
          const stopped = await stopServer(platform.server, ctx);
          const key = platform.key;
          platform = null;
          try {
            platform = { ...(await startPlatform(dataDir, { verbose, firstStart: false })), key };
          } catch (error) {
            platformError = `the platform did not start again: ${error.message}`;
            throw new Error(platformError);
          }
          const first = await getEach("/bench/plain");
          const warmAfter = await getEach("/bench/plain");
          const firstBinding = await getEach("/"); // GET /: the project's first CACHE call after the restart
          let mcpFirstMs = null;
          if (deployProjects.aerostack?.url) {
            const target = projectTarget(platform, deployProjects.aerostack.url, "/mcp");
            const res = await request(target.url, { method: "POST", host: target.host, headers: MCP_HEADERS, body: MCP_INITIALIZE });
            if (res.error || res.status !== 200) ctx.problems.push(`aerostack: first initialize on bench-mcp after the restart: ${describeAnswer(res)}`);
            else mcpFirstMs = res.ms;
          }
          return { names, first, warmBefore, warmAfter, firstBinding, deployMs, stopMs: stopped.ms, restartMs: platform.listeningMs, mcpFirstMs };
        }));
        const coldSide = { aerostack: cold, ...(ctx.tools.includes(wrangler) ? { wrangler: { unavailable: notCompared } } : {}) };
        if (cold && !cold.error && !cold.unavailable) {
          const two = (x) => (x == null ? null : Math.round(x * 100) / 100);
          const rest = cold.first.slice(1);
          const extra = {
            p50Ms: two(median(cold.first)), // the same (interpolated) median as the row
            p95Ms: two(percentile(cold.first, 95)),
            firstAfterRestartMs: two(cold.first[0]),
            p50WithoutFirstMs: two(median(rest)),
            p95WithoutFirstMs: two(percentile(rest, 95)),
            warmBeforeRestartP50Ms: two(median(cold.warmBefore)),
            warmAfterRestartP50Ms: two(median(cold.warmAfter)),
            firstCacheCallP50Ms: two(median(cold.firstBinding)),
            firstCacheCallP95Ms: two(percentile(cold.firstBinding, 95)),
            mcpServerFirstInitializeMs: two(cold.mcpFirstMs),
            restartToListeningMs: round(cold.restartMs),
            sigintToStoppedMs: round(cold.stopMs),
            deployMedianMs: round(median(cold.deployMs)),
          };
          coldSide.aerostack = { samples: cold.first.map((ms, i) => ({ ms, project: cold.names[i] })), extra };
          log(`  first request after restart: p50 ${extra.p50Ms} ms, p95 ${extra.p95Ms} ms (the very first ${extra.firstAfterRestartMs} ms; others p50 ${extra.p50WithoutFirstMs} ms); warm p50 ${extra.warmAfterRestartP50Ms} ms`);
          log(`  first GET / (first CACHE call) after restart: p50 ${extra.firstCacheCallP50Ms} ms; mcp-server first initialize ${extra.mcpServerFirstInitializeMs ?? "—"} ms; restart → listening ${extra.restartToListeningMs} ms`);
        }
        rows.push({
          ...row(
            `platform cold first request (${projects} projects)`,
            `ms of the first GET /bench/plain to each of ${projects} deployed function projects (fresh connection each), in deploy order, after the platform was stopped with SIGINT and started again on the same data dir; extra: p50/p95, the very first request alone, warm requests, the first CACHE call (GET /), the mcp-server's first initialize`,
            coldSide,
          ),
          goal: "—",
          goalMet: null,
        });
      } finally {
        if (wranglerDev) await stopServer(wranglerDev, ctx);
        if (platform) await stopServer(platform.server, ctx);
      }
      return rows;
    },
  },
  {
    name: "gateway",
    description: "the workspace gateway on `aerostack platform start`: tools/call via /ws/<slug> vs the deployed server directly (16 clients), tools/list with 1/10/50 members (cold, cached), 49 healthy + 1 hung member",
    async run(ctx) {
      const { verbose, clients, seconds, rounds } = ctx.opts;
      const notCompared = { unavailable: "not compared: wrangler has no workspace gateway" };
      const sides = (samples, extra) => ({ aerostack: { samples, extra }, ...(ctx.tools.includes(wrangler) ? { wrangler: notCompared } : {}) });
      const goalRow = (r, goal, goalMet, ratio = null) => ({ ...r, ratio, goal, goalMet });
      if (!ctx.tools.includes(aerostack)) return [];
      const dataDir = join(await tempDir("gateway-platform"), "data");
      let platform = null;
      const members = await startMemberFixtures();
      const rows = [];
      try {
        platform = await startPlatform(dataDir, { verbose, firstStart: true });
        const api = apiClient(platform);

        // (1) tools/call: a tiny MCP server project (one `echo` tool), deployed, then called at its own URL and as
        // the only member of workspace bench-call; each of the 16 clients holds its own MCP session on each side.
        const project = await copyTemplate(MCP_TEMPLATE_DIR, "gateway-echo", "bench-echo");
        await writeFile(project.source, ECHO_SERVER);
        const deployed = await cliDeploy(platform, project.dir, verbose);
        await api("PUT", "/workspaces/bench-call/config", { members: [{ kind: "project", slug: "echo", project: "bench-echo" }], settings: { rateLimitPerMinute: 100_000 } });
        const token = await createToken(api, "bench-call");
        const direct = { ...projectTarget(platform, deployed.result.url, "/mcp"), tool: "echo" };
        const viaGateway = { url: `${platform.url}/ws/bench-call`, token, tool: "echo__echo" };
        const call = { gateway: [], direct: [] };
        for (let i = 0; i < rounds; i++) {
          for (const [name, target] of i % 2 ? [["direct", direct], ["gateway", viaGateway]] : [["gateway", viaGateway], ["direct", direct]]) {
            const r = await mcpCallLoad(target, { clients, warmupMs: 1_000, countMs: seconds * 1_000, cpuMs: () => workerdCpuMs(platform.server.child.pid) });
            call[name].push(r);
            if (r.errors) ctx.problems.push(`gateway: tools/call ${name}: ${r.errors} failed calls (first: ${r.firstError})`);
            log(`  tools/call ${name.padEnd(7)} round ${i + 1}/${rounds}: ${Math.round(r.value)} calls/s, p50 ${r.p50LatencyMs?.toFixed(2)} ms, p95 ${r.p95LatencyMs?.toFixed(2)} ms, workerd CPU ${r.cpuMsPerCall?.toFixed(3)} ms/call (load ${os.loadavg()[0].toFixed(2)})`);
          }
        }
        const med = (xs, k) => Math.round(median(xs.map((x) => x[k])) * 100) / 100;
        const p50 = { gateway: med(call.gateway, "p50LatencyMs"), direct: med(call.direct, "p50LatencyMs") };
        const p95 = { gateway: med(call.gateway, "p95LatencyMs"), direct: med(call.direct, "p95LatencyMs") };
        const tput = { gateway: med(call.gateway, "value"), direct: med(call.direct, "value") };
        const cpu = { gateway: med(call.gateway, "cpuMsPerCall"), direct: med(call.direct, "cpuMsPerCall") };
        const two = (x) => Math.round(x * 100) / 100;
        rows.push(goalRow(row("gateway tools/call p50", `ms per tools/call through /ws/bench-call, ${clients} concurrent clients (own session each), median of ${rounds} rounds of ${seconds} s; extra: the same calls to the project's own /mcp`, sides(call.gateway.map((r) => ({ ms: r.p50LatencyMs })), { directMs: p50.direct, overheadMs: two(p50.gateway - p50.direct) })), "≤ +0.5 ms over direct", p50.gateway - p50.direct <= 0.5, two(p50.gateway / p50.direct)));
        rows.push(goalRow(row("gateway tools/call p95", "as above, the 95th percentile", sides(call.gateway.map((r) => ({ ms: r.p95LatencyMs })), { directMs: p95.direct, overheadMs: two(p95.gateway - p95.direct) })), "—", null, two(p95.gateway / p95.direct)));
        rows.push(goalRow(row("gateway tools/call throughput", `calls/s through /ws/bench-call with ${clients} clients; extra: direct`, sides(call.gateway.map((r) => ({ value: r.value })), { direct: tput.direct, directSamples: call.direct.map((r) => Math.round(r.value)).join(", ") }), { unit: "calls/s", higherIsBetter: true }), "≥ 0.9 of direct", tput.gateway / tput.direct >= 0.9, two(tput.gateway / tput.direct)));
        // What a call costs the runtime, read from workerd's CPU time over the counted window: steady under load,
        // where calls/s and latency move with whatever else the machine runs. 0.9 of direct throughput needs the
        // gateway's share to stay near 1.1 × direct.
        rows.push(goalRow(row("gateway tools/call workerd CPU", "ms of workerd CPU time (user + system) per counted tools/call; extra: direct", sides(call.gateway.map((r) => ({ ms: r.cpuMsPerCall })), { directMs: cpu.direct, directSamples: call.direct.map((r) => two(r.cpuMsPerCall)).join(", ") })), "—", null, two(cpu.gateway / cpu.direct)));

        // (2) tools/list with 1, 10, 50 proxied loopback members (3 tools each).
        for (const n of [1, 10, 50]) {
          const ws = `bench-list-${n}`;
          await api("PUT", `/workspaces/${ws}/config`, { members: members.urls.slice(0, n).map((url, i) => ({ kind: "proxy", slug: `m${i + 1}`, url, headers: {}, allowPrivate: true })), settings: { rateLimitPerMinute: 100_000 } });
          const wsToken = await createToken(api, ws);
          const target = { url: `${platform.url}/ws/${ws}`, token: wsToken };
          const cold = [];
          for (let i = 0; i < 20; i++) {
            const session = await mcpSession(target);
            cold.push(await timedList(session, n * 3));
          }
          const session = await mcpSession(target);
          await timedList(session, n * 3);
          const cached = [];
          for (let i = 0; i < 50; i++) cached.push(await timedList(session, n * 3));
          log(`  tools/list ${n} member(s): cold p50 ${median(cold).toFixed(2)} ms, cached p50 ${median(cached).toFixed(2)} ms`);
          const goals = n === 50 ? { cold: 100, cached: 30 } : {};
          for (const [kind, xs] of [["cold", cold], ["cached", cached]]) {
            const what = kind === "cold" ? "the first tools/list of each of 20 new sessions" : "50 repeated tools/list on one session (after its first)";
            const r = row(`gateway tools/list ${n} member${n > 1 ? "s" : ""} (${kind})`, `ms for ${what}, ${n} proxied loopback member(s), 3 tools each`, sides(xs.map((ms) => ({ ms })), { p95Ms: two(percentile(xs, 95)) }));
            rows.push(goals[kind] ? goalRow(r, `≤ ${goals[kind]} ms p50`, r.aerostackMedianMs <= goals[kind]) : goalRow(r, "—", null));
          }
        }

        // (3) 49 healthy members and one that accepts the connection and never answers; member timeout 1 s.
        const hungMembers = [...members.urls.slice(0, 49).map((url, i) => ({ kind: "proxy", slug: `m${i + 1}`, url, headers: {}, allowPrivate: true })), { kind: "proxy", slug: "hung", url: members.hungUrl, headers: {}, allowPrivate: true, timeoutMs: 1_000 }];
        await api("PUT", "/workspaces/bench-hung/config", { members: hungMembers, settings: { rateLimitPerMinute: 100_000 } });
        const hungToken = await createToken(api, "bench-hung");
        const hung = [];
        for (let i = 0; i < 5; i++) {
          const session = await mcpSession({ url: `${platform.url}/ws/bench-hung`, token: hungToken });
          hung.push(await timedList(session, 49 * 3));
        }
        const past = hung.map((ms) => two(ms - 1_000));
        log(`  tools/list 49 + 1 hung (timeout 1000 ms): ${hung.map((ms) => Math.round(ms)).join(", ")} ms`);
        rows.push(goalRow(row("gateway tools/list 49 + 1 hung member", "ms for the first tools/list of each of 5 new sessions; the hung member's timeout is 1000 ms; extra: ms past that timeout", sides(hung.map((ms) => ({ ms })), { pastTimeoutMs: past.join(", ") })), "≤ timeout + 50 ms", median(hung) <= 1_050));
      } catch (error) {
        ctx.problems.push(`gateway: ${error.message.split("\n")[0]}`);
        log(`  ✘ gateway: ${error.message}`);
        rows.push(row("gateway", "the gateway entry failed", { aerostack: { samples: [], error: error.message } }));
      } finally {
        if (platform) await stopServer(platform.server, ctx);
        await members.close();
      }
      return rows;
    },
  },
];

// ---------------------------------------------------------------------------------------------------------------
// Output

const fmtMs = (side) => {
  if (side.skipped) return "skipped";
  if (side.unavailable) return side.unavailable.startsWith("wrangler unavailable") ? "wrangler unavailable" : side.unavailable.startsWith("not compared") ? "not compared" : "unavailable";
  if (side.unit) return side.median == null ? "failed" : `${side.median} ${side.unit} (min ${side.min})`;
  if (side.medianMs == null) return "failed";
  return `${side.medianMs} ms (max ${side.maxMs})`;
};
const fmtRatio = (r) => (r.ratio === null ? "—" : r.ratio.toFixed(2));
const fmtMet = (r) => (r.goalMet === null ? "—" : r.goalMet ? "yes" : "no");

// The workflow engine's entry lives in workflows.mjs; it measures with the helpers above.
ENTRIES.push(
  workflowsEntry({
    startServer, waitForLine, request, row, tempDir, freePort, apiClient, forTool, percentile, aerostack, wrangler,
    BASE_ENV, AEROSTACK_BIN, PLATFORM_LISTENING, ADMIN_KEY, tmpdirOf: dirname, copyDir: (from, to) => cp(from, to, { recursive: true }),
  }),
);

// The bots' entry lives in bots.mjs.
ENTRIES.push(
  botsEntry({ startServer, waitForLine, request, row, tempDir, apiClient, forTool, percentile, startMemberFixtures, aerostack, wrangler, BASE_ENV, AEROSTACK_BIN, PLATFORM_LISTENING, ADMIN_KEY, tmpdirOf: dirname }),
);
// The dashboard's entry lives in dashboard.mjs.
ENTRIES.push(dashboardEntry({ row, forTool, percentile, apiClient, log, aerostack, wrangler, REPO_DIR }));

function table(rows) {
  const head = ["benchmark", "aerostack median", "wrangler median", "ratio a/w", "goal", "met"];
  const body = rows.map((r) => [r.name, fmtMs(r.aerostack), fmtMs(r.wrangler), fmtRatio(r), r.goal, fmtMet(r)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

// A side's own fields; anything else on it is an entry's extra figure, listed under its samples.
const SIDE_FIELDS = new Set(["medianMs", "maxMs", "samplesMs", "unit", "median", "min", "samples", "details", "error", "warmupMs", "note"]);

function markdown(report) {
  const m = report.machine;
  const out = [
    "# Aerostack benchmark results",
    "",
    `${report.date} · ${m.cpus} × ${m.cpuModel} · ${Math.round(m.memoryGiB)} GiB · ${m.platform} ${m.release} · node ${m.node}`,
    `aerostack ${report.tools.aerostack.version ?? "—"} · wrangler ${report.tools.wrangler.version ?? "—"} · entries: ${report.entries.join(", ")}`,
    `load average (1, 5, 15 min) before: ${report.load.before.join(" ")} · after: ${report.load.after.join(" ")}`,
    "",
    "Ratio = aerostack median / wrangler median; lower is better for Aerostack, except in rows counted in req/s (goal ≥).",
    "",
    table(report.results),
    "",
    "## Samples (ms unless a unit is given)",
    "",
  ];
  let lastEntry = null;
  for (const r of report.results) {
    if (r.entry !== lastEntry && r.load) out.push(`### ${r.entry} (${r.date} · load before ${r.load.before.join(" ")} · after ${r.load.after.join(" ")})`, "");
    lastEntry = r.entry;
    out.push(`**${r.name}**: ${r.description}`, "");
    for (const tool of ["aerostack", "wrangler"]) {
      const s = r[tool];
      if (s.skipped) continue;
      if (s.unavailable) out.push(`- ${tool}: ${s.unavailable.split("\n")[0]}`);
      else {
        const extra = s.warmupMs != null ? ` (warm-up ${s.warmupMs})` : "";
        const samples = s.unit ? `${s.samples.join(", ") || "none"}${s.samples.length ? ` ${s.unit}` : ""}` : s.samplesMs.join(", ") || "none";
        out.push(`- ${tool}: ${samples}${extra}${s.error ? ` — error: ${s.error.split("\n")[0]}` : ""}`);
        if (s.note) out.push(`  - ${s.note}`);
        if (s.unit) {
          const lat = s.details.filter((d) => d.p50LatencyMs != null).map((d) => `${d.p50LatencyMs}/${d.p99LatencyMs}`);
          if (lat.length) out.push(`  - latency p50/p99 per round (ms): ${lat.join(", ")}`);
        }
        const extras = Object.entries(s).filter(([k]) => !SIDE_FIELDS.has(k));
        if (extras.length) out.push(`  - ${extras.map(([k, v]) => `${k}: ${v ?? "—"}`).join(" · ")}`);
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

  // Other work on the machine skews every number here: the load average before and after is part of the result.
  const loadBefore = os.loadavg().map((x) => Math.round(x * 100) / 100);
  log(`aerostack bench: ${entries.map((e) => e.name).join(", ")} on ${os.cpus().length} cores, node ${process.version}, load ${loadBefore.join(" ")}`);
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

  // Rows of entries not run this time are kept from the last results, each with the load and date of its own run:
  // `node bench/run.mjs gateway` updates the gateway rows and leaves the others as they were measured.
  const load = { before: loadBefore, after: os.loadavg().map((x) => Math.round(x * 100) / 100) };
  const date = new Date().toISOString();
  for (const r of results) Object.assign(r, { date, load });
  const ran = new Set(entries.map((e) => e.name));
  let previous = null;
  try {
    previous = JSON.parse(await readFile(join(RESULTS_DIR, "latest.json"), "utf8"));
  } catch {
    previous = null;
  }
  const kept = (previous?.results ?? []).filter((r) => r.entry && !ran.has(r.entry)).map((r) => ({ date: previous.date, load: previous.load, ...r }));
  const order = ENTRIES.map((e) => e.name);
  const allResults = [...kept, ...results].sort((a, b) => order.indexOf(a.entry) - order.indexOf(b.entry));

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
    settings: {
      startups: opts.startups, reloads: opts.reloads, startupPollMs: STARTUP_POLL_MS, reloadPollMs: RELOAD_POLL_MS,
      deploys: opts.deploys, clients: opts.clients, seconds: opts.seconds, rounds: opts.rounds, projects: opts.projects,
      only: opts.only,
    },
    load,
    tools: Object.fromEntries(TOOLS.map((t) => [t.name, { version: t.version, available: t.available, ...(t.reason ? { reason: t.reason } : {}) }])),
    entries: order.filter((name) => allResults.some((r) => r.entry === name)),
    results: allResults,
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
