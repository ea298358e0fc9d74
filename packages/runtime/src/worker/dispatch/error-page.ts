/** The 5xx pages the dispatcher answers with when user code cannot serve: HTML for browsers, text otherwise. */

export interface ErrorPage {
  status: number;
  title: string;
  detail: string;
  /** Shown only in dev mode: stack traces can reveal source paths. */
  stack?: string;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function renderErrorPage(request: Request, page: ErrorPage, dev: boolean): Response {
  const stack = dev ? page.stack : undefined;
  const headers = { "cache-control": "no-store", "x-aerostack-error": "1" };
  if ((request.headers.get("accept") ?? "").includes("text/html")) {
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1f2937}
h1{font-size:1.3rem;color:#b91c1c}pre{background:#f3f4f6;padding:1rem;overflow:auto;border-radius:6px}</style></head>
<body><h1>${escapeHtml(page.title)}</h1><pre>${escapeHtml(page.detail)}</pre>${stack ? `<pre>${escapeHtml(stack)}</pre>` : ""}
<p>Served by aerostack${dev ? " dev: fix the code and save; the next request picks it up." : "."}</p></body></html>`;
    return new Response(html, { status: page.status, headers: { ...headers, "content-type": "text/html; charset=utf-8" } });
  }
  const text = `${page.title}\n\n${page.detail}${stack ? `\n\n${stack}` : ""}\n`;
  return new Response(text, { status: page.status, headers: { ...headers, "content-type": "text/plain; charset=utf-8" } });
}
