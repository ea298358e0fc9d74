import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { startProject, type ProjectHarness } from "@aerostack/runtime/testing";

// Runs this project on a real local platform (workerd), in memory, exactly as `aerostack dev` would.
let app: ProjectHarness;
beforeAll(async () => {
  app = await startProject(fileURLToPath(new URL("..", import.meta.url)));
});
afterAll(() => app?.close());

describe("function template", () => {
  it("greets and counts visits in CACHE", async () => {
    const first = (await (await app.fetch("/")).json()) as { message: string; visits: number };
    const second = (await (await app.fetch("/")).json()) as { visits: number };
    expect(first.message).toBe("Hello from Aerostack");
    expect(second.visits).toBe(first.visits + 1);
  });

  it("stores a note in DB and STORAGE, and a QUEUE job counts its words", async () => {
    const created = await app.fetch("/notes", { method: "POST", body: JSON.stringify({ text: "three little words" }) });
    expect(created.status).toBe(201);
    const { id, job } = (await created.json()) as { id: number; job: string };

    await expect
      .poll(async () => ((await (await app.fetch(`/jobs/${job}`)).json()) as { status: string }).status, { timeout: 10_000 })
      .toBe("completed");

    const note = (await (await app.fetch(`/notes/${id}`)).json()) as { text: string; words: number; stored: string; cachedWords: number };
    expect(note).toMatchObject({ text: "three little words", words: 3, stored: "three little words", cachedWords: 3 });
  });

  it("rejects a note without text", async () => {
    const res = await app.fetch("/notes", { method: "POST", body: "{}" });
    expect(res.status).toBe(400);
  });
});
