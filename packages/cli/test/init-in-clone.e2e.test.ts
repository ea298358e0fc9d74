/** A project created inside a clone of this repository runs its own tests, not under the repository's vitest config. */
import { afterAll, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "./helpers";

// The repository root: the "clone" the project is created in (its node_modules give the project vitest and the runtime).
const repo = join(dirname(fileURLToPath(import.meta.url)), "../../..");
let work: string | undefined;

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

it("init inside the repository, then the project's own `npm test`: its test files are found and pass", async () => {
  // A top-level folder of the repository, outside the root config's `packages/**` and `examples/**`.
  work = await mkdtemp(join(repo, "tmp-clone-"));
  expect((await runCli(["init", "inner", "--template", "function", "--yes", "--no-install"], { cwd: work })).code).toBe(0);
  const project = join(work, "inner");
  const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn("npm", ["test", "--silent"], { cwd: project, env: { ...process.env, CI: "1", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("exit", (code) => resolve({ code, output }));
  });
  expect(result.output).not.toContain("No test files found");
  expect(result.output).toMatch(/Test Files\s+1 passed/);
  expect(result.code).toBe(0);
}, 120_000);
