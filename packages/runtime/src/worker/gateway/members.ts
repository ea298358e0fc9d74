/**
 * How the gateway reaches each kind of member: a project's own MCP server by an internal request to its isolate,
 * an external one over the network with its configured headers (secrets injected at call time). Nothing of the
 * client's request (its `Authorization` with the member token, its cookies, …) is ever forwarded.
 */
import type { PlatformEnv } from "../env";
import { workspaceObject } from "../workspaces/workspace";
import { describeRunError, runProject } from "../isolates/run-project";
import { newRequestId } from "../http/request-id";
import { requestLog } from "../logs/request-log";
import { PROJECT_MCP_PATH, type Member } from "../../shared/gateway";
import { GATEWAY_PREFIX, serveComposed, type Composer } from "./http";
import { MemberError, type MemberFetch } from "./upstream";
import { NO_REDACTION, redactor, type Redactor } from "./redact";
import { judge, type RuleWording } from "../egress/rules";
import { ownPorts } from "../egress/own-ports";
import { hubMemberRuntime } from "../hub/member";

export interface MemberRuntime {
  fetch: MemberFetch;
  /** Removes this member's secret values from everything it sends back and from text composed of it. */
  redact: Redactor;
}

/** What the gateway needs from its surroundings to reach members. */
export interface MemberHost {
  env: PlatformEnv;
  /** `ctx.exports` of the calling context (the bindings handed to project isolates). */
  exports: unknown;
  /** The session object's own: a project member's request log is written after the answer. */
  waitUntil(promise: Promise<unknown>): void;
  /** This workspace as the composer of a workspace member: its name, the depth such a member is at, the caller's role. */
  composer: Composer;
}

/**
 * Compositions nest at most this deep. Cycles are refused when a member is added; this guards the run time against
 * one that got in anyway (a config written around the API) or a chain too long to be sensible.
 */
export const MAX_COMPOSITION_DEPTH = 4;

/** Resolves `signal`'s abort as a rejection even when `work` cannot be cancelled (an RPC into an isolate). */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

const MEMBER_WORDING: RuleWording = {
  who: "a workspace member",
  privateHint: "add the member with --allow-private if it really lives on your network",
};

/**
 * The SSRF rule again at connect time (worker/workspaces/member-url.ts checked the URL when it was added): the URL's
 * host by the egress rule table, then the connection through a workerd network service whose lists judge the address
 * the name resolves to, so a public-looking name that resolves to loopback, private or metadata addresses is refused
 * too. `aerostack dev` reaches loopback as before: its members are the developer's own machine. On a platform the
 * platform's own ports are refused whatever the host. On Cloudflare (no network services) the global fetch goes out,
 * and Cloudflare refuses private destinations itself.
 */
async function connectToMember(env: PlatformEnv, member: Extract<Member, { kind: "proxy" }>, request: Request, signal: AbortSignal): Promise<Response> {
  const dev = env.AEROSTACK_MODE === "dev";
  const allowPrivate = dev || member.allowPrivate === true;
  const url = new URL(member.url);
  const verdict = judge(url, { allowPrivate, ownPorts: dev ? [] : await ownPorts(env) }, MEMBER_WORDING);
  if (!verdict.allowed) throw new MemberError(`refused: ${verdict.message}`);
  const network = allowPrivate ? (env.AEROSTACK_EGRESS_MEMBERS ?? env.AEROSTACK_EGRESS_PRIVATE) : env.AEROSTACK_EGRESS_PUBLIC;
  try {
    return await abortable(network ? network.fetch(request) : fetch(request), signal);
  } catch (err) {
    if (signal.aborted) throw err;
    // workerd reports a connect its lists refused as "internal error; reference = …": say what that means here.
    const why = err instanceof Error ? err.message : String(err);
    const detail = why.startsWith("internal error") ? "" : ` (${why})`;
    throw new MemberError(
      `could not be reached: nothing answered at ${url.host}, or it resolves to an address this member may not reach ` +
        `(${allowPrivate ? "link-local and metadata addresses are refused" : "public addresses only; add the member with --allow-private to reach private and loopback ones"})${detail}`,
    );
  }
}

