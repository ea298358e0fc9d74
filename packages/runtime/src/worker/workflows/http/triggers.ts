/**
 * Workflow triggers over HTTP on the platform's own host. `POST /hooks/<workflow>`: a webhook starts a run with the
 * body and headers as `trigger`; with the trigger node's `hmacSecret` set, the body must be signed
 * (`x-aerostack-signature: sha256=<hex>`); a delivery id (`x-delivery-id`, `x-github-delivery` or
 * `idempotency-key`) starts at most one run. `POST /agents/<workflow>` (account key; optional under `aerostack dev`):
 * starts a run with the JSON body as input and streams its node events and messages as server-sent events until it
 * finishes or waits.
 */
import type { PlatformEnv } from "../../env";
import { DEFAULT_ENV } from "../../../shared/api";
import { LOCAL_ACCOUNT } from "../../../shared/gateway";
import { RUN_ID_PATTERN, WORKFLOW_NAME_PATTERN, type RunStatus } from "../../../shared/workflows";
import { approvalSignatureValid } from "./approval-links";
import { readBodyText } from "../../http/body";
import { HttpError, json } from "../../http/http-error";
import { serveHttp, type Surface } from "../../http/middleware";
import { authenticate } from "../../api/router";
import { projectStore } from "../../projects/project-store";
import { tenantId } from "../../projects/tenant";
import { workflowRegistry } from "../registry/workflow-registry";
import { workflowRun } from "../engine/workflow-run";

export const HOOKS_PREFIX = "/hooks/";
export const AGENTS_PREFIX = "/agents/";
const MAX_HOOK_BODY_BYTES = 1024 * 1024;
const DELIVERY_HEADERS = ["x-delivery-id", "x-github-delivery", "idempotency-key"];
/** How often the agent stream looks for new events. */
const STREAM_POLL_MS = 50;
/** Headers a webhook's trigger never sees: credentials stay out of the run's trace. */
const PRIVATE_HEADERS = new Set(["authorization", "cookie", "x-aerostack-signature"]);

const SURFACE: Surface = { name: "workflow triggers", error: (err, headers) => err.toResponse({ ...headers, "cache-control": "no-store" }) };

export function isTriggerPath(pathname: string): boolean {
  return pathname.startsWith(HOOKS_PREFIX) || pathname.startsWith(AGENTS_PREFIX);
}

export function handleTriggers(request: Request, env: PlatformEnv): Promise<Response> {
  return serveHttp(request, SURFACE, async () => {
    const url = new URL(request.url);
    const agent = url.pathname.startsWith(AGENTS_PREFIX);
    const [name = "", ...rest] = url.pathname.slice((agent ? AGENTS_PREFIX : HOOKS_PREFIX).length).replace(/\/$/, "").split("/");
    if (!WORKFLOW_NAME_PATTERN.test(name)) throw new HttpError("not_found", `no workflow at ${url.pathname}: workflow names are lowercase slugs`);
    if (request.method !== "POST") throw new HttpError("method_not_allowed", `${url.pathname} takes POST`);
    if (!agent && rest.length === 3 && rest[0] === "runs") return serveSignedDecision(env, url, name, rest[1]!, rest[2]!);
    if (rest.length) throw new HttpError("not_found", `no workflow endpoint at ${url.pathname}`);
    return agent ? serveAgent(request, env, name) : serveHook(request, env, name);
  });
}

async function serveHook(request: Request, env: PlatformEnv, name: string): Promise<Response> {
  const registry = workflowRegistry(env, name);
  const meta = await registry.get();
  if (!meta) throw new HttpError("workflow_not_found", `no workflow "${name}" on this platform`);
  const text = await readBodyText(request, MAX_HOOK_BODY_BYTES);
  const trigger = meta.definition.nodes.find((n) => n.type === "trigger");
  const secretName = (trigger?.config as { hmacSecret?: string } | undefined)?.hmacSecret;
  if (secretName) {
    const tenant = tenantId(meta.account, name, DEFAULT_ENV);
    const key = (await projectStore(env, tenant).getSecrets(tenant))[secretName];
    if (!key) throw new HttpError("bad_signature", `the workflow's webhook signing secret ${secretName} is not set; set it with \`aerostack secret put ${secretName}\``);
    if (!(await signatureValid(key, text, request.headers.get("x-aerostack-signature")))) {
      throw new HttpError("bad_signature", "the webhook signature is missing or wrong: send `x-aerostack-signature: sha256=<hex HMAC-SHA256 of the body>`");
    }
  }
  let body: unknown = text;
  if ((request.headers.get("content-type") ?? "").includes("json")) {
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError("bad_json", "the webhook body is not valid JSON (its content-type says it is)");
    }
  }
  const headers = Object.fromEntries([...request.headers].filter(([k]) => !PRIVATE_HEADERS.has(k.toLowerCase())));
  const deliveryId = DELIVERY_HEADERS.map((h) => request.headers.get(h)).find((v): v is string => v !== null && v.length > 0 && v.length <= 200);
  const started = await registry.startRun({ account: meta.account, trigger: "webhook", payload: { body, headers }, ...(deliveryId ? { deliveryId } : {}) });
  if (!started.ok) throw new HttpError("workflow_not_found", started.message);
  return json({ run: started.runId, deduplicated: started.deduplicated }, 202);
}

