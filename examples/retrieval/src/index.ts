/**
 * Question answering over a few articles (retrieval-augmented generation), offline by default:
 *   POST /ingest [{"documents": [{ id, title, text }]}]  → embeds them with env.AI.embed into env.VECTORIZE
 *                                                          (no body: the built-in help-center articles)
 *   POST /ask {"question": "…"}                          → env.VECTORIZE.query for the closest articles, then
 *                                                          env.AI.chat answers from them and cites its source
 */
import type { AerostackEnv, VectorizeIndex } from "@aerostack/runtime/types";
import { ARTICLES, type Article } from "./articles";

type Env = AerostackEnv & { VECTORIZE: VectorizeIndex };

interface Source {
  id: string;
  title: string;
  text: string;
  score: number;
}

const TOP_K = 3;
const INSTRUCTIONS =
  "Reply from the numbered sources only, in one or two sentences. Put the number of each source you rely on in " +
  "square brackets after the sentence it supports. If the sources are silent, reply that you do not know.";

const json = (body: unknown, status = 200) => Response.json(body, { status });

function isArticle(value: unknown): value is Article {
  const a = value as Article;
  return typeof a === "object" && a !== null && typeof a.id === "string" && a.id !== "" && typeof a.title === "string" && typeof a.text === "string";
}

async function ingest(env: Env, articles: Article[]) {
  // One embedding call for the whole batch; title and text together, so either can match a question.
  const { vectors, model } = await env.AI.embed({ input: articles.map((a) => `${a.title}. ${a.text}`) });
  await env.VECTORIZE.upsert(articles.map((a, i) => ({ id: a.id, values: vectors[i]!, metadata: { title: a.title, text: a.text } })));
  return { ingested: articles.length, ids: articles.map((a) => a.id), model, dimensions: vectors[0]?.length ?? 0 };
}

async function retrieve(env: Env, question: string): Promise<Source[]> {
  const { vectors } = await env.AI.embed({ input: question });
  const { matches } = await env.VECTORIZE.query(vectors[0]!, { topK: TOP_K, returnMetadata: "all" });
  return matches.map((m) => ({ id: m.id, title: String(m.metadata?.title ?? ""), text: String(m.metadata?.text ?? ""), score: m.score }));
}

const normalize = (text: string) => text.toLowerCase().replace(/\s+/g, " ").trim();

/**
 * The sources an answer cites: the `[n]` it names (as instructed), else — for an answer quoted word for word from
 * the sources, as extractive models and the offline local provider give — the sources that contain it.
 */
function citations(answer: string, sources: Source[]): Source[] {
  const named = [...answer.matchAll(/\[(\d+)\]/g)].map((m) => sources[Number(m[1]) - 1]).filter((s): s is Source => s !== undefined);
  if (named.length > 0) return [...new Set(named)];
  const quoted = normalize(answer);
  return quoted === "" ? [] : sources.filter((s) => normalize(s.text).includes(quoted));
}

async function ask(env: Env, question: string) {
  const sources = await retrieve(env, question);
  if (sources.length === 0) return json({ error: "no articles yet: POST /ingest first" }, 409);
  const context = sources.map((s, i) => `[${i + 1}] ${s.text}`).join("\n");
  const result = await env.AI.chat({
    messages: [
      { role: "system", content: INSTRUCTIONS },
      { role: "user", content: `Sources:\n${context}\nQuestion: ${question}` },
    ],
    temperature: 0,
  });
  const cited = citations(result.text, sources);
  // Citations by article id, which mean something to the reader; "[2]" only meant something to the model.
  let answer = result.text.replace(/\[(\d+)\]/g, (whole, n: string) => (sources[Number(n) - 1] ? `[${sources[Number(n) - 1]!.id}]` : whole));
  if (cited.length > 0 && !cited.some((s) => answer.includes(`[${s.id}]`))) answer = `${answer} ${cited.map((s) => `[${s.id}]`).join(" ")}`;
  return json({
    answer,
    citations: cited.map((s) => s.id),
    sources: sources.map(({ id, title, score }) => ({ id, title, score })),
    model: result.model,
  });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { pathname } = new URL(request.url);

    if (request.method === "GET" && pathname === "/") {
      return json({
        service: "retrieval: answers questions from ingested articles",
        try: ["curl -X POST localhost:8787/ingest", 'curl -X POST localhost:8787/ask -d \'{"question":"How do I reset my password?"}\''],
      });
    }

    if (request.method === "POST" && pathname === "/ingest") {
      const text = await request.text();
      if (text.trim() === "") return json(await ingest(env, ARTICLES), 201);
      let body: { documents?: unknown } = {};
      try {
        body = JSON.parse(text) as { documents?: unknown };
      } catch {
        // answered below, with the shape expected
      }
      if (!Array.isArray(body?.documents) || body.documents.length === 0 || !body.documents.every(isArticle)) {
        return json({ error: 'send no body (the built-in articles) or {"documents": [{"id": "…", "title": "…", "text": "…"}]}' }, 400);
      }
      return json(await ingest(env, body.documents), 201);
    }

    if (request.method === "POST" && pathname === "/ask") {
      const { question } = (await request.json().catch(() => ({}))) as { question?: unknown };
      if (typeof question !== "string" || question.trim() === "") return json({ error: 'send JSON like {"question": "How do I reset my password?"}' }, 400);
      return ask(env, question);
    }

    return json({ error: "not found: try POST /ingest, then POST /ask" }, 404);
  },
};
