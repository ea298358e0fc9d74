/**
 * A link shortener:
 *   POST /links {"url": "https://…"}  → { slug }            (DB)
 *   GET  /:slug                       → 302 to the url      (CACHE counter + a QUEUE event per click)
 *   GET  /links/:slug                 → the link and its click counts
 *   POST /export                      → writes every link and its clicks to STORAGE as JSON
 *   GET  /exports/:name               → streams an export back
 */
import type { AerostackEnv } from "@aerostack/runtime/types";

interface Click {
  slug: string;
  at: number;
  agent: string | null;
}

const json = (body: unknown, status = 200) => Response.json(body, { status });

function newSlug(): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
}

export default {
  async fetch(request: Request, env: AerostackEnv): Promise<Response> {
    const { pathname } = new URL(request.url);

    if (request.method === "GET" && pathname === "/") {
      const { results } = await env.DB.prepare("SELECT count(*) AS links FROM links").all<{ links: number }>();
      return json({ service: "hello: a link shortener", links: results[0]?.links ?? 0, try: 'curl -X POST localhost:8787/links -d \'{"url":"https://example.com"}\'' });
    }

    if (request.method === "POST" && pathname === "/links") {
      const { url } = (await request.json().catch(() => ({}))) as { url?: unknown };
      if (typeof url !== "string" || !/^https?:\/\//.test(url)) return json({ error: 'send JSON like {"url": "https://example.com"}' }, 400);
      const slug = newSlug();
      await env.DB.prepare("INSERT INTO links (slug, url) VALUES (?, ?)").bind(slug, url).run();
      return json({ slug, short: `${new URL(request.url).origin}/${slug}` }, 201);
    }

    if (request.method === "POST" && pathname === "/export") {
      const { results } = await env.DB.prepare(
        "SELECT l.slug, l.url, count(c.id) AS clicks FROM links l LEFT JOIN clicks c ON c.slug = l.slug GROUP BY l.slug ORDER BY l.created_at",
      ).all();
      const name = `links-${Date.now()}.json`;
      await env.STORAGE.put(`exports/${name}`, JSON.stringify(results, null, 2), { httpMetadata: { contentType: "application/json" } });
      return json({ export: name, links: results.length }, 201);
    }

    const exported = /^\/exports\/([\w.-]+)$/.exec(pathname);
    if (request.method === "GET" && exported) {
      const object = await env.STORAGE.get(`exports/${exported[1]}`);
      if (!object) return json({ error: "no such export" }, 404);
      const headers = new Headers();
      object.writeHttpMetadata(headers);
      return new Response(object.body, { headers });
    }

    const stats = /^\/links\/([a-z0-9]+)$/.exec(pathname);
    if (request.method === "GET" && stats) {
      const link = await env.DB.prepare("SELECT slug, url, created_at FROM links WHERE slug = ?").bind(stats[1]).first();
      if (!link) return json({ error: "no such link" }, 404);
      const recorded = await env.DB.prepare("SELECT count(*) AS n FROM clicks WHERE slug = ?").bind(stats[1]).first<number>("n");
      const counted = Number((await env.CACHE.get(`clicks:${stats[1]}`)) ?? 0);
      return json({ ...link, clicks: counted, recordedClicks: recorded });
    }

    const go = /^\/([a-z0-9]+)$/.exec(pathname);
    if (request.method === "GET" && go) {
      const link = await env.DB.prepare("SELECT url FROM links WHERE slug = ?").bind(go[1]).first<{ url: string }>();
      if (!link) return json({ error: "no such link" }, 404);
      await env.CACHE.increment(`clicks:${go[1]}`);
      await env.QUEUE.send({ slug: go[1]!, at: Date.now(), agent: request.headers.get("user-agent") } satisfies Click);
      return Response.redirect(link.url, 302);
    }

    return json({ error: `no route for ${request.method} ${pathname}` }, 404);
  },

  /** Records click events in the background, off the redirect's path. */
  async queue(batch: { messages: { body: unknown }[] }, env: AerostackEnv): Promise<void> {
    await env.DB.batch(
      batch.messages.map((m) => {
        const click = m.body as Click;
        return env.DB.prepare("INSERT INTO clicks (slug, at, agent) VALUES (?, ?, ?)").bind(click.slug, click.at, click.agent);
      }),
    );
  },
};
