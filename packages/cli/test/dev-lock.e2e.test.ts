/** A second `aerostack dev` in the same folder is refused, naming the running one, and leaves its lock alone. */
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, runCli, startDevProcess, type DevProcess } from "./helpers";

let work: string;
let project: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-lock-"));
  expect((await runCli(["init", "locked", "--template", "function", "--yes", "--no-install"], { cwd: work })).code).toBe(0);
  project = join(work, "locked");
});

// Dev servers a test started, killed after it even if it timed out (a timeout skips `finally`).
const started: DevProcess[] = [];
afterEach(() => {
  for (const dev of started.splice(0)) if (dev.child.exitCode === null && dev.child.signalCode === null) dev.child.kill("SIGKILL");
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

it("refuses a second aerostack dev in the same folder, naming the first one's pid and port; the first keeps serving and its lock", async () => {
  const port = await freePort();
  const first = await startDevProcess(["--port", String(port), "--no-persist"], project);
  started.push(first);
  try {
    const lockPath = join(project, ".aerostack/dev.json");
    const lockBefore = await readFile(lockPath, "utf8");
    // Another port, so the refusal cannot come from the port check.
    const second = await runCli(["dev", "--port", String(await freePort()), "--no-persist"], { cwd: project });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`aerostack dev is already running in this folder (pid ${first.child.pid}, serving http://127.0.0.1:${port})`);
    expect(await readFile(lockPath, "utf8")).toBe(lockBefore);
    expect((await fetch(`${first.url}/`)).status).toBe(200);
  } finally {
    expect(await first.stop()).toBe(0);
  }
  // Stopped: the lock is gone and dev starts again.
  await expect(readFile(join(project, ".aerostack/dev.json"))).rejects.toThrow();
  const again = await startDevProcess(["--port", String(port), "--no-persist"], project);
  started.push(again);
  expect(await again.stop()).toBe(0);
});
