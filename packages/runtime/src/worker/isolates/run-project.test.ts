/** Integration tests of the isolate runner's scheduled path (fetch and queue are covered by dispatch and queue tests). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform } from "../../host/testing";

let platform: TestPlatform;

beforeAll(async () => {
  platform = await createTestPlatform();
});
afterAll(() => platform?.dispose());

describe("runProject().scheduled", () => {
  it("calls scheduled(controller, env, ctx) in the active version, with the project's bindings", async () => {
    await platform.deployScript(
      "cron",
      `export default {
        async scheduled(controller, env, ctx) {
          ctx.waitUntil(Promise.resolve());
          await env.CACHE.put("last", JSON.stringify({ cron: controller.cron, at: controller.scheduledTime, type: controller.type }));
        },
        async fetch(req, env) { return new Response(await env.CACHE.get("last")); },
      }`,
    );
    const result = await platform.control.triggerScheduled("cron", "*/5 * * * *", 1_700_000_000_000);
    expect(result).toEqual({ ok: true, noRetry: false });
    expect(await (await platform.request("cron", "/")).json()).toEqual({ cron: "*/5 * * * *", at: 1_700_000_000_000, type: "scheduled" });
  });

  it("reports noRetry(), a thrown error, and a module without a scheduled handler", async () => {
    await platform.deployScript(
      "cronfail",
      `export default { scheduled(controller) { controller.noRetry(); throw new RangeError("cron broke " + controller.cron); } }`,
    );
    const failed = await platform.control.triggerScheduled("cronfail", "0 * * * *");
    expect(failed.ok).toBe(false);
    expect(failed.noRetry).toBe(true);
    expect(failed.error).toMatchObject({ name: "RangeError", message: "cron broke 0 * * * *" });

    await platform.deployScript("cronless", `export default { fetch() { return new Response("ok"); } }`);
    const missing = await platform.control.triggerScheduled("cronless", "0 * * * *");
    expect(missing.ok).toBe(false);
    expect(missing.error?.message).toContain("no scheduled handler");
  });

  it("runs a WorkerEntrypoint-style default export's scheduled method", async () => {
    await platform.deployScript(
      "cronclass",
      `import { WorkerEntrypoint } from "cloudflare:workers";
      export default class extends WorkerEntrypoint {
        async scheduled(controller) { await this.env.CACHE.put("seen", controller.cron); }
        async fetch() { return new Response(await this.env.CACHE.get("seen")); }
      }`,
    );
    expect(await platform.control.triggerScheduled("cronclass", "1 2 3 4 5")).toEqual({ ok: true, noRetry: false });
    expect(await (await platform.request("cronclass", "/")).text()).toBe("1 2 3 4 5");
  });

  it("says so when the project has no deployment", async () => {
    const result = await platform.control.triggerScheduled("nobody", "* * * * *");
    expect(result.ok).toBe(false);
    expect(result.error?.message).toContain("no active deployment");
  });
});
