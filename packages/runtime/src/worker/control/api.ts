/** The host's control API under `/__aerostack/`: deploy and flip, build errors, migrations, admin queries, jobs. */
import type * as z from "zod/mini";
import type { PlatformEnv } from "../env";
import { controlPlane } from "./control-plane";
import { workspaceObject } from "../workspaces/workspace";
import { projectStore } from "../projects/project-store";
import { directory } from "../accounts/directory";
import { rememberActive } from "../isolates/active";
import { loadIsolate } from "../isolates/loader";
import { runProject } from "../isolates/run-project";
import { newRequestId } from "../http/request-id";
import { serveHttp, type Surface } from "../http/middleware";
import { HttpError, json } from "../http/http-error";
import { readJsonBody } from "../http/body";
import {
  BootstrapSchema,
  BuildErrorSchema,
  DeploymentSchema,
  MigrationsSchema,
  TenantIdSchema,
  QuerySchema,
  ScheduledTriggerSchema,
  SecretsSchema,
  type ScheduledTriggerResult,
} from "../../shared/protocol";
import { LOCAL_ACCOUNT, MEMBER_SLUG_PATTERN, WorkspaceTokensSchema } from "../../shared/gateway";
import { CallRecordsBodySchema, DevDashboardSchema, DevWorkspacePutSchema } from "../../shared/workspaces";
import { ClockAdvanceSchema, RUN_ID_PATTERN } from "../../shared/workflows";
import { workflowRun } from "../workflows/engine/workflow-run";
import { serveWorkflowControl } from "../workflows/http/dev-control";
import { BotChatClockSchema, DeployBotBodySchema } from "../../shared/bots";
import { botRegistry } from "../bots/registry";
import { botChat } from "../bots/chat";
import { setUpDevDashboard } from "../dashboard/dev";
import { turns } from "../turns/turns";

export const CONTROL_PREFIX = "/__aerostack/";

