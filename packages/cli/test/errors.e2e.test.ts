import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:net";
import { mkdtemp, rm, writeFile, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./helpers";

// Each bad input gets a short error naming the cause and the fix, the right exit code, and no stack trace.
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-errors-"));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

async function newProject(name: string): Promise<string> {
  const res = await runCli(["init", name, "--template", "function", "--no-install"], { cwd: work });
  expect(res.code).toBe(0);
  return join(work, name);
}

describe("errors users see", () => {
  it("unknown template: exit 2, lists the templates", async () => {
    const res = await runCli(["init", "x", "--template", "nope", "--no-install"], { cwd: work });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('Unknown template "nope"');
    expect(res.stderr).toContain("function");
    noStack(res.stderr);
  });

  it("missing template without a TTY: exit 2, names --template", async () => {
    const res = await runCli(["init", "y", "--no-install"], { cwd: work });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("--template");
  });

  it("unknown option: exit 2", async () => {
    const res = await runCli(["dev", "--bogus"], { cwd: work });
    expect(res.code).toBe(2);
  });

  it("malformed aerostack.toml: exit 1, names file, line and the problem", async () => {
    const dir = await newProject("bad-toml");
    await writeFile(join(dir, "aerostack.toml"), 'name = "bad-toml"\n[dev]\nport = = 3\n');
    const res = await runCli(["dev"], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("aerostack.toml");
    expect(res.stderr).toMatch(/line 3/);
    noStack(res.stderr);
  });

  it("invalid key in aerostack.toml: did-you-mean", async () => {
    const dir = await newProject("bad-key");
    await writeFile(join(dir, "aerostack.toml"), 'name = "bad-key"\n[dev]\nprot = 8787\n');
    const res = await runCli(["build"], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('did you mean "dev.port"');
  });

  it("missing entry file: exit 1, names the file and the `main` key", async () => {
    const dir = await newProject("no-entry");
    await unlink(join(dir, "src/index.ts"));
    const res = await runCli(["build"], { cwd: dir });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("src/index.ts");
    expect(res.stderr).toContain("main");
    noStack(res.stderr);
  });

  it("port in use: exit 1, suggests --port", async () => {
    const dir = await newProject("busy-port");
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const res = await runCli(["dev", "--port", String(port)], { cwd: dir });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`Port ${port}`);
      expect(res.stderr).toContain("--port");
      noStack(res.stderr);
    } finally {
      blocker.close();
    }
  });

  it("no aerostack.toml: exit 1, suggests init", async () => {
    const res = await runCli(["build"], { cwd: work });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("aerostack init");
  });

  it("--debug shows the stack", async () => {
    const res = await runCli(["build", "--debug"], { cwd: work });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/\n\s+at /);
  });
});
