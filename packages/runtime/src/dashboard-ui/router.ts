/** Hash routing: `#/page/arg…?query`. One shell page on the server; a link is a plain `href="#/…"`. */

export interface Route {
  page: string;
  args: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const [path = "", q = ""] = hash.replace(/^#\/?/, "").split("?");
  const parts = path.split("/").filter(Boolean).map((p) => decodeURIComponent(p));
  return { page: parts[0] ?? "workspaces", args: parts.slice(1), query: new URLSearchParams(q) };
}

export function go(path: string): void {
  location.hash = `#/${path}`;
}
