/** The egress rule table: given a URL and its allowances, refuse it (with a message) or name the network to use. */
import { classifyHost } from "./classify";

export interface EgressRules {
  /** Loopback and private destinations allowed: always in `dev`; on the platform only when started with `egress.allowPrivate`. */
  allowPrivate: boolean;
  /** Ports the platform itself listens on (its HTTP port, Miniflare's loopback server): refused whatever the host. */
  ownPorts: readonly number[];
}

export type Verdict =
  | { allowed: true; network: "public" | "private" }
  | { allowed: false; rule: "scheme" | "metadata" | "link-local" | "own-port" | "private"; message: string };

const PREFIX = "aerostack egress:";

/** Whose requests are judged, for the messages: user code (the default), or the gateway calling a workspace member. */
export interface RuleWording {
  who: string;
  /** What a refused private or loopback address is told: how to allow it. */
  privateHint: string;
}

const USER_CODE: RuleWording = {
  who: "user code",
  privateHint: "this platform lets user code reach public addresses only (start it with aerostack platform start --allow-private-egress to allow private networks)",
};

export function judge(url: URL, rules: EgressRules, wording: RuleWording = USER_CODE): Verdict {
  const { who } = wording;
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return refuse("scheme", `${url.protocol} URLs are not allowed from ${who}; only http: and https: are`);
  }
  const host = url.hostname;
  const { class: kind } = classifyHost(host);
  if (kind === "metadata") return refuse("metadata", `${host} is a cloud metadata address; ${who} may never reach it`);
  if (kind === "link-local") return refuse("link-local", `${host} is a link-local address; ${who} may never reach it`);
  // By port, whatever the host: a name (localhost, a rebinding domain, this machine's public IP) can lead to our
  // listeners, and its resolved address is only known at connect time, where workerd's lists cannot name ports.
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  if (rules.ownPorts.includes(port)) {
    return refuse("own-port", `${host}:${port} is the platform's own port; ${who} may not reach it`);
  }
  if ((kind === "loopback" || kind === "private") && !rules.allowPrivate) {
    return refuse("private", `${host} is a ${kind} address; ${wording.privateHint}`);
  }
  return { allowed: true, network: rules.allowPrivate ? "private" : "public" };
}

function refuse(rule: Exclude<Verdict, { allowed: true }>["rule"], text: string): Verdict {
  return { allowed: false, rule, message: `${PREFIX} ${text}` };
}
