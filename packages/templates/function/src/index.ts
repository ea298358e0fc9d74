/**
 * A small notes API that uses all four bindings:
 *   DB      – notes live in SQL (migrations/0001_notes.sql)
 *   STORAGE – each note's text is also stored as an object
 *   QUEUE   – a background job counts the words of each new note
 *   CACHE   – a visit counter (atomic increment) and cached word counts
 */
import type { AerostackEnv } from "@aerostack/runtime/types";

interface Env extends AerostackEnv {
  GREETING: string;
}

interface CountWords {
  noteId: number;
}

const json = (body: unknown, status = 200) => Response.json(body, { status });

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const route = `${request.method} ${url.pathname}`;

    if (route === "GET /") {
      const visits = await env.CACHE.increment("visits");
      return json({ message: env.GREETING, visits });
    }

    if (route === "POST /notes") {
      const { text } = (await request.json().catch(() => ({}))) as { text?: unknown };
      if (typeof text !== "string" || text.trim() === "") return json({ error: "send JSON like {\"text\": \"...\"}" }, 400);
      const row = await env.DB.prepare("INSERT INTO notes (text) VALUES (?) RETURNING id").bind(text).first<{ id: number }>();
      const id = row!.id;
      await env.STORAGE.put(`notes/${id}.txt`, text, { httpMetadata: { contentType: "text/plain" } });
      const job = await env.QUEUE.send({ noteId: id } satisfies CountWords);
      return json({ id, job: job.id }, 201);
    }

    if (route === "GET /notes") {
      const { results } = await env.DB.prepare("SELECT id, text, words FROM notes ORDER BY id").all();
      return json({ notes: results });
    }

    const note = /^\/notes\/(\d+)$/.exec(url.pathname);
    if (request.method === "GET" && note) {
      const id = Number(note[1]);
      const row = await env.DB.prepare("SELECT id, text, words, created_at FROM notes WHERE id = ?").bind(id).first();
      if (!row) return json({ error: `no note ${id}` }, 404);
      const object = await env.STORAGE.get(`notes/${id}.txt`);
      const cachedWords = await env.CACHE.get(`words:${id}`);
      return json({ ...row, stored: object ? await object.text() : null, cachedWords: cachedWords === null ? null : Number(cachedWords) });
    }

    const job = /^\/jobs\/([\w-]+)$/.exec(url.pathname);
    if (request.method === "GET" && job) {
      const status = await env.QUEUE.getJob(job[1]!);
      return status ? json(status) : json({ error: "no such job" }, 404);
    }

    return json({ error: `no route for ${route}` }, 404);
  },

  /** Consumes jobs sent with env.QUEUE.send(): counts a note's words. */
  async queue(batch: { messages: { body: unknown; ack(): void }[] }, env: Env): Promise<void> {
    for (const message of batch.messages) {
      const { noteId } = message.body as CountWords;
      const row = await env.DB.prepare("SELECT text FROM notes WHERE id = ?").bind(noteId).first<{ text: string }>();
      if (row) {
        const words = row.text.split(/\s+/).filter(Boolean).length;
        await env.DB.prepare("UPDATE notes SET words = ? WHERE id = ?").bind(words, noteId).run();
        await env.CACHE.put(`words:${noteId}`, String(words), { expirationTtl: 3600 });
      }
      message.ack();
    }
  },
};
