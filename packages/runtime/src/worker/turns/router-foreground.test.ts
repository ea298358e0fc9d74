// The router's side of turns: while a function request is being served, the isolate's scheduler counts it as
// foreground (so workflow slices and bot chats' work hold back), in dev and on the platform; it is uncounted once
// answered. A function that takes 3 s to answer keeps the request in flight while the test looks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform } from "../../host/testing";

const SLOW = `export default { async fetch() { await new Promise((r) => setTimeout(r, 3000)); return new Response("done"); } }`;

async function foreground(platform: TestPlatform): Promise<number> {
  const res = await platform.fetch(`${platform.url}/__aerostack/turns`, { headers: { authorization: `Bearer ${platform.token}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { foreground: number }).foreground;
}

describe.each([
  ["dev", {}],
  ["platform", { mode: "platform" as const }],
])("router counts function requests as foreground (%s)", (_mode, options) => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await createTestPlatform(options);
    await platform.deployScript("slow", SLOW);
  });
  afterAll(() => platform?.dispose());

  it("counts a function request while it is in flight, and not after", async () => {
    expect(await foreground(platform)).toBe(0);
    const answered = platform.request("slow", "/").then((r) => r.text());
    await expect.poll(() => foreground(platform), { timeout: 2500, interval: 20 }).toBe(1);
    expect(await answered).toBe("done");
    expect(await foreground(platform)).toBe(0);
  });

  it("refuses the scheduler's figures without the host token", async () => {
    const res = await platform.fetch(`${platform.url}/__aerostack/turns`);
    expect(res.status).toBe(401);
  });
});
