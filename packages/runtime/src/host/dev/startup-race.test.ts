/** Requests that arrive while `aerostack dev` starts wait for this start's code: no 503, no previous session's code. */
import { afterEach, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDev, type DevSession } from "./dev-session";

let root: string | undefined;
let session: DevSession | undefined;

afterEach(async () => {
  await session?.close();
  session = undefined;
  if (root) await rm(root, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const source = (v: string) => `export default { fetch: () => new Response("v=${v}") };\n`;

it("serves only this start's code from the moment the port opens, with persisted state from an earlier start", async () => {
  root = await mkdtemp(join(tmpdir(), "aerostack-startup-race-"));
  await mkdir(join(root, "src"));
  await writeFile(join(root, "aerostack.toml"), 'name = "race"\nmain = "src/index.ts"\n');
  await writeFile(join(root, "src/index.ts"), source("old"));
  const state = join(root, ".aerostack/state");
  // An earlier session deploys "old" into the persisted state, then stops.
  session = await startDev({ cwd: root, port: 0, persistTo: state, reporter: () => {}, exitOnSignals: false });
  expect(await (await fetch(session.url)).text()).toBe("v=old");
  await session.close();
  session = undefined;

  await writeFile(join(root, "src/index.ts"), source("new"));
  const port = await freePort();
  const answers: string[] = [];
  let starting = true;
  // A client hammering the port from before it opens (as an editor's MCP client does when dev restarts).
  const hammer = (async () => {
    while (starting) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        answers.push(`${res.status} ${await res.text()}`);
      } catch {
        await new Promise((r) => setTimeout(r, 2));
      }
    }
  })();
  session = await startDev({ cwd: root, port, persistTo: state, reporter: () => {}, exitOnSignals: false });
  // A few more once it is ready, then stop.
  await new Promise((r) => setTimeout(r, 50));
  starting = false;
  await hammer;
  expect(answers.length).toBeGreaterThan(0);
  expect(new Set(answers)).toEqual(new Set(["200 v=new"]));
});