/** Compares in time independent of where the strings differ. */
function timingSafeEqual(a: string, b: string): boolean {
  const enc = new TextEncoder();
  const x = enc.encode(a);
  const y = enc.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Deployments carry a bundle (25 MB) and its source map (50 MB) as JSON strings. */
const MAX_CONTROL_BODY_BYTES = 128 * 1024 * 1024;

const readBody = <S extends z.ZodMiniType>(request: Request, schema: S): Promise<z.output<S>> => readJsonBody(request, schema, MAX_CONTROL_BODY_BYTES);

const CONTROL_SURFACE: Surface = { name: "control", error: (err, headers) => err.toResponse(headers) };

/** Behind the platform's HTTP middleware (http/middleware.ts): request id, consumed bodies, JSON errors. */
export function handleControl(request: Request, env: PlatformEnv, ctx: ExecutionContext): Promise<Response> {
  return serveHttp(request, CONTROL_SURFACE, () => serveControl(request, env, ctx));
}

async function serveControl(request: Request, env: PlatformEnv, ctx: ExecutionContext): Promise<Response> {
  const auth = request.headers.get("authorization") ?? "";
  if (!env.AEROSTACK_HOST_TOKEN || !timingSafeEqual(auth, `Bearer ${env.AEROSTACK_HOST_TOKEN}`)) {
    throw new HttpError("unauthorized", "the control API needs the host token");
  }
  const path = new URL(request.url).pathname.slice(CONTROL_PREFIX.length).split("/");
  try {
    if (path[0] === "health" && path.length === 1) return json({ ok: true });
    // The isolate's scheduler (turns/turns.ts): how many foreground requests it counts now (tests of the router's wiring).
    if (path[0] === "turns" && path.length === 1 && request.method === "GET") return json({ foreground: turns.foregroundInFlight });
    if (path[0] === "bootstrap" && path.length === 1 && request.method === "POST") {
      // First start of a platform: the host made the admin key and sends only its hash.
      const body = await readBody(request, BootstrapSchema);
      return json(await directory(env).bootstrap(body.account, body.keyId, body.keyHash));
    }
    if (path[0] === "workflow-runs" && path[2] === "clock" && path.length === 3 && request.method === "POST") {
      // The run's injectable clock (tests, and an operator skipping a wait): due waits and backoffs fire at once.
      const id = path[1] ?? "";
      if (!RUN_ID_PATTERN.test(id)) throw new HttpError("bad_query", `run id ${JSON.stringify(id.slice(0, 64))} is not valid`);
      const body = await readBody(request, ClockAdvanceSchema);
      await workflowRun(env, id).advanceClock(body.advanceMs);
      return json({ ok: true });
    }
    const workflows = await serveWorkflowControl(request, env, path, LOCAL_ACCOUNT, readBody);
    if (workflows) return workflows;
    if (path[0] === "dev-dashboard" && path.length === 1 && request.method === "POST") {
      // `aerostack dev` started: its dashboard link's token (hash only) and the workspace it shows (dashboard/dev.ts).
      const body = await readBody(request, DevDashboardSchema);
      await setUpDevDashboard(env, body.workspace, body.linkHash);
      return json({ ok: true });
    }
    if (path[0] === "workspaces") {
      // Workspaces (the gateway at /ws/:slug): config + member secrets in one call, tokens (hashes only) in another.
      const workspace = path[1] ?? "";
      if (!MEMBER_SLUG_PATTERN.test(workspace)) throw new HttpError("bad_workspace", `workspace ${JSON.stringify(workspace)} must be a lowercase slug`);
      const sub = `${request.method} ${path.slice(2).join("/")}`;
      const ws = workspaceObject(env, workspace);
      if (sub === "PUT ") {
        // `aerostack dev`: the project's members, and the secret values their headers name, replace what was there.
        const body = await readBody(request, DevWorkspacePutSchema);
        await ws.create(workspace, LOCAL_ACCOUNT);
        if (body.settings) await ws.updateSettings(body.settings);
        const { rev, changed } = await ws.replaceMembers(body.config.members, { timeoutMs: body.config.timeoutMs, callTimeoutMs: body.config.callTimeoutMs });
        await ws.replaceSecrets(workspace, Object.assign({}, ...Object.values(body.secrets)) as Record<string, string>);
        const secrets = Object.fromEntries(Object.entries(body.secrets).map(([member, values]) => [member, Object.keys(values).sort()]));
        return json({ rev, members: body.config.members.map((m) => m.slug), secrets, changed });
      }
      if (sub === "PUT tokens") {
        const body = await readBody(request, WorkspaceTokensSchema);
        await ws.create(workspace, LOCAL_ACCOUNT);
        await ws.replaceTokens(body.tokens.map((t, i) => ({ id: `tok_local${i}`, hash: t.hash, name: t.label || "token", role: t.role })));
        return json({ count: body.tokens.length });
      }
      if (sub === "POST calls") {
        // Records as the gateway would log them, into the call log and its analytics histograms (the dashboard bench).
        const body = await readBody(request, CallRecordsBodySchema);
        await ws.recordCalls(body.records);
        return json({ count: body.records.length });
      }
      throw new HttpError("not_found", `no control route ${request.method} /${path.join("/")}`);
    }
    if (path[0] === "bot-chats" && path[1] === "clock" && path.length === 2 && request.method === "POST") {
      // A chat's injectable clock (tests): WhatsApp's 24-hour window or Discord's 15-minute token passes at once.
      const body = await readBody(request, BotChatClockSchema);
      await botChat(env, body.account, body.bot, body.platform, body.chat).advanceClock(body.advanceMs);
      return json({ ok: true });
    }
    if (path[0] === "bots" && path.length === 2 && request.method === "PUT") {
      // `aerostack dev` in a bot folder: the bot, for the dev account, behind the local chat page (bots/dev-chat.ts).
      const body = await readBody(request, DeployBotBodySchema);
      if (body.bot.name !== path[1]) throw new HttpError("invalid_bot", `the definition is named "${body.bot.name}" but is put as "${path[1] ?? ""}"`);
      const result = await botRegistry(env, body.bot.name).deploy(LOCAL_ACCOUNT, body.bot, false);
      if (!result.ok) throw new HttpError("forbidden", result.message);
      return json({ version: result.meta.version, unchanged: result.unchanged });
    }
    if (path[0] !== "projects" || path.length < 3) throw new HttpError("not_found", `no control route ${request.method} /${path.join("/")}`);
    const parsed = TenantIdSchema.safeParse(path[1]);
    if (!parsed.success) throw new HttpError("bad_project", `project id ${JSON.stringify(path[1])} must be a lowercase slug (or account.project.env)`);
    const project = parsed.data;
    const route = `${request.method} ${path.slice(2).join("/")}`;
    const store = projectStore(env, project);
    switch (route) {
      case "PUT deployment": {
        const body = await readBody(request, DeploymentSchema);
        const result = await store.deploy({ version: body.version, code: body.code, sourceMap: body.sourceMap ?? null, settings: body.settings }, {}, env.AEROSTACK_HOST_SESSION ?? null);
        const active = await store.getActive();
        rememberActive(project, active);
        if (!result.unchanged) ctx.waitUntil(controlPlane(env).projectDeployed(project));
        // Warm the new version's isolate now, so its first request does not pay for loading it. A module that
        // throws at load is reported by that first request, not here.
        ctx.waitUntil(loadIsolate(env, ctx.exports, project, body.version, active.secretsRev).ping().catch(() => {}));
        return json(result);
      }
      case "PUT build-error": {
        const body = await readBody(request, BuildErrorSchema);
        await store.setBuildError(body.message, env.AEROSTACK_HOST_SESSION ?? null);
        rememberActive(project, await store.getActive());
        return json({ ok: true });
      }
      case "DELETE build-error": {
        await store.setBuildError(null);
        rememberActive(project, await store.getActive());
        return json({ ok: true });
      }
      case "PUT secrets": {
        const body = await readBody(request, SecretsSchema);
        const result = await store.replaceSecrets(project, body.secrets);
        rememberActive(project, await store.getActive());
        return json(result);
      }
      case "GET secrets":
        return json({ names: await store.secretNames() });
      case "GET deployment":
        return json(await store.getActive());
      case "POST scheduled": {
        // What a cron trigger does, on demand: the host (and tests) can fire a project's scheduled() handler.
        const body = await readBody(request, ScheduledTriggerSchema);
        const run = await runProject(env, ctx.exports, project).scheduled(
          { cron: body.cron, scheduledTime: body.scheduledTime ?? Date.now() },
          { requestId: newRequestId() },
        );
        const result: ScheduledTriggerResult =
          run.kind === "response" ? { ok: true, noRetry: run.response.noRetry } : { ok: false, noRetry: run.noRetry, error: run.report };
        return json(result);
      }
      case "POST db/migrations": {
        const body = await readBody(request, MigrationsSchema);
        return json(await env.PROJECT_DB.get(env.PROJECT_DB.idFromName(project)).applyMigrations(body.migrations));
      }
      case "POST db/query": {
        const body = await readBody(request, QuerySchema);
        return json(await env.PROJECT_DB.get(env.PROJECT_DB.idFromName(project)).adminQuery(body.sql, body.params));
      }
      case "GET queue/jobs": {
        const params = new URL(request.url).searchParams;
        const status = params.get("status") ?? undefined;
        const limit = Number(params.get("limit") ?? 100);
        return json(await env.PROJECT_QUEUE.get(env.PROJECT_QUEUE.idFromName(project)).listJobs({ status, limit }));
      }
      case "GET ai/usage": {
        // env.AI calls, newest first, and totals per provider and model: ?since=<epoch ms>&limit=<1-1000>.
        const params = new URL(request.url).searchParams;
        const since = Number(params.get("since") ?? 0);
        const limit = Number(params.get("limit") ?? 100);
        if (!Number.isFinite(since) || !Number.isFinite(limit)) throw new HttpError("bad_query", "since and limit must be numbers");
        return json(await env.PROJECT_AI_USAGE.get(env.PROJECT_AI_USAGE.idFromName(project)).usage({ since, limit }));
      }
      default:
        throw new HttpError("not_found", `no control route ${request.method} /projects/${project}/${path.slice(2).join("/")}`);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    // Errors from Durable Objects (a failing SQL statement, say) are the caller's to read, not a crash.
    throw new HttpError("failed", err instanceof Error ? err.message : String(err));
  }
}
