/** Ctrl-C at every start-up phase of `aerostack dev` stops it quietly; a SIGKILLed host leaves no workerd serving. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, groupRunning, portOpen, runCli, spawnCli as spawnCliProcess, type CliProcess } from "./helpers";

let work: string;
let project: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-signals-"));
  const init = await runCli(["init", "sig", "--template", "function", "--yes", "--no-install"], { cwd: work });
  expect(init.code).toBe(0);
  project = join(work, "sig");
});

// Every CLI a test starts, killed with its whole group after the test even if it timed out (a timeout skips `finally`).
const started: CliProcess[] = [];
const spawnCli = (...args: Parameters<typeof spawnCliProcess>) => {
  const cli = spawnCliProcess(...args);
  started.push(cli);
  return cli;
};
afterEach(() => {
  for (const cli of started.splice(0)) {
    try {
      process.kill(-cli.child.pid!, "SIGKILL");
    } catch {
      // the group is gone already
    }
  }
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** What a quiet stop never prints: esbuild's EPIPE, an unexpected error, a stack frame. */
const NOISE = /EPIPE|Unexpected error|fetch failed|^\s+at /m;

describe("aerostack dev stops on a signal at any moment", () => {
  // `--debug` prints each phase as it begins; the signal goes to the whole process group, as a terminal's Ctrl-C does
  // (workerd and esbuild get it too). "ready" is the banner's last line: a stop once everything runs.
  const moments = { config: "[debug] start-up: config", workerd: "[debug] start-up: workerd", deploy: "[debug] start-up: deploy", ready: "Press Ctrl-C to stop" };
  for (const [moment, line] of Object.entries(moments)) {
    it(`Ctrl-C at "${moment}": exit 0, nothing printed, nothing left running`, async () => {
      const port = await freePort();
      const cli = spawnCli(["dev", "--debug", "--port", String(port), "--no-persist"], project, { group: true });
      await cli.waitFor(line);
      process.kill(-cli.child.pid!, "SIGINT");
      expect(await cli.exited).toBe(0);
      expect(cli.output()).not.toMatch(NOISE);
      await expect.poll(() => groupRunning(cli.child.pid!), { timeout: 1_000, interval: 50 }).toEqual([]);
      expect(await portOpen(port)).toBe(false);
    });
  }

  it("SIGKILL of the CLI: workerd stops with it and the port is free within ~2 s", async () => {
    const port = await freePort();
    const cli = spawnCli(["dev", "--port", String(port), "--no-persist"], project, { group: true });
    await cli.waitFor("Press Ctrl-C to stop");
    expect(await portOpen(port)).toBe(true);
    cli.child.kill("SIGKILL");
    await cli.exited;
    await expect.poll(() => portOpen(port), { timeout: 2_500, interval: 50 }).toBe(false);
    await expect.poll(() => groupRunning(cli.child.pid!), { timeout: 2_500, interval: 50 }).toEqual([]);
  });
});

describe("aerostack platform start stops with its host", () => {
  it("SIGKILL of the CLI: the platform's port is free within ~2 s", async () => {
    const port = await freePort();
    const dataDir = join(work, "platform-data");
    const cli = spawnCli(["platform", "start", "--port", String(port), "--data-dir", dataDir], work, { group: true });
    await cli.waitFor("Press Ctrl-C to stop", 0, 30_000);
    expect(await portOpen(port)).toBe(true);
    cli.child.kill("SIGKILL");
    await cli.exited;
    await expect.poll(() => portOpen(port), { timeout: 2_500, interval: 50 }).toBe(false);
  });

  it("Ctrl-C while the platform starts: exit 0, nothing printed, nothing left running", async () => {
    const port = await freePort();
    const cli = spawnCli(["platform", "start", "--debug", "--port", String(port), "--data-dir", join(work, "platform-ctrl-c")], work, { group: true });
    await cli.waitFor("[debug] start-up: workerd");
    process.kill(-cli.child.pid!, "SIGINT");
    expect(await cli.exited).toBe(0);
    expect(cli.output()).not.toMatch(NOISE);
    await expect.poll(() => groupRunning(cli.child.pid!), { timeout: 1_000, interval: 50 }).toEqual([]);
  });
});
