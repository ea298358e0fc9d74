import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { startProject, type ProjectHarness } from "@aerostack/runtime/testing";

// Runs the example as `aerostack dev` would, in memory and offline: env.AI is the built-in local provider.
let app: ProjectHarness;
beforeAll(async () => {
  app = await startProject(fileURLToPath(new URL("..", import.meta.url)));
});
afterAll(() => app?.close());

interface Answer {
  answer: string;
  citations: string[];
  sources: { id: string; title: string; score: number }[];
  model: string;
}

async function ask(question: string): Promise<Answer> {
  const res = await app.fetch("/ask", { method: "POST", body: JSON.stringify({ question }) });
  expect(res.status).toBe(200);
  return (await res.json()) as Answer;
}

describe("retrieval example", () => {
  it("asks for an ingest before there is anything to search", async () => {
    const res = await app.fetch("/ask", { method: "POST", body: JSON.stringify({ question: "anything?" }) });
    expect(res.status).toBe(409);
  });

  it("ingests the articles with env.AI.embed into env.VECTORIZE (384 dimensions, local model)", async () => {
    const res = await app.fetch("/ingest", { method: "POST" });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      ingested: 5,
      ids: ["refunds", "shipping", "password-reset", "support-hours", "data-export"],
      model: "local:default",
      dimensions: 384,
    });
  });

  it("retrieves the refund article first and answers from it, citing it", async () => {
    const result = await ask("How many business days until a refund is issued?");
    expect(result.sources[0]!.id).toBe("refunds");
    expect(result.sources).toHaveLength(3);
    expect(result.answer).toBe(
      "Refunds are issued to the original payment method within 5 business days of the returned item arriving at our warehouse. [refunds]",
    );
    expect(result.citations).toEqual(["refunds"]);
    expect(result.model).toBe("local:default");
  });

  it("retrieves and cites a different article for a different question", async () => {
    const result = await ask("How do I reset my password?");
    expect(result.sources[0]!.id).toBe("password-reset");
    expect(result.answer).toMatch(/^To reset your password, open the sign-in page and choose Forgot password\. \[password-reset\]$/);
    expect(result.citations).toEqual(["password-reset"]);
  });

  it("ingests documents it is sent, which then answer their own questions", async () => {
    const documents = [{ id: "pets", title: "Pets in the office", text: "Dogs are welcome in the office on Fridays if they are calm around people." }];
    expect((await app.fetch("/ingest", { method: "POST", body: JSON.stringify({ documents }) })).status).toBe(201);
    const result = await ask("Can I bring my dog to the office?");
    expect(result.sources[0]!.id).toBe("pets");
    expect(result.citations).toEqual(["pets"]);
    expect((await app.fetch("/ingest", { method: "POST", body: '{"documents": [{"id": 1}]}' })).status).toBe(400);
  });
});