async function signatureValid(key: string, body: string, header: string | null): Promise<boolean> {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header ?? "");
  if (!match) return false;
  const enc = new TextEncoder();
  const cryptoKey = await crypto.subtle.importKey("raw", enc.encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const signature = new Uint8Array(match[1]!.match(/../g)!.map((h) => parseInt(h, 16)));
  // crypto.subtle.verify compares in constant time.
  return crypto.subtle.verify("HMAC", cryptoKey, signature, enc.encode(body));
}

/** `POST /hooks/<workflow>/runs/<run>/approve|reject?sig=…`: a signed per-run link decides the waiting human_handoff. */
async function serveSignedDecision(env: PlatformEnv, url: URL, name: string, runId: string, action: string): Promise<Response> {
  if (!RUN_ID_PATTERN.test(runId) || (action !== "approve" && action !== "reject")) throw new HttpError("not_found", `no workflow endpoint at ${url.pathname}`);
  const approve = action === "approve";
  if (!(await approvalSignatureValid(env, runId, approve, url.searchParams.get("sig") ?? ""))) {
    throw new HttpError("bad_signature", "this approval link is not valid: use the link exactly as `aerostack workflow status` or the API gave it");
  }
  const meta = await workflowRegistry(env, name).get();
  const run = workflowRun(env, runId);
  const info = meta ? await run.info(meta.account) : null;
  if (!meta || !info || info.workflow !== name) throw new HttpError("run_not_found", `no run ${runId} of workflow "${name}"`);
  const outcome = await run.decide(meta.account, { approve, by: "signed link" });
  if (!outcome.ok) throw new HttpError("run_conflict", `run ${runId}: ${outcome.message}`);
  return json({ run: runId, decision: approve ? "approved" : "rejected" });
}

const FINISHED: readonly RunStatus[] = ["succeeded", "failed", "cancelled"];

async function serveAgent(request: Request, env: PlatformEnv, name: string): Promise<Response> {
  // `aerostack dev` serves one project to its own machine: its agent endpoint is as open as its webhook, the way a
  // function's routes are; a key, when sent, is still checked. A platform always wants the account key.
  const devOpen = env.AEROSTACK_MODE !== "platform" && env.AEROSTACK_DEV_SURFACES !== undefined && !request.headers.has("authorization");
  const caller = devOpen ? { account: LOCAL_ACCOUNT } : await authenticate(request, env, "account", {});
  const text = await readBodyText(request, MAX_HOOK_BODY_BYTES);
  let input: unknown = {};
  try {
    input = text ? JSON.parse(text) : {};
  } catch {
    throw new HttpError("bad_json", "the body is not valid JSON: send the run's input as a JSON object");
  }
  const started = await workflowRegistry(env, name).startRun({ account: caller!.account, trigger: "agent", payload: { input } });
  if (!started.ok) throw new HttpError("workflow_not_found", started.message);
  const run = workflowRun(env, started.runId);
  const account = caller!.account;
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const enc = new TextEncoder();
  const send = (event: string, data: unknown) => writer.write(enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
  const pump = async () => {
    let cursor = 0;
    const shown = new Set<number>();
    try {
      await send("run", { run: started.runId });
      for (;;) {
        const trace = await run.trace(account, cursor);
        if (!trace) break;
        for (const event of trace.events) await send("node", event);
        for (const message of trace.messages) {
          if (shown.has(message.id)) continue;
          shown.add(message.id);
          await send("message", message);
        }
        cursor = trace.cursor;
        // A run that waits (for a person, a reply, a timer) ends the stream; its messages continue in `workflow logs`.
        if (FINISHED.includes(trace.run.status) || trace.run.status === "waiting") {
          await send("done", trace.run);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, STREAM_POLL_MS));
      }
    } catch (err) {
      await send("error", { message: err instanceof Error ? err.message : String(err) }).catch(() => {});
    } finally {
      await writer.close().catch(() => {});
    }
  };
  void pump();
  return new Response(readable, { headers: { "content-type": "text/event-stream", "cache-control": "no-store" } });
}