export function memberRuntime(member: Member, host: MemberHost, secrets: Record<string, string> | undefined): MemberRuntime {
  if (member.kind === "project") {
    const runner = runProject(host.env, host.exports, member.project);
    return {
      redact: NO_REDACTION,
      async fetch(method, headers, body, signal) {
        const request = new Request(`http://${member.project}.localhost${PROJECT_MCP_PATH}`, { method, headers, ...(body !== undefined ? { body } : {}) });
        const requestId = newRequestId();
        // Logged as the project's own requests are: the gateway is one more client of its MCP server.
        const log = requestLog(host.env, host.waitUntil, member.project, request, requestId);
        const run = await abortable(runner.fetch(request, { requestId }), signal);
        log.ran(run);
        if (run.kind === "error") {
          // No deployment, a failed build, or the code threw: name what happened, first line only.
          const { title, detail } = describeRunError(member.project, run);
          const line = detail.split("\n")[0] ?? "";
          throw new MemberError(`${title}${line ? `: ${line.slice(0, 300)}` : ""}`);
        }
        return run.response;
      },
    };
  }

  // A Hub install: the publisher's pinned deployment, with this workspace's secrets (worker/hub/member.ts).
  if (member.kind === "hub") return hubMemberRuntime(member, host, secrets);

  if (member.kind === "workspace") {
    // The other workspace's gateway, called inside the platform; it redacts its own members' secrets.
    return {
      redact: NO_REDACTION,
      async fetch(method, headers, body, signal) {
        const { composer } = host;
        if (composer.depth > MAX_COMPOSITION_DEPTH) {
          throw new MemberError(`composes workspace "${member.workspace}" ${composer.depth} levels deep; compositions nest at most ${MAX_COMPOSITION_DEPTH} deep (is there a cycle?)`);
        }
        const request = new Request(`http://gateway.internal${GATEWAY_PREFIX}${member.workspace}`, { method, headers, ...(body !== undefined ? { body } : {}) });
        const res = await abortable(serveComposed(request, host.env, member.workspace, composer), signal);
        if (res.status === 404 && !res.headers.has("mcp-session-id") && method === "POST" && !headers.has("mcp-session-id")) {
          await res.body?.cancel();
          throw new MemberError(`composes workspace "${member.workspace}", which does not exist on this platform`);
        }
        return res;
      },
    };
  }

  const resolved: [string, string][] = [];
  const missing: string[] = [];
  const used: string[] = [];
  for (const [name, value] of Object.entries(member.headers)) {
    if ("value" in value) resolved.push([name, value.value]);
    else {
      const secret = secrets?.[value.secret];
      if (secret === undefined) missing.push(value.secret);
      else {
        used.push(secret);
        resolved.push([name, `${value.prefix ?? ""}${secret}`]);
      }
    }
  }
  const redact = redactor(used);
  return {
    redact,
    async fetch(method, headers, body, signal) {
      if (missing.length > 0) {
        throw new MemberError(
          `needs secret${missing.length > 1 ? "s" : ""} ${missing.join(", ")}, which ${missing.length > 1 ? "are" : "is"} not set ` +
            `(in aerostack dev: add ${missing[0]}=… to .dev.vars, or export it, and the gateway picks it up)`,
        );
      }
      for (const [name, value] of resolved) headers.set(name, value);
      // Redirects are not followed: the member's credentials must not travel to another address.
      const request = new Request(member.url, { method, headers, ...(body !== undefined ? { body } : {}), signal, redirect: "manual" });
      const res = await connectToMember(host.env, member, request, signal);
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        const location = res.headers.get("location");
        throw new MemberError(`redirected (HTTP ${res.status}${location ? ` to ${redact.text(location).slice(0, 200)}` : ""}); set its url to the final address`);
      }
      return res;
    },
  };
}

/**
 * Decrypted workspace secrets by name, kept while the workspace's revision is unchanged (one read per change).
 * Values, not promises, are cached: this module is shared by every session object, and a promise must not cross
 * from one object's I/O context into another's.
 */
// A cache, correct when empty: the workspace's object holds the secrets, and a new revision misses.
const secretsCache = new Map<string, { rev: number; values: Record<string, string> }>();

export async function workspaceSecrets(env: PlatformEnv, workspace: string, rev: number): Promise<Record<string, string>> {
  const hit = secretsCache.get(workspace);
  if (hit && hit.rev === rev) return hit.values;
  const fresh = await workspaceObject(env, workspace).secretValues(workspace);
  // The revision read with the values wins: a config pushed meanwhile is picked up by the next request.
  secretsCache.set(workspace, { rev: fresh.rev, values: fresh.values });
  return fresh.values;
}
