import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { startWorkflow, type WorkflowHarness } from "@aerostack/runtime/testing";

// Deploys this folder's workflow.json to a real local platform (workerd) and runs it through the public API.
let wf: WorkflowHarness;
beforeAll(async () => {
  wf = await startWorkflow(fileURLToPath(new URL("..", import.meta.url)));
});
afterAll(() => wf?.close());

describe("workflow template", () => {
  it("answers a small request without asking anyone", async () => {
    const run = await wf.settled((await wf.run({ request: "new keyboard", amount: 40 })).id);
    expect(run.status).toBe("succeeded");
    expect(run.output).toEqual({ text: "Approved: new keyboard" });
  });

  it("waits for approval on a large request, then answers", async () => {
    const waiting = await wf.settled((await wf.run({ request: "team offsite", amount: 4000 })).id);
    expect(waiting.status).toBe("waiting");
    expect(waiting.waiting[0]).toMatchObject({ node: "ask", kind: "approval" });
    await wf.approve(waiting.id, false, "over budget");
    const done = await wf.settled(waiting.id);
    expect(done.output).toEqual({ text: "Declined: over budget" });
    const { events } = await wf.trace(waiting.id);
    expect(events.find((e) => e.node === "summary" && e.kind === "completed")?.tokens).toBeDefined();
  });
});
