/**
 * How members' names are namespaced in a workspace.
 *
 * - Tools and prompts (and resource/template names): `{slug}__{name}`. Slugs never contain `_`, so the first `__`
 *   always ends the slug and the member's own name may contain anything, `__` included.
 * - Resource URIs (and URI templates): `aerostack://{slug}/{member's own URI, verbatim}`, e.g.
 *   `aerostack://docs/file:///guide.md`. The member's URI is kept whole after the first `/`, so splitting is exact
 *   and RFC 6570 template expressions in it keep working.
 */
import { MEMBER_SLUG_PATTERN, NAME_SEPARATOR } from "../../shared/gateway";

export const URI_SCHEME = "aerostack://";

export const prefixName = (slug: string, name: string): string => `${slug}${NAME_SEPARATOR}${name}`;

export function splitName(composed: string): { slug: string; name: string } | null {
  const at = composed.indexOf(NAME_SEPARATOR);
  if (at <= 0) return null;
  const slug = composed.slice(0, at);
  const name = composed.slice(at + NAME_SEPARATOR.length);
  if (name === "" || !MEMBER_SLUG_PATTERN.test(slug)) return null;
  return { slug, name };
}

export const namespaceUri = (slug: string, uri: string): string => `${URI_SCHEME}${slug}/${uri}`;

export function splitUri(uri: string): { slug: string; uri: string } | null {
  if (!uri.startsWith(URI_SCHEME)) return null;
  const rest = uri.slice(URI_SCHEME.length);
  const slash = rest.indexOf("/");
  if (slash <= 0) return null;
  const slug = rest.slice(0, slash);
  const inner = rest.slice(slash + 1);
  if (inner === "" || !MEMBER_SLUG_PATTERN.test(slug)) return null;
  return { slug, uri: inner };
}
