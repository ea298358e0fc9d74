/**
 * An MCP server for notes, served at /mcp (Streamable HTTP) and /sse (legacy clients):
 *   tools      add_note, search_notes (read-only, cached in CACHE), delete_note (destructive)
 *   resource   notes://recent – the newest notes as JSON
 *   prompt     summarize_notes – asks the model to summarize the notes on a topic
 * Notes live in env.DB (migrations/0001_notes.sql); search results are cached in env.CACHE for a minute.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { serveMcp } from "@aerostack/runtime/mcp";
import type { AerostackEnv } from "@aerostack/runtime/types";
import { z } from "zod";

interface Note {
  id: number;
  title: string;
  body: string;
  created_at: string;
}

/** Bumped on every write: cached searches are keyed by it, so a write makes them all stale at once. */
const GENERATION_KEY = "notes:generation";

const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });

async function searchNotes(env: AerostackEnv, query: string, limit: number): Promise<Note[]> {
  const { results } = await env.DB.prepare("SELECT id, title, body, created_at FROM notes WHERE title LIKE ?1 OR body LIKE ?1 ORDER BY id DESC LIMIT ?2")
    .bind(`%${query}%`, limit)
    .all<Note>();
  return results;
}

/** One server per MCP session; `env` holds the project's bindings. */
export function createServer(env: AerostackEnv): McpServer {
  const server = new McpServer({ name: "{{name}}", version: "1.0.0" });

  server.registerTool(
    "add_note",
    {
      title: "Add a note",
      description: "Saves a note with a title and a body, and returns its id.",
      inputSchema: { title: z.string().min(1).max(200), body: z.string().max(10_000) },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
    },
    async ({ title, body }) => {
      const row = await env.DB.prepare("INSERT INTO notes (title, body) VALUES (?, ?) RETURNING id").bind(title, body).first<{ id: number }>();
      await env.CACHE.increment(GENERATION_KEY);
      return { ...text(`Saved note ${row!.id}: ${title}`), structuredContent: { id: row!.id } };
    },
  );

  server.registerTool(
    "search_notes",
    {
      title: "Search notes",
      description: "Finds notes whose title or body contains the query, newest first.",
      inputSchema: { query: z.string().max(200).describe("Text to look for; empty lists every note"), limit: z.number().int().min(1).max(50).default(10) },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ query, limit }) => {
      const generation = (await env.CACHE.get(GENERATION_KEY)) ?? "0";
      const key = `search:${generation}:${limit}:${query}`;
      const hit = await env.CACHE.get<Note[]>(key, { type: "json" });
      const notes = hit ?? (await searchNotes(env, query, limit));
      if (!hit) await env.CACHE.put(key, JSON.stringify(notes), { expirationTtl: 60 });
      const lines = notes.map((n) => `#${n.id} ${n.title}: ${n.body}`);
      return { ...text(lines.length ? lines.join("\n") : `No notes match "${query}".`), structuredContent: { notes, cached: hit !== null } };
    },
  );

  server.registerTool(
    "delete_note",
    {
      title: "Delete a note",
      description: "Deletes the note with this id. It cannot be undone.",
      inputSchema: { id: z.number().int().positive() },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    },
    async ({ id }) => {
      const { meta } = await env.DB.prepare("DELETE FROM notes WHERE id = ?").bind(id).run();
      await env.CACHE.increment(GENERATION_KEY);
      if (meta.changes === 0) return { ...text(`There is no note ${id}.`), isError: true };
      return text(`Deleted note ${id}.`);
    },
  );

  server.registerResource(
    "recent-notes",
    "notes://recent",
    { title: "Recent notes", description: "The 20 newest notes", mimeType: "application/json" },
    async (uri) => {
      const { results } = await env.DB.prepare("SELECT id, title, body, created_at FROM notes ORDER BY id DESC LIMIT 20").all<Note>();
      return { contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(results, null, 2) }] };
    },
  );

  server.registerPrompt(
    "summarize_notes",
    {
      title: "Summarize notes",
      description: "Asks for a short summary of the notes about a topic.",
      argsSchema: { topic: z.string().describe("What the notes should be about") },
    },
    async ({ topic }) => {
      const notes = await searchNotes(env, topic, 20);
      const listed = notes.map((n) => `- ${n.title}: ${n.body}`).join("\n") || "(no notes yet)";
      return {
        messages: [{ role: "user", content: { type: "text", text: `Summarize my notes about "${topic}" in three sentences or fewer.\n\n${listed}` } }],
      };
    },
  );

  return server;
}

export default { fetch: serveMcp(createServer) };
