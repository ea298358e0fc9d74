import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { descendants, freePort, isAlive, killDevProcesses, runCli, startDevProcess } from "./helpers";

// The whole user journey with the built CLI: init → dev → edit → break → fix → Ctrl-C → dev again on the same state.
let work: string;
let project: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-e2e-"));
  const init = await runCli(["init", "hello", "--template", "function", "--yes", "--no-install"], { cwd: work });
  expect(init.stderr).toBe("");
  expect(init.code).toBe(0);
  project = join(work, "hello");
});

// A step that fails leaves its dev process (and its workerd) running: end them, and check that nothing survives.
afterEach(async () => {
  expect(await killDevProcesses()).toEqual([]);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const getJson = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe("aerostack dev, end to end", () => {
  it("serves, reloads on save, shows build errors, recovers, stops cleanly, and keeps state across restarts", async () => {
    const port = await freePort();
    const dev = await startDevProcess(["--port", String(port)], project);
    const { url } = dev;
    expect(url).toBe(`http://127.0.0.1:${port}`);
    // A function project: its bindings listed, no gateway token to distract (it composes no MCP server).
    await dev.waitFor("Edit and save to reload");
    expect(dev.output()).toContain("Bindings: env.DB, env.CACHE, env.QUEUE, env.STORAGE, env.AI");
    expect(dev.output()).not.toContain("mwt_dev_");
    // The dashboard's sign-in link for this start: it signs a browser in (a session cookie under /__aerostack/).
    const link = /Dashboard: (http:\/\/127\.0\.0\.1:\d+\/__aerostack\/dashboard\/sign-in\?token=[A-Za-z0-9_-]{43}&workspace=dev)/.exec(dev.output())?.[1];
    expect(link, dev.output()).toBeDefined();
    const signedIn = await fetch(link!, { redirect: "manual" });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get("set-cookie")).toMatch(/^aerostack_session=ads_[^;]+; Path=\/__aerostack\/; HttpOnly; SameSite=Strict/);

    // 1. The template serves, with bindings working.
    const hello = await getJson(`${url}/`);
    expect(hello).toMatchObject({ status: 200, body: { message: "Hello from Aerostack", visits: 1 } });

    // 2. Edit and save: the next request runs the new code, no restart.
    const source = join(project, "src/index.ts");
    const original = await readFile(source, "utf8");
    const edited = original
      .replace("message: env.GREETING", 'message: "edited: " + env.GREETING')
      // A route that leaves a job pending well past the restart.
      .replace('if (route === "GET /notes") {', 'if (route === "POST /later") {\n      return json(await env.QUEUE.send({ noteId: -1 }, { delaySeconds: 3600 }));\n    }\n\n    if (route === "GET /notes") {');
    let mark = dev.output().length;
    await writeFile(source, edited);
    await dev.waitFor("reloaded", mark);
    expect((await getJson(`${url}/`)).body.message).toBe("edited: Hello from Aerostack");

    // 3. Break the code: the terminal shows esbuild's error with file and line; requests get a 500 naming it.
    mark = dev.output().length;
    await writeFile(source, edited.replace("const json =", "const json = = "));
    await dev.waitFor("Build failed", mark);
    await dev.waitFor(/src\/index\.ts:\d+:\d+/, mark);
    // NO_COLOR (and no TTY): esbuild's message carries no colour either.
    expect(dev.output().slice(mark)).not.toContain("\u001b[");
    const broken = await fetch(`${url}/`);
    expect(broken.status).toBe(500);
    expect(await broken.text()).toMatch(/src\/index\.ts:\d+:\d+/);

    // 4. Fix it: recovers.
    mark = dev.output().length;
    await writeFile(source, edited);
    await dev.waitFor("reloaded", mark);
    expect((await getJson(`${url}/`)).status).toBe(200);

    // 5. Make state in every binding: a note (DB + STORAGE + a completed job + cached words) and a pending job.
    const created = await getJson(`${url}/notes`, { method: "POST", body: JSON.stringify({ text: "persist me please" }) });
    expect(created.status).toBe(201);
    const noteId = created.body.id as number;
    await expect.poll(async () => (await getJson(`${url}/jobs/${created.body.job}`)).body.status, { timeout: 10_000 }).toBe("completed");
    const later = await getJson(`${url}/later`, { method: "POST" });
    const pendingJob = later.body.id as string;
    expect((await getJson(`${url}/jobs/${pendingJob}`)).body.status).toBe("pending");

    // 6. `aerostack db query` reaches the running dev server.
    const q = await runCli(["db", "query", "SELECT count(*) AS n FROM notes", "--json"], { cwd: project });
    expect(q.code).toBe(0);
    expect(JSON.parse(q.stdout).results).toEqual([{ n: 1 }]);

    // 7. Ctrl-C: exit 0, and no workerd (or any other child) is left behind.
    const children = descendants(dev.child.pid!);
    expect(children.length).toBeGreaterThan(0);
    expect(await dev.stop()).toBe(0);
    await expect.poll(() => children.filter(isAlive), { timeout: 5_000 }).toEqual([]);

    // 8. dev again on the same state: DB rows, cache keys, stored objects and the pending job are all there.
    const again = await startDevProcess(["--port", String(port)], project);
    try {
      const note = await getJson(`${again.url}/notes/${noteId}`);
      expect(note.body).toMatchObject({ text: "persist me please", words: 3, stored: "persist me please", cachedWords: 3 });
      // GET / ran three times before the restart (the broken build never reached the code): this is the fourth.
      expect((await getJson(`${again.url}/`)).body.visits).toBe(4);
      expect((await getJson(`${again.url}/jobs/${pendingJob}`)).body.status).toBe("pending");
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });
});
