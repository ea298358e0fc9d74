/**
 * A workflow whose definition is a TypeScript module (main = "src/workflow.ts") deploys with the built CLI: the
 * module and what it imports are bundled and its default export taken. The CLI runs from a V8 code cache, where
 * code has no import() of its own; this is the path that proves the module loader goes through the one that works.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killPlatform, runCli, startPlatformProcess, type PlatformProcess } from "./helpers";

let work: string;
let platform: PlatformProcess;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-wf-module-"));
  await mkdir(join(work, "home"));
  platform = await startPlatformProcess(join(work, "data"), { ...process.env, HOME: join(work, "home") } as Record<string, string>, true);
});
afterAll(async () => {
  if (platform) await killPlatform(platform);
  await rm(work, { recursive: true, force: true });
});

describe("a workflow defined in TypeScript", { timeout: 120_000 }, () => {
  it("deploys from src/workflow.ts, bundled with what it imports", async () => {
    const project = join(work, "typed");
    await mkdir(join(project, "src"), { recursive: true });
    await writeFile(join(project, "aerostack.toml"), 'name = "typed"\ntype = "workflow"\nmain = "src/workflow.ts"\n');
    await writeFile(join(project, "src/steps.ts"), 'export const greet = (id: string) => ({ id, type: "set_variable", config: { name: "greeting", value: "hello {{ trigger.body.name }}" } });\n');
    await writeFile(
      join(project, "src/workflow.ts"),
      `import { greet } from "./steps";
const definition = {
  nodes: [{ id: "start", type: "trigger" }, greet("hi"), { id: "done", type: "end", config: { output: { said: "{{ vars.greeting }}" } } }],
  edges: [{ from: "start", to: "hi" }, { from: "hi", to: "done" }],
};
export default definition;
`,
    );
    const env = { HOME: join(work, "home"), AEROSTACK_API_URL: platform.url, AEROSTACK_API_KEY: platform.adminKey! };
    const res = await runCli(["deploy", "--json"], { cwd: project, env });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).workflow).toMatchObject({ name: "typed", version: 1, nodes: 3 });
  });
});
