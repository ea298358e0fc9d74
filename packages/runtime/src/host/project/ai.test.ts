/**
 * `[ai]` end to end as `aerostack dev` runs it: aerostack.toml names a provider at a loopback server, `.dev.vars`
 * holds its key, and user code's env.AI call reaches the server with that key — and a changed `.dev.vars` key is
 * used on the next call, without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProject, type ProjectHarness } from "../testing";
import { replyJson, startProviderServer, type ProviderServer } from "../fixtures/llm-provider-server";

const FIRST_KEY = "sk-devvars-first-1a2b3c4d5e";
const SECOND_KEY = "sk-devvars-second-9f8e7d6c5b";

let root: string;
let server: ProviderServer;
let app: ProjectHarness;

const answer = (text: string) =>
  replyJson({ model: "gpt-4o-mini", choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage: { prompt_tokens: 2, completion_tokens: 1 } });

beforeAll(async () => {
  server = await startProviderServer();
  root = await mkdtemp(join(tmpdir(), "aerostack-ai-"));
  await mkdir(join(root, "src"));
  await writeFile(
    join(root, "aerostack.toml"),
    ['name = "ai-dev"', 'main = "src/index.ts"', "", "[ai]", 'default_model = "openai:gpt-4o-mini"', "timeout = 5", "", "[ai.providers.openai]", `base_url = "${server.url}/v1"`, ""].join("\n"),
  );
  await writeFile(
    join(root, "src/index.ts"),
    `export default { async fetch(req: Request, env: any) {
      const result = await env.AI.chat({ messages: [{ role: "user", content: "hi" }] });
      return Response.json(result);
    } };\n`,
  );
  await writeFile(join(root, ".dev.vars"), `OPENAI_API_KEY=${FIRST_KEY}\n`);
  app = await startProject(root);
});
afterAll(async () => {
  await app?.close();
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

describe("[ai] in aerostack dev", () => {
  it("calls the configured provider with the key from .dev.vars", async () => {
    server.next(answer("hello from the provider"));
    const result = (await (await app.fetch("/")).json()) as { text: string; model: string };
    expect(result).toMatchObject({ text: "hello from the provider", model: "openai:gpt-4o-mini" });
    expect(server.requests[0]).toMatchObject({ url: "/v1/chat/completions", headers: { authorization: `Bearer ${FIRST_KEY}` } });
  });

  it("uses a key changed in .dev.vars on a later call, and never prints a key", async () => {
    await writeFile(join(root, ".dev.vars"), `OPENAI_API_KEY=${SECOND_KEY}\n`);
    // The watcher pushes the new secrets shortly after the save; every call is answered meanwhile.
    await expect
      .poll(
        async () => {
          server.next(answer("again"));
          await app.fetch("/");
          return server.requests.at(-1)?.headers.authorization;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(`Bearer ${SECOND_KEY}`);
    const printed = app.logs.join("\n");
    expect(printed).not.toContain(FIRST_KEY);
    expect(printed).not.toContain(SECOND_KEY);
  });
});
