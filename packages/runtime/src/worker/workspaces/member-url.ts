/**
 * The SSRF rule for a proxied member's URL, checked when the member is added: link-local and metadata addresses never,
 * private and loopback only for a member added with `allowPrivate`. The gateway checks again at connect time.
 */
import { classifyHost } from "../egress/classify";

/** Null when the URL may be a member, else the reason it may not. */
export function judgeMemberUrl(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${JSON.stringify(raw.slice(0, 200))} is not a URL`;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `${url.protocol} is not allowed; a member's URL is http: or https:`;
  if (url.username || url.password) return "the URL carries credentials; put them in a header that references a secret (--header \"Authorization=Bearer secret:NAME\")";
  const { class: kind } = classifyHost(url.hostname);
  if (kind === "metadata") return `${url.hostname} is a cloud metadata address; a member may never point there`;
  if (kind === "link-local") return `${url.hostname} is a link-local address; a member may never point there`;
  if ((kind === "loopback" || kind === "private") && !allowPrivate) {
    return `${url.hostname} is a ${kind} address; add the member with --allow-private if it really lives on your network`;
  }
  return null;
}
