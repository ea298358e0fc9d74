/** In `aerostack dev`, a rejected `ctx.waitUntil` promise is printed like an uncaught exception, mapped to the source. */
import { afterEach, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
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

it("prints a rejected waitUntil promise with its source-mapped stack", async () => {
  root = await mkdtemp(join(tmpdir(), "aerostack-wait-until-"));
  await mkdir(join(root, "src"));
  await writeFile(join(root, "aerostack.toml"), 'name = "bg"\nmain = "src/index.ts"\n');
  await writeFile(
    join(root, "src/index.ts"),
    [
      "async function sendAnalytics(): Promise<void> {",
      "  await Promise.resolve();",
      '  throw new Error("analytics endpoint refused");',
      "}",
      "export default {",
      "  fetch(_req: Request, _env: unknown, ctx: ExecutionContext) {",
      "    ctx.waitUntil(sendAnalytics());",
      '    return new Response("ok");',
      "  },",
      "};",
      "",
    ].join("\n"),
  );
  const lines: string[] = [];
  session = await startDev({ cwd: root, port: 0, persistTo: null, reporter: (e) => (e.type === "log" ? lines.push(e.line) : undefined), exitOnSignals: false });
  expect(await (await fetch(session.url)).text()).toBe("ok");
  await expect.poll(() => lines.join("\n"), { timeout: 5000 }).toContain("analytics endpoint refused");
  const printed = lines.join("\n");
  expect(printed).toMatch(/ctx\.waitUntil promise rejected/);
  expect(printed).toMatch(/src\/index\.ts:3/);
});
