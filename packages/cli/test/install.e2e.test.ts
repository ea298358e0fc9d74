/**
 * The documented install, end to end: `npm run pack`, then `npm install -g` of that one tarball into a fresh prefix,
 * and nothing of this checkout on the PATH. A project that installed CLI creates is copied elsewhere (a teammate's
 * machine, CI) where `npm install` and `npm test` work and no path of the first machine appears; the Claude Desktop
 * entry `mcp config` prints starts a stdio bridge that serves a real MCP client. One packed tarball for the file.
 */
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { freePort, killDevProcesses, startDevProcess } from "./helpers";

const repo = join(dirname(fileURLToPath(import.meta.url)), "../../..");
let work: string;
let prefix: string;
/** A machine's environment with only the installed CLI: no npm_* variables of the `npm test` running us, no repo bins. */
let env: Record<string, string>;

function run(command: string, args: string[], cwd: string, timeoutMs = 180_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function mustRun(command: string, args: string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${result.code}):\n${result.output}`);
  return result.output;
}

/** Every file under `dir` (node_modules skipped unless `withModules`) whose text holds one of `needles`. */
async function filesMentioning(dir: string, needles: string[], withModules = false): Promise<string[]> {
  const hits: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (!withModules && path.slice(dir.length).split(sep).includes("node_modules")) continue;
    const text = (await readFile(path)).toString("latin1");
    if (needles.some((n) => text.includes(n))) hits.push(path);
  }
  return hits;
}

beforeAll(async () => {
  work = await realpath(await mkdtemp(join(tmpdir(), "aerostack-install-")));
  prefix = join(work, "prefix");
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !/^npm_/i.test(k) && k !== "INIT_CWD")) as Record<string, string>;
  const path = (process.env.PATH ?? "").split(delimiter).filter((p) => p && !p.includes(`node_modules${sep}.bin`));
  // XDG_CONFIG_HOME: `mcp config --client claude` resolves Claude's config file there, never the real one.
  env = { ...clean, PATH: [join(prefix, "bin"), ...path].join(delimiter), CI: "1", NO_COLOR: "1", XDG_CONFIG_HOME: join(work, "config") };

  await mustRun(process.execPath, [join(repo, "scripts/pack.mjs"), "--out", join(work, "pack")], repo);
  const [tarball] = (await readdir(join(work, "pack"))).filter((f) => /^aerostack-.*\.tgz$/.test(f));
  expect(tarball).toBeDefined();
  // The README's install command, into a prefix of our own; --prefer-offline: packages this machine has cached.
  await mustRun("npm", ["install", "-g", "--ignore-scripts", "--prefix", prefix, "--no-audit", "--no-fund", "--prefer-offline", join(work, "pack", tarball!)], work);
}, 300_000);

afterEach(async () => {
  expect(await killDevProcesses()).toEqual([]);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

it("the installed CLI is the one on the PATH, and knows its version", async () => {
  const which = await mustRun("sh", ["-c", "command -v aerostack"], work);
  expect(which.trim()).toBe(join(prefix, "bin", "aerostack"));
  const version = JSON.parse(await readFile(join(repo, "packages/cli/package.json"), "utf8")).version as string;
  expect((await mustRun("aerostack", ["--version"], work)).trim()).toBe(version);
});

it("a project created on one machine installs and passes its tests on another, with no path of the first", async () => {
  const mine = join(work, "me");
  await mkdir(mine);
  await mustRun("aerostack", ["init", "weather", "--template", "mcp-server", "--yes", "--no-install"], mine);
  // The teammate's clone: the project's files only, somewhere else, and the first machine's copy gone.
  const theirs = join(work, "teammate", "weather");
  await cp(join(mine, "weather"), theirs, { recursive: true });
  await rm(mine, { recursive: true, force: true });

  const pkg = JSON.parse(await readFile(join(theirs, "package.json"), "utf8"));
  expect(pkg.dependencies["@aerostack/runtime"]).toMatch(/^file:vendor\/aerostack-runtime-[\d.]+\.tgz$/);
  // The CLI is installed per machine, not per project.
  expect({ ...pkg.dependencies, ...pkg.devDependencies }).not.toHaveProperty("aerostack");

  await mustRun("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], theirs);
  const lock = await readFile(join(theirs, "package-lock.json"), "utf8");
  expect(lock).toMatch(/"resolved": "file:vendor\/aerostack-runtime-[\d.]+\.tgz"/);
  const test = await run("npm", ["test"], theirs);
  expect(test.output).toMatch(/Test Files\s+1 passed/);
  expect(test.code).toBe(0);

  // Neither the checkout, nor the install prefix, nor the first machine's folder, in any file the project holds:
  // its own, and the runtime npm installed from its vendored tarball.
  const needles = [repo, prefix, mine];
  expect(await filesMentioning(theirs, needles)).toEqual([]);
  expect(await filesMentioning(join(theirs, "node_modules/@aerostack"), needles, true)).toEqual([]);
}, 300_000);

it("the Claude Desktop entry from `mcp config` starts the installed CLI's stdio bridge to a running dev", async () => {
  const dir = join(work, "bridge");
  await mkdir(dir);
  await mustRun("aerostack", ["init", "notes", "--template", "mcp-server", "--yes", "--no-install"], dir);
  const project = join(dir, "notes");
  const dev = await startDevProcess(["--port", String(await freePort()), "--no-persist"], project, { env, command: "aerostack" });
  try {
    const printed = JSON.parse(await mustRun("aerostack", ["mcp", "config", "--client", "claude", "--json"], project));
    const entry = printed.entry as { command: string; args: string[]; env?: Record<string, string> };
    expect(entry.args.slice(-3)).toEqual(["mcp", "stdio", `${dev.url}/mcp`]);
    // The installed CLI, by absolute paths (Claude Desktop starts servers with a bare PATH), nothing of the checkout.
    expect(JSON.stringify(entry)).not.toContain(repo);
    expect(entry.args[0]).toBe(join(prefix, "bin", "aerostack"));

    // What Claude Desktop does with the entry: start it, with its env on a bare PATH, and speak MCP over stdio.
    const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env: { PATH: "/usr/bin:/bin", ...(entry.env ?? {}) }, stderr: "pipe" });
    const client = new Client({ name: "claude-desktop-e2e", version: "1.0.0" });
    await client.connect(transport);
    try {
      expect(client.getServerVersion()?.name).toBe("notes");
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(["add_note", "search_notes"]));
    } finally {
      await client.close();
    }
  } finally {
    expect(await dev.stop()).toBe(0);
  }
}, 120_000);
