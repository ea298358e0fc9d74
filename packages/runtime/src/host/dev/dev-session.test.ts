/** A dev session against real workerd: every save reloads however it is written, and only source changes reload. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, rename, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startDev, type DevSession } from "./dev-session";
import type { DevEvent } from "./reporter";

let root: string;
let session: DevSession | undefined;
let events: DevEvent[];

const version = (v: string) => `export const version = ${JSON.stringify(v)};\n`;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "aerostack-dev-session-"));
  await mkdir(join(root, "src"));
  await writeFile(join(root, "aerostack.toml"), 'name = "saves"\nmain = "src/index.ts"\n');
  await writeFile(join(root, "src/index.ts"), 'import { version } from "./version";\nexport default { fetch: () => new Response(`v=${version}`) };\n');
  await writeFile(join(root, "src/version.ts"), version("0"));
  events = [];
});

afterEach(async () => {
  await session?.close();
  session = undefined;
  await rm(root, { recursive: true, force: true });
});

async function start(): Promise<DevSession> {
  session = await startDev({ cwd: root, port: 0, persistTo: null, reporter: (e) => events.push(e), exitOnSignals: false });
  return session;
}

/** The next `type` event reported after the first `from` events. */
function nextEvent<T extends DevEvent["type"]>(type: T, from: number): Promise<Extract<DevEvent, { type: T }>> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const found = events.slice(from).find((e) => e.type === type);
      if (found) return resolve(found as Extract<DevEvent, { type: T }>);
      if (Date.now() - started > 15_000) return reject(new Error(`no ${type} event; got ${JSON.stringify(events.slice(from))}`));
      setTimeout(poll, 10);
    };
    poll();
  });
}

const body = async (url: string) => (await fetch(url)).text();

/** How editors save: a temporary file renamed over the old one (vim keeps a backup; JetBrains and `sed -i` do not). */
const saves = {
  async sedInPlace(path: string, text: string) {
    const tmp = join(dirname(path), `sed${Math.random().toString(36).slice(2, 8)}`);
    await writeFile(tmp, text);
    await rename(tmp, path);
  },
  async vim(path: string, text: string) {
    // vim probes the folder with a file named 4913, moves the original to a backup, writes anew, drops the backup.
    const probe = join(dirname(path), "4913");
    await writeFile(probe, "");
    await unlink(probe);
    await rename(path, `${path}~`);
    await writeFile(path, text);
    await unlink(`${path}~`);
  },
  async jetbrains(path: string, text: string) {
    await writeFile(`${path}___jb_tmp___`, text);
    await rename(path, `${path}___jb_old___`);
    await rename(`${path}___jb_tmp___`, path);
    await unlink(`${path}___jb_old___`);
  },
  async inPlace(path: string, text: string) {
    await writeFile(path, text);
  },
};

describe("dev session: saves", () => {
  it("reloads on every save, whether written in place or renamed over the old file, and a fix saved by rename clears the build error", async () => {
    const { url } = await start();
    expect(await body(url)).toBe("v=0");
    const file = join(root, "src/version.ts");
    let n = 0;
    // Several rename-saves in a row, then in place: each one reloads.
    for (const how of ["sedInPlace", "vim", "jetbrains", "sedInPlace", "inPlace", "inPlace", "vim"] as const) {
      n++;
      const from = events.length;
      await saves[how](file, version(String(n)));
      await nextEvent("reloaded", from);
      await expect.poll(() => body(url), { timeout: 5_000 }).toBe(`v=${n}`);
    }
    // The entry itself, renamed over: a syntax error shows, and a fix saved the same way clears it.
    const entry = join(root, "src/index.ts");
    let from = events.length;
    await saves.sedInPlace(entry, "export default { fetch: () => new Response( };\n");
    await nextEvent("build-failed", from);
    expect((await fetch(url)).status).toBe(500);
    from = events.length;
    await saves.vim(entry, 'import { version } from "./version";\nexport default { fetch: () => new Response(`fixed ${version}`) };\n');
    await nextEvent("reloaded", from);
    await expect.poll(() => body(url), { timeout: 5_000 }).toBe(`fixed ${n}`);
    // And in place again after all that.
    from = events.length;
    await saves.inPlace(file, version("last"));
    await nextEvent("reloaded", from);
    await expect.poll(() => body(url), { timeout: 5_000 }).toBe("fixed last");
  });

  it("a file a failing build is missing, once created, reloads", async () => {
    const { url } = await start();
    let from = events.length;
    await saves.inPlace(join(root, "src/index.ts"), 'import { extra } from "./extra";\nexport default { fetch: () => new Response(extra) };\n');
    await nextEvent("build-failed", from);
    from = events.length;
    await saves.inPlace(join(root, "src/extra.ts"), 'export const extra = "extra";\n');
    await nextEvent("reloaded", from);
    await expect.poll(() => body(url), { timeout: 5_000 }).toBe("extra");
  });
});

describe("dev session: only source changes reload", () => {
  it("ignores editor folders, build output, temp folders and swap or backup files; a real save then reloads once, naming only itself", async () => {
    await start();
    const noise = [
      ".cursor/mcp.json",
      ".vscode/settings.json",
      ".idea/workspace.xml",
      "dist/index.js",
      "build/out.js",
      ".wrangler/state/x.sqlite",
      "tmp/scratch.ts",
      ".aerostack/anything",
      "src/.version.ts.swp",
      "src/version.ts~",
      "src/4913",
      "src/.#version.ts",
      "src/notes.md",
      "src/unused.ts",
      "README.md",
    ];
    const from = events.length;
    for (const rel of noise) {
      await mkdir(dirname(join(root, rel)), { recursive: true });
      await writeFile(join(root, rel), "noise");
    }
    // The real save comes last: every noise event was delivered before it (one inotify queue, in order).
    await saves.inPlace(join(root, "src/version.ts"), version("real"));
    const reloaded = await nextEvent("reloaded", from);
    expect(reloaded.changed).toEqual(["src/version.ts"]);
    expect(events.slice(from).filter((e) => e.type === "reloaded" || e.type === "build-failed")).toHaveLength(1);
  });

  it("aerostack.toml, .dev.vars and a new migration still reload", async () => {
    const { url } = await start();
    let from = events.length;
    await writeFile(join(root, ".dev.vars"), "TOKEN=abc\n");
    expect((await nextEvent("reloaded", from)).changed).toContain(".dev.vars");
    from = events.length;
    await writeFile(join(root, "aerostack.toml"), 'name = "saves"\nmain = "src/index.ts"\n\n[vars]\nA = "1"\n');
    expect((await nextEvent("reloaded", from)).changed).toContain("aerostack.toml");
    from = events.length;
    await mkdir(join(root, "migrations"));
    await writeFile(join(root, "migrations/0001_t.sql"), "CREATE TABLE t (id INTEGER);\n");
    await nextEvent("migrations", from);
    expect(await body(url)).toBe("v=0");
  });
});
